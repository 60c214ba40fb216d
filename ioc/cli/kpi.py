"""``ioc kpi``: every KPI for a period, a filter and an optional breakdown, as DESIGN.md specifies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer
from sqlalchemy import Connection

from ioc.cli.common import (
    FormatOption,
    OutputFormat,
    console,
    day_option,
    display,
    number,
    print_json,
    print_rows,
    print_tables,
)
from ioc.cli.tables import Column
from ioc.config import load_settings, now_local
from ioc.export import csv_text
from ioc.indicators.portal_compare import compared_rows
from ioc.kpi.index766 import GROUPS
from ioc.kpi.known import check_filters
from ioc.kpi.periods import Period
from ioc.kpi.query import BREAKDOWNS, Filters, change_rows, kpi_rows
from ioc.kpi.registry import KPI_BY_KEY, KPIS, Target
from ioc.kpi.service_index import index_rows
from ioc.kpi.targets import effective_targets, save_target
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor
from ioc.warehouse.reference import reference_rows, require_province

Breakdown = StrEnum("Breakdown", {name: name for name in BREAKDOWNS})


class KpiFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FirstDay = Annotated[date, day_option("--from", help="First day, included:")]
LastDay = Annotated[date, day_option("--to", help="Last day, included:")]
KpiFormatOption = Annotated[KpiFormat, typer.Option("--format", help="table for people, json or csv for scripts.")]


@contextmanager
def province_warehouse(filters: Filters = Filters()) -> Iterator[Connection]:
    """One transaction on the configured warehouse, refused in one line when it holds another province than
    IOC_PROVINCE or when a filter names a code it does not know."""
    settings = load_settings()
    with open_warehouse(settings) as engine, transaction(engine) as connection:
        require_province(connection, settings.province)
        check_filters(connection, filters)
        yield connection


def kpi(
    first: FirstDay,
    last: LastDay,
    by: Annotated[Breakdown | None, typer.Option("--by", help="One row per unit, agency, … or month.")] = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit (MaDVHC code).")] = None,
    agency: Annotated[str | None, typer.Option(help="Only this agency.")] = None,
    field: Annotated[str | None, typer.Option(help="Only this field (lĩnh vực).")] = None,
    procedure: Annotated[str | None, typer.Option(help="Only this procedure (whole months only).")] = None,
    channel: Annotated[int | None, typer.Option(help="Only this channel: 1 desk, 2 online, 3 post.")] = None,
    applicant_type: Annotated[int | None, typer.Option(help="Only this applicant type (LoaiDoiTuong).")] = None,
    output: KpiFormatOption = KpiFormat.table,
    compare: Annotated[
        bool, typer.Option("--compare", help="Add the previous period of the same length and the change (json).")
    ] = False,
) -> None:
    """Every KPI of the domain's definitions for the days --from to --to, both included."""
    if compare and output is not KpiFormat.json:
        raise typer.BadParameter("--compare needs --format json")
    period = Period.inclusive(first, last)
    filters = Filters(unit, agency, field, procedure, channel, applicant_type)
    with province_warehouse(filters) as connection:
        if compare:
            rows = change_rows(connection, period, by.value if by else None, filters)
        else:
            rows = kpi_rows(connection, period, by.value if by else None, filters)
        names = breakdown_names(connection, by.value) if by and output is KpiFormat.table else {}
    if output is KpiFormat.json:
        print_json(rows)
    elif output is KpiFormat.csv:
        print(csv_text(rows), end="")
    else:
        print_kpi_table(rows, f"Chỉ số {period.start:%d/%m/%Y} – {period.last_day:%d/%m/%Y}", names)


def breakdown_names(connection: Connection, by: str) -> dict[str, str]:
    """The names of a breakdown's codes (units, agencies, fields, procedures) from the warehouse's reference rows;
    none for the other breakdowns (channel, month)."""
    found = reference_rows(connection)
    if by == "unit":
        return {row.code: row.name for row in found.units}
    if by == "agency":
        return {row.code: row.name for row in found.agencies}
    if by == "field":
        return {row.field_code: row.field_name or row.field_code for row in found.procedures if row.field_code}
    if by == "procedure":
        return {row.code: row.name for row in found.procedures}
    return {}


def print_kpi_table(rows: list[dict[str, Any]], title: str, names: dict[str, str]) -> None:
    """KPI rows as tables that fit the terminal: one row (no breakdown) as a list of KPIs and values; a breakdown
    as its code, the code's name and the KPIs, split in parts that repeat the code and name when too wide."""
    if not rows:
        console.print(f"{title}: không có dữ liệu (no rows)")
        return
    kpis = [KPI_BY_KEY[key] for key in rows[0] if key in KPI_BY_KEY]
    keys = [key for key in rows[0] if key not in KPI_BY_KEY]
    if not keys and len(rows) == 1:
        (row,) = rows
        listed = [[_kpi_label(kpi), _kpi_cell(kpi, row[kpi.key])] for kpi in kpis]
        print_tables(title, [Column("Chỉ số", key=True), Column("Giá trị", numeric=True)], listed)
        return
    columns = [Column(key, key=True) for key in keys]
    if names:
        columns.append(Column("tên", key=True))
    columns += [Column(_kpi_label(kpi), numeric=True) for kpi in kpis]
    table_rows = []
    for row in rows:
        codes = [_key_cell(key, row[key]) for key in keys]
        named = [names.get(str(row[keys[0]]), "")] if names else []
        table_rows.append(codes + named + [_kpi_cell(kpi, row[kpi.key]) for kpi in kpis])
    print_tables(title, columns, table_rows)


