"""``ioc init``, ``ioc units``, ``ioc agencies``: the warehouse and its official units; ``ioc warehouse check``,
``rebuild`` and ``backup``: its repair and copies."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from ioc.cli.common import FormatOption, OutputFormat, console, display, number, print_json, print_rows
from ioc.config import Settings, load_settings
from ioc.initialise import InitReport, initialise
from ioc.warehouse import backup as backups
from ioc.warehouse import recount, schema
from ioc.warehouse.access import open_warehouse, transaction

group = typer.Typer(help="Check, repair and copy the warehouse.", no_args_is_help=True)


class Level(StrEnum):
    province = "province"
    commune = "commune"


def print_init_report(report: InitReport) -> None:
    summary = report.summary
    state = "initialised" if report.revision_before is None else "up to date"
    if report.revision_before not in (None, summary.revision):
        state = f"migrated from {report.revision_before}"
    console.print(f"[bold]Warehouse[/] {summary.database} ({summary.backend}, schema {summary.revision}): {state}")
    console.print(
        f"[bold]Province[/] {summary.province_code} {summary.province_name}: "
        f"{summary.units['commune']} communes; "
        f"{summary.agencies['province']} provincial agencies, "
        f"{summary.agencies['commune']} commune People's Committees"
    )
    console.print(
        f"[bold]Changes[/] units +{report.units.added} ~{report.units.updated}, "
        f"agencies +{report.agencies.added} ~{report.agencies.updated}"
        + ("" if report.changed else " (nothing to change)")
    )
    console.print(
        f"[bold]Holds[/] {number(summary.procedures)} procedures, {number(summary.dossiers)} dossiers, "
        f"{number(summary.collectors)} collectors"
    )


def init(output: FormatOption = OutputFormat.table) -> None:
    """Create or migrate the warehouse and load the province's official units and agencies."""
    report = initialise(load_settings())
    if output is OutputFormat.json:
        print_json(asdict(report) | {"changed": report.changed})
    else:
        print_init_report(report)


def _unit_rows(settings: Settings, level: Level | None) -> list[dict[str, object]]:
    unit = schema.Unit.__table__
    query = select(unit.c.code, unit.c.name, unit.c.level, unit.c.division_type, unit.c.parent_code)
    if level is not None:
        query = query.where(unit.c.level == level.value)
    query = query.order_by(unit.c.level.desc(), unit.c.code)
    with open_warehouse(settings) as engine, transaction(engine) as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def _agency_rows(settings: Settings) -> list[dict[str, object]]:
    agency = schema.Agency.__table__
    query = select(agency.c.code, agency.c.name, agency.c.name_en, agency.c.kind, agency.c.level, agency.c.unit_code)
    query = query.order_by(agency.c.level.desc(), agency.c.code)
    with open_warehouse(settings) as engine, transaction(engine) as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def units(
    output: FormatOption = OutputFormat.table,
    level: Annotated[Level | None, typer.Option(help="Only the province, or only communes.")] = None,
) -> None:
    """List the province and its communes (official codes)."""
    settings = load_settings()
    print_rows(_unit_rows(settings, level), output, f"Đơn vị hành chính — province {settings.province}")


def agencies(output: FormatOption = OutputFormat.table) -> None:
    """List the agencies that handle dossiers: provincial departments and commune People's Committees."""
    settings = load_settings()
    print_rows(_agency_rows(settings), output, f"Cơ quan giải quyết — province {settings.province}")


def _month_bar(verb: str) -> tuple[Progress, recount.MonthCallback]:
    """A progress bar over the months a recount visits, and the callback that moves it."""
    progress = Progress(
        TextColumn(f"[bold]{verb}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("months {task.fields[month]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task(verb, total=None, month="")

    def on_month(month: date | None, total: int) -> None:
        progress.update(task, total=total, advance=0 if month is None else 1, month=f"{month:%m/%Y}" if month else "")

    return progress, on_month


def check(
    output: FormatOption = OutputFormat.table,
    limit: Annotated[int, typer.Option(min=0, help="Differences listed (all are counted).")] = recount.LISTED,
) -> None:
    """Compare every aggregate with a recount from the dossiers; exit 1 when any differs."""
    quiet = output is OutputFormat.json
    with open_warehouse(load_settings()) as engine:
        progress, on_month = _month_bar("Checking")
        with nullcontext() if quiet else progress:
            report = recount.check(engine, limit=limit, on_month=None if quiet else on_month)
    if quiet:
        print_json(
            {
                "clean": report.clean,
                "months": report.months,
                "cells": report.cells,
                "missing_rows": report.missing_rows,
                "extra_rows": report.extra_rows,
                "by_table": report.by_table,
                "differences": [asdict(d) for d in report.differences],
            }
        )
    else:
        _print_check(report)
    if not report.clean:
        raise typer.Exit(1)


def _print_check(report: recount.CheckReport) -> None:
    if report.clean:
        console.print(
            f"[bold green]clean[/]: every aggregate equals a recount of the dossiers ({report.months} months)"
        )
        return
    table = Table(title="Aggregates that differ from a recount of the dossiers")
    for column in ("table", "key", "measure", "stored", "recounted"):
        table.add_column(column, justify="right" if column in ("stored", "recounted") else "left", overflow="fold")
    for d in report.differences:
        table.add_row(d.table, " · ".join(display(v) for v in d.key), d.measure, number(d.stored), number(d.recounted))
    console.print(table)
    tables = ", ".join(f"{name} {number(cells)}" for name, cells in sorted(report.by_table.items()))
    shown = f"the first {number(len(report.differences))} shown; " if len(report.differences) < report.cells else ""
    console.print(
        f"[bold red]{number(report.cells)} cells differ[/] ({shown}{number(report.missing_rows)} rows missing, "
        f"{number(report.extra_rows)} extra) in {tables}. Repair with `ioc warehouse rebuild`."
    )


def rebuild() -> None:
    """Recount every aggregate from the dossiers, in place, a few months at a time (collectors wait for those)."""
    with open_warehouse(load_settings()) as engine:
        progress, on_month = _month_bar("Rebuilding")
        with progress:
            result = recount.rebuild(engine, on_month=on_month)
    console.print(f"[bold]rebuilt[/] the aggregates: {number(result.months)} months, {number(result.rows)} rows")


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (a new file).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy an SQLite warehouse consistently while IOC runs (SQLite's online backup)."""
    settings = load_settings()
    with open_warehouse(settings):  # a warehouse of this IOC, reachable
        pass
    report = backups.backup(settings.warehouse_url, file, force=force)
    console.print(f"[bold]backed up[/] {report.source} to {report.target} ({number(report.bytes)} bytes)")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(units)
    app.command()(agencies)
    group.command()(check)
    group.command()(rebuild)
    group.command()(backup)
    app.add_typer(group, name="warehouse")
