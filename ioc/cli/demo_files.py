"""The demo's ``file-drop`` collector: the simulator's monthly XLSX reports written into a watched folder, loaded."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from ioc.cli.common import console, number
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector, list_collectors
from ioc.config import Settings, now_local
from ioc.simulator.monthly_report import HEADER_ROW, WIDE_MAPPING, write_monthly_reports
from ioc.warehouse.access import transaction

COLLECTOR = "demo-monthly-report"


def ended_months(start: date, today: date) -> list[date]:
    """The first day of every month from ``start``'s to the one before ``today``'s."""
    months, month = [], start.replace(day=1)
    while month < today.replace(day=1):
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def add_monthly_reports(engine: Engine, settings: Settings, start: date, today: date | None = None) -> None:
    """Write the months' reports ended by ``today`` into ``<data dir>/drop/monthly-report``, add the collector once,
    run it."""
    folder = settings.data_dir / "drop" / "monthly-report"
    months = ended_months(start, today or now_local().date())
    written = write_monthly_reports(folder, settings.province, months)
    options = {"path": str(folder), "wide": WIDE_MAPPING, "header_row": HEADER_ROW, "settle_seconds": 0}
    with transaction(engine) as connection:
        if COLLECTOR not in {config.name for config in list_collectors(connection)}:
            add_collector(connection, COLLECTOR, "file-drop", None, every="1h", options=options)
    result = run_collector(engine, COLLECTOR, settings.province)
    loaded = result.progress.inserted + result.progress.updated
    console.print(
        f"Collector [bold]{COLLECTOR}[/] (file-drop, {folder}): {len(written)} monthly reports written, "
        f"{number(loaded)} values loaded, {number(result.progress.rejected)} rejected ({result.status})",
        soft_wrap=True,
    )