def _kpi_label(kpi: Any) -> str:
    return kpi.name_vi + (" (%)" if kpi.is_rate else "")


def _kpi_cell(kpi: Any, value: float | None) -> str:
    return number(value, 2 if kpi.is_rate else 0)


def _key_cell(key: str, value: object) -> str:
    """A breakdown's code as people read it: a month ``2025-03`` as ``03/2025``."""
    if key == "month" and isinstance(value, str) and len(value) == 7:
        return f"{value[5:]}/{value[:4]}"
    return "" if value is None else str(value)


class IndexBreakdown(StrEnum):
    agency = "agency"
    unit = "unit"


def index766(
    first: FirstDay,
    last: LastDay,
    by: Annotated[IndexBreakdown | None, typer.Option("--by", help="One row per agency or per unit.")] = None,
    output: KpiFormatOption = KpiFormat.table,
    portal: Annotated[
        bool,
        typer.Option("--portal", help="Add the national portal's published scores and flag differences (json, csv)."),
    ] = False,
) -> None:
    """The national service index (Decision 766/QĐ-TTg) as far as IOC's data allow: points earned and computable."""
    if portal and output is KpiFormat.table:
        raise typer.BadParameter("--portal needs --format json or csv")
    period = Period.inclusive(first, last)
    with province_warehouse() as connection:
        if portal:
            rows = compared_rows(connection, period, by.value if by else None)
        else:
            rows = index_rows(connection, period, by.value if by else None)
    if output is KpiFormat.json:
        print_json(rows)
    elif output is KpiFormat.csv:
        print(csv_text(rows), end="")
    else:
        title = f"Bộ chỉ số 766 {period.start:%d/%m/%Y} – {period.last_day:%d/%m/%Y}"
        scores = ["points", "computable_points", *(f"group_{g}" for g in GROUPS)]
        columns = [Column(by.value, key=True)] if by else []
        columns += [Column(_index_label(score), numeric=True) for score in scores]
        shown = [*([by.value] if by else []), *scores]
        print_tables(title, columns, [[_index_cell(row[column]) for column in shown] for row in rows])
        console.print("Nhóm trống: chưa có dữ liệu (IOC chưa thu thập dữ liệu cho nhóm này).")


def _index_label(score: str) -> str:
    return GROUPS[score.removeprefix("group_")][0] if score.startswith("group_") else score


def _index_cell(value: object) -> str:
    if value is None:
        return "–"
    return number(value, 2) if isinstance(value, float) else display(value)


targets_app = typer.Typer(help="KPI targets and traffic-light bands (chỉ tiêu).", no_args_is_help=True)


def _scope(unit: str | None, agency: str | None) -> tuple[str, str]:
    if unit and agency:
        raise typer.BadParameter("give --unit or --agency, not both")
    return ("unit", unit) if unit else ("agency", agency) if agency else ("province", "")


@targets_app.command("list")
def list_targets(
    unit: Annotated[str | None, typer.Option(help="The targets that apply to this unit.")] = None,
    agency: Annotated[str | None, typer.Option(help="The targets that apply to this agency.")] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Every KPI with its target and bands: set in the warehouse, or IOC's default."""
    scope, code = _scope(unit, agency)
    with province_warehouse(Filters(unit=unit, agency=agency)) as connection:
        targets = effective_targets(connection, scope, code)
    rows = []
    for item in KPIS:
        target = targets.get(item.key)
        rows.append(
            {
                "kpi": item.key,
                "name": item.name_vi,
                "unit": item.unit,
                "higher_is_better": item.higher_is_better,
                "target": target.target if target else None,
                "green_from": target.green_from if target else None,
                "amber_from": target.amber_from if target else None,
            }
        )
    print_rows(rows, output, f"Chỉ tiêu — {scope} {code}".strip())


@targets_app.command("set")
def set_(
    kpi_key: Annotated[str, typer.Argument(metavar="KPI", help="The KPI's key, e.g. on_time_rate.")],
    target: Annotated[float, typer.Option(help="The target value.")],
    green_from: Annotated[float, typer.Option(help="Green from this value (up, or down when lower is better).")],
    amber_from: Annotated[float, typer.Option(help="Amber from this value; red beyond it.")],
    unit: Annotated[str | None, typer.Option(help="Only for this unit.")] = None,
    agency: Annotated[str | None, typer.Option(help="Only for this agency.")] = None,
) -> None:
    """Set a KPI's target and bands for the province, a unit or an agency (recorded in the audit log)."""
    scope, code = _scope(unit, agency)
    settings = load_settings()
    with open_warehouse(settings) as engine:
        with engine.connect() as connection:
            require_province(connection, settings.province)
            check_filters(connection, Filters(unit=unit, agency=agency))
        bands = Target(target, green_from, amber_from)
        save_target(engine, kpi_key, bands, scope, code, command_line_actor(), now_local())
    console.print(
        f"{kpi_key}: target {target:g}, green from {green_from:g}, amber from {amber_from:g} ({scope} {code})"
    )


def register(app: typer.Typer) -> None:
    app.command()(kpi)
    app.command()(index766)
    app.add_typer(targets_app, name="kpi-target")
