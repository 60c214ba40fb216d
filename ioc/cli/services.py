"""Long-running services: ``ioc scheduler`` and ``ioc simulate``."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.logging import RichHandler

from ioc.cli.common import console
from ioc.config import load_settings
from ioc.warehouse.access import open_warehouse


def _log_to_console() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        datefmt="%d/%m/%Y %H:%M:%S",
        handlers=[RichHandler(console=console, show_path=False)],
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def scheduler(
    sync_every: Annotated[float, typer.Option(help="Seconds between reading collector changes.")] = 10.0,
    workers: Annotated[int, typer.Option(help="Collectors that may run at the same time.")] = 4,
) -> None:
    """Run enabled collectors on their schedules until stopped (SIGTERM finishes the pages in flight)."""
    from ioc.scheduler import run_scheduler

    with open_warehouse(load_settings()):
        pass  # refuse an uninitialised or newer warehouse before starting
    _log_to_console()
    run_scheduler(sync_seconds=sync_every, workers=workers)


def simulate(context: typer.Context) -> None:
    """Serve the source-system simulator (the dossier pull API) on loopback. Options: ioc simulate --help."""
    from ioc.simulator import serve
    from ioc.simulator.arguments import parse_arguments

    config, host, port = parse_arguments(["--province", load_settings().province, *context.args], "ioc simulate")
    serve(config, host, port)


def register(app: typer.Typer) -> None:
    app.command()(scheduler)
    passthrough = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}
    app.command(context_settings=passthrough, add_help_option=False)(simulate)
