"""``ioc boundaries``: unit outlines for the dashboard's maps."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from ioc.cli.common import FormatOption, OutputFormat, console, number, print_json
from ioc.cli.warehouse import Level
from ioc.config import load_settings, now_local
from ioc.geometry import Progress, boundary_fields, import_boundaries
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import LOCAL, command_line_actor

app = typer.Typer(help="Unit boundaries for maps (bản đồ ranh giới).", no_args_is_help=True)
FileArgument = Annotated[
    Path, typer.Argument(metavar="FILE", help="GeoJSON, GeoPackage, or a shapefile (.shp, or zipped).")
]


def _progress_file(path: Path | None) -> Progress | None:
    """Each step of the import as one JSON line appended to ``path`` (the dashboard reads the last)."""
    if path is None:
        return None

    def told(step: str, figures: dict) -> None:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a", encoding="utf-8") as log:
            log.write(json.dumps({"step": step, **figures}) + "\n")

    return told


@app.command("fields")
def fields(path: FileArgument, output: FormatOption = OutputFormat.table) -> None:
    """The attribute fields of a boundary file, to choose the one holding the units' codes."""
    names = boundary_fields(path)
    if output is OutputFormat.json:
        print_json({"file": path.name, "fields": names})
        return
    console.print(f"{path.name}: {', '.join(names) or '(no field)'}")


@app.command("import")
def import_(
    path: FileArgument,
    level: Annotated[Level, typer.Option(help="Whether the file outlines the province or its communes.")],
    code_field: Annotated[str, typer.Option(help="The field holding each unit's official code.")] = "code",
    output: FormatOption = OutputFormat.table,
    actor: Annotated[
        str | None, typer.Option(hidden=True, help="Who the audit log names (the dashboard's admin).")
    ] = None,
    progress: Annotated[Path | None, typer.Option(hidden=True, help="A file to append each step to.")] = None,
    source_ip: Annotated[
        str, typer.Option(hidden=True, help="The address the audit log records (the admin's, from the dashboard).")
    ] = LOCAL,
) -> None:
    """Import boundaries: reprojected to WGS84, checked against the province's units, simplified to under 1 MB."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        report = import_boundaries(
            connection,
            path,
            level.value,
            code_field,
            actor or command_line_actor(),
            now_local(),
            progress=_progress_file(progress),
            source_ip=source_ip or LOCAL,
        )
    if output is OutputFormat.json:
        print_json(asdict(report))
        return
    console.print(
        f"{len(report.matched)} {level.value} boundaries stored from {report.features} features "
        f"({number(report.stored_bytes / 1024)} KiB, simplified at {report.tolerance:g}°)"
    )
    if report.unmatched:
        console.print(f"[yellow]Not units of the province[/] ({len(report.unmatched)}): {', '.join(report.unmatched)}")
    if report.without_boundary:
        missing = ", ".join(report.without_boundary)
        console.print(f"[yellow]Units without a boundary[/] ({len(report.without_boundary)}): {missing}")
