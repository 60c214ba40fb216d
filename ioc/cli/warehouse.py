"""``ioc init``, ``ioc units``, ``ioc agencies``: the warehouse and its official units."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy import select

from ioc.cli.common import FormatOption, OutputFormat, console, print_json, print_rows
from ioc.config import Settings, load_settings
from ioc.initialise import InitReport, initialise
from ioc.warehouse import schema
from ioc.warehouse.access import open_warehouse, transaction


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
        f"[bold]Holds[/] {summary.procedures} procedures, {summary.dossiers} dossiers, {summary.collectors} collectors"
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


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(units)
    app.command()(agencies)
