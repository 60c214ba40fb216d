"""The demo's ``rest-json`` and ``sql`` collectors: the simulator's document-management and feedback APIs, and a
SQLite database of cashless payments written into the data folder (its URL in :data:`PAYMENTS_ENV`, set for this
process and so for the children it starts: the dashboard and the scheduler)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ioc.cli.collector import report_run
from ioc.cli.common import console
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector, list_collectors, update_collector
from ioc.config import now_local
from ioc.simulator import indicator_apis, payments
from ioc.warehouse.access import transaction

PAYMENTS_ENV = "IOC_DEMO_PAYMENTS_URL"
PAYMENTS_FILE = "demo-payments.db"
#: The payment database's seed (the simulator's default seed too).
SEED = 1


def _collectors(simulator: str) -> dict[str, tuple[str, str | None, dict[str, Any]]]:
    """Name → (kind, url, options) of the demo's collectors of these kinds."""
    sql_options = {"url_env": PAYMENTS_ENV, "query": payments.QUERY, "fields": payments.FIELDS}
    return {
        "demo-documents": (
            "rest-json",
            f"{simulator}{indicator_apis.DOCUMENTS_PATH}",
            indicator_apis.DOCUMENTS_OPTIONS,
        ),
        "demo-feedback": ("rest-json", f"{simulator}{indicator_apis.FEEDBACK_PATH}", indicator_apis.FEEDBACK_OPTIONS),
        "demo-payments": ("sql", None, sql_options),
    }


def ensure_indicator_sources(engine: Engine, simulator: str, data_dir: Path, province: str, start: date) -> list[str]:
    """Write the payments database, point :data:`PAYMENTS_ENV` at it, and add (or re-point) the collectors."""
    path = data_dir / PAYMENTS_FILE
    payments.write_payments_database(path, payments.payment_rows(SEED, province, start, now_local()))
    os.environ[PAYMENTS_ENV] = f"sqlite:///{path}"
    with transaction(engine) as connection:
        existing = {config.name: config for config in list_collectors(connection)}
        for name, (kind, url, options) in _collectors(simulator).items():
            if name not in existing:
                add_collector(connection, name, kind, url, every="15m", options=options)
                console.print(f"Added collector [bold]{name}[/] ({kind}): {url or '$' + PAYMENTS_ENV}", soft_wrap=True)
            elif existing[name].url != url:
                update_collector(connection, name, url=url)
    return list(_collectors(simulator))


def first_runs(engine: Engine, names: list[str], province: str) -> None:
    """Run each collector once, reporting how it went."""
    for name in names:
        report_run(name, run_collector(engine, name, province))
