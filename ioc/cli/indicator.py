"""``ioc indicator``: the registry of indicators (list, add) and any indicator's values for a period."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from typing import Annotated

import typer

from ioc.cli.common import console, print_json, print_tables, table_number
from ioc.cli.kpi import FirstDay, KpiFormat, KpiFormatOption, LastDay, province_warehouse
from ioc.cli.tables import Column
from ioc.config import now_local
from ioc.export import csv_text
from ioc.indicators.model import AGGREGATIONS, DIRECTIONS, Indicator
from ioc.indicators.query import BREAKDOWNS, value_rows
from ioc.indicators.registry import add_indicator, get_indicator, registered
from ioc.kpi.periods import Period
from ioc.warehouse.audit import command_line_actor

app = typer.Typer(help="Indicators (chỉ tiêu): the registry and their values.", no_args_is_help=True)

Breakdown = StrEnum("Breakdown", {name: name for name in BREAKDOWNS})
Aggregation = StrEnum("Aggregation", {name: name for name in AGGREGATIONS})
Direction = StrEnum("Direction", {name: name for name in DIRECTIONS})


class ListFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("list")
def list_(output: Annotated[ListFormat, typer.Option("--format", help="table or json.")] = ListFormat.table) -> None:
    """Every registered indicator: the dossier KPIs, the shipped catalogue and those added."""
    with province_warehouse() as connection:
        indicators = list(registered(connection).values())
    if output is ListFormat.json:
        print_json([asdict(indicator) for indicator in indicators])
        return
    columns = [Column("code", key=True), *(Column(name) for name in ("tên", "đơn vị", "tổng hợp", "chiều", "nguồn"))]
    rows = [[item.code, item.name_vi, item.unit, item.aggregation, item.direction, item.origin] for item in indicators]
    print_tables("Chỉ tiêu", columns, rows)


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="Lower-case code, e.g. docs_archived.")],
    name_vi: Annotated[str, typer.Option("--name-vi", help="Vietnamese name.")],
    name_en: Annotated[str, typer.Option("--name-en", help="English name.")],
    unit: Annotated[str, typer.Option("--unit", help="What it counts or measures, e.g. văn bản, %, tỷ đồng.")],
    aggregation: Annotated[Aggregation, typer.Option("--aggregation", help="How its values combine.")],
    direction: Annotated[Direction, typer.Option("--direction", help="Whether higher or lower is better.")],
    units_add: Annotated[bool, typer.Option("--units-add/--units-do-not-add", help="A level's units add up.")] = True,
    bounded: Annotated[
        bool, typer.Option("--bounded/--unbounded", help="A ratio's numerator may not exceed its denominator.")
    ] = True,
) -> None:
    """Register an indicator, so that files and sources may load it (recorded in the audit log)."""
    indicator = Indicator(
        code, name_vi, name_en, unit, aggregation.value, direction.value, units_add=units_add, bounded=bounded
    )
    with province_warehouse() as connection:
        add_indicator(connection, indicator, command_line_actor(), now_local())
    console.print(f"indicator {code} added: {name_vi} ({unit}, {aggregation.value})")


@app.command("values")
def values(
    code: Annotated[str, typer.Argument(help="The indicator's code (ioc indicator list).")],
    first: FirstDay,
    last: LastDay,
    by: Annotated[Breakdown | None, typer.Option("--by", help="One row per unit, agency or month.")] = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit (official code).")] = None,
    agency: Annotated[str | None, typer.Option(help="Only this agency.")] = None,
    output: KpiFormatOption = KpiFormat.table,
) -> None:
    """An indicator's values for the days --from to --to, both included; a ratio as its rate in %."""
    period = Period.inclusive(first, last)
    with province_warehouse() as connection:
        rows = value_rows(connection, code, period, by.value if by else None, unit, agency)
        indicator = get_indicator(connection, code)
    if output is KpiFormat.json:
        print_json(rows)
    elif output is KpiFormat.csv:
        print(csv_text(rows), end="")
    else:
        title = f"{indicator.name_vi} ({indicator.unit}) {period.start:%d/%m/%Y} – {period.last_day:%d/%m/%Y}"
        names = list(rows[0]) if rows else []
        columns = [Column(name, numeric=name not in BREAKDOWNS, key=name in BREAKDOWNS) for name in names]
        print_tables(title, columns, [[_cell(value) for value in row.values()] for row in rows])


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return table_number(value)
