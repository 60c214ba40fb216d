"""``ioc risk``: the pending dossiers likely to miss their due time in the next days (``ioc.risk``).

``--date`` is a day: the list is as of the end of that day (23:59:59), or as of now when the day is today, so a
past date shows what the model would have said that evening and today's shows the live list. A future date is
refused: the warehouse cannot know it yet.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from ioc.cli.common import console, day_option, errors, number, print_json
from ioc.cli.kpi import province_warehouse
from ioc.config import now_local
from ioc.errors import IOCError
from ioc.export import csv_text
from ioc.kpi.query import Filters
from ioc.risk import LIKELY, RiskReport, RiskRow, at_risk
from ioc.risk.report import MAX_HORIZON_DAYS

#: Whose history gave the estimate, as the table says it.
BASIS_VI = {"procedure": "thủ tục", "field": "lĩnh vực", "agency": "cơ quan"}


class RiskFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def as_of_day(day: date, now: datetime) -> datetime:
    """The end of ``day``, or ``now`` when it is today; a day after today is refused."""
    if day > now.date():
        raise IOCError(f"--date {day:%d/%m/%Y} is in the future: give today or an earlier day")
    if day == now.date():
        return now.replace(microsecond=0)
    return datetime.combine(day, time(23, 59, 59))


def risk_record(row: RiskRow) -> dict[str, object]:
    """One row as ``--format json`` and ``csv`` give it."""
    return {
        "ma_ho_so": row.ma_ho_so,
        "agency": row.agency,
        "unit": row.unit,
        "procedure": row.procedure,
        "due": row.due.isoformat(),
        "probability": round(row.probability, 4),
    }


def risk(
    day: Annotated[date, day_option("--date", help="As of the end of this day (or now when today):")],
    agency: Annotated[str | None, typer.Option(help="Only this agency's dossiers.")] = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit's dossiers (MaDVHC code).")] = None,
    horizon: Annotated[int, typer.Option(help=f"Dossiers due within this many days (1 to {MAX_HORIZON_DAYS}).")] = 7,
    show_all: Annotated[bool, typer.Option("--all", help=f"Every predicted dossier, not only p ≥ {LIKELY:g}.")] = False,
    output: Annotated[RiskFormat, typer.Option("--format", help="table for people, json or csv for scripts.")] = (
        RiskFormat.table
    ),
) -> None:
    """Pending dossiers likely to finish after their due time within --horizon days (Kaplan–Meier per procedure)."""
    as_of = as_of_day(day, now_local())
    with province_warehouse(Filters(unit=unit, agency=agency)) as connection:
        report = at_risk(connection, as_of, horizon_days=horizon, agency=agency, unit=unit)
    rows = report.rows if show_all else report.likely
    if output is RiskFormat.json:
        print_json([risk_record(row) for row in rows])
    elif output is RiskFormat.csv:
        print(csv_text([risk_record(row) for row in rows]), end="")
    else:
        _print_table(report, rows)
    if report.refused:
        errors.print(f"{report.refused} dossiers not predicted: too little history (< {report.min_history})")


def _print_table(report: RiskReport, rows: list[RiskRow]) -> None:
    table = Table(
        title=f"Hồ sơ có nguy cơ trễ hạn trong {report.horizon_days} ngày, tính đến {report.as_of:%d/%m/%Y %H:%M}"
    )
    for label in ("Mã hồ sơ", "Cơ quan", "Đơn vị", "Thủ tục", "Hạn trả"):
        table.add_column(label, no_wrap=label in ("Mã hồ sơ", "Hạn trả"))
    table.add_column("Xác suất trễ (%)", justify="right")
    table.add_column("Căn cứ (số hồ sơ)")
    for row in rows:
        table.add_row(
            row.ma_ho_so,
            row.agency or "",
            row.unit,
            row.procedure or "",
            f"{row.due:%d/%m/%Y %H:%M}",
            number(row.probability * 100, 1),
            f"{BASIS_VI[row.basis]} ({number(row.history)})",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(risk)
