"""``ioc boundaries``: unit outlines for the dashboard's maps."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from ioc.cli.common import FormatOption, OutputFormat, console, print_json
from ioc.cli.warehouse import Level
from ioc.config import load_settings, now_local
from ioc.geometry import import_boundaries
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor

app = typer.Typer(help="Unit boundaries for maps (bản đồ ranh giới).", no_args_is_help=True)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="GeoJSON, Shapefile or GeoPackage.")],
    level: Annotated[Level, typer.Option(help="Whether the file outlines the province or its communes.")],
    code_field: Annotated[str, typer.Option(help="The field holding each unit's official code.")] = "code",
    output: FormatOption = OutputFormat.table,
) -> None:
    """Import boundaries: reprojected to WGS84, checked against the province's units, simplified to under 1 MB."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        report = import_boundaries(connection, path, level.value, code_field, command_line_actor(), now_local())
    if output is OutputFormat.json:
        print_json(asdict(report))
        return
    console.print(
        f"{len(report.matched)} {level.value} boundaries stored from {report.features} features "
        f"({report.stored_bytes / 1024:,.0f} KiB, simplified at {report.tolerance:g}°)"
    )
    if report.unmatched:
        console.print(f"[yellow]Not units of the province[/] ({len(report.unmatched)}): {', '.join(report.unmatched)}")
    if report.without_boundary:
        missing = ", ".join(report.without_boundary)
        console.print(f"[yellow]Units without a boundary[/] ({len(report.without_boundary)}): {missing}")
