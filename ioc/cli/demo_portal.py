"""The demo's ``portal-766`` collector: the simulator's Decision 766 endpoints, read once at start (the last months,
the running quarter and year), then hourly by the scheduler. Its two unmatched names wait on the admin page Names."""

from __future__ import annotations

from sqlalchemy import Engine

from ioc.cli.common import console, number
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector, list_collectors, update_collector
from ioc.warehouse.access import transaction

PORTAL_COLLECTOR = "demo-portal766"


def ensure_portal_collector(engine: Engine, simulator: str, province: str) -> None:
    """Add the collector once (pointed at this run's simulator), and read the portal once."""
    with transaction(engine) as connection:
        existing = {config.name: config for config in list_collectors(connection)}.get(PORTAL_COLLECTOR)
        if existing is None:
            options = {"root_department_id": f"sim-{province}"}
            add_collector(connection, PORTAL_COLLECTOR, "portal-766", simulator, every="1h", options=options)
            console.print(f"Added collector [bold]{PORTAL_COLLECTOR}[/] (portal-766): {simulator}", soft_wrap=True)
        elif existing.url != simulator:
            update_collector(connection, PORTAL_COLLECTOR, url=simulator)
    result = run_collector(engine, PORTAL_COLLECTOR, province)
    progress = result.progress
    console.print(
        f"Run {result.run_id} of {PORTAL_COLLECTOR}: {result.status}, {number(progress.inserted)} scores inserted, "
        f"{number(progress.updated)} updated, {number(progress.rejected)} waiting for a name mapping (admin page Names)"
        + (f"; {result.error}" if result.error else ""),
        soft_wrap=True,
    )
