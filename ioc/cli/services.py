"""Long-running services: ``ioc scheduler``, ``ioc simulate`` and ``ioc serve``."""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer
from rich.logging import RichHandler

from ioc.cli.common import console, require_free_port
from ioc.config import load_settings
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.reference import require_province


def _log_to_console() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        datefmt="%d/%m/%Y %H:%M:%S",
        handlers=[RichHandler(console=console, show_path=False)],
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _refuse_unusable_warehouse() -> None:
    """Refuse, before starting, an uninitialised or newer warehouse, or one of another province than IOC_PROVINCE."""
    settings = load_settings()
    with open_warehouse(settings) as engine, transaction(engine) as connection:
        require_province(connection, settings.province)


def scheduler(
    sync_every: Annotated[float, typer.Option(help="Seconds between reading collector changes.")] = 10.0,
    workers: Annotated[int, typer.Option(help="Collectors that may run at the same time.")] = 4,
) -> None:
    """Run enabled collectors on their schedules until stopped (SIGTERM finishes the pages in flight)."""
    from ioc.scheduler import run_scheduler

    _refuse_unusable_warehouse()
    _log_to_console()
    run_scheduler(sync_seconds=sync_every, workers=workers)


def simulate(context: typer.Context) -> None:
    """Serve the source-system simulator (the dossier pull API) on loopback. Options: ioc simulate --help."""
    from ioc.simulator import serve
    from ioc.simulator.arguments import parse_arguments

    config, host, port = parse_arguments(["--province", load_settings().province, *context.args], "ioc simulate")
    serve(config, host, port)


#: Seconds a sync worker may spend on one request before gunicorn restarts it (a large export may be slow).
SERVE_TIMEOUT_SECONDS = 120
#: Seconds workers get to finish their requests after SIGTERM.
SERVE_GRACEFUL_SECONDS = 5


#: Gunicorn's usual line without the query string and the referrer (%(U)s, not %(r)s and %(f)s): a display token in
#: ``/display?token=`` never reaches the log.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def gunicorn_command(host: str, port: int, workers: int, access_log: bool = True) -> list[str]:
    """The WSGI server serving ``app:server`` (the composition root, never imported by ``ioc``)."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    command = [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(workers)]
    command += ["--worker-class", "sync", "--timeout", str(SERVE_TIMEOUT_SECONDS)]
    command += ["--graceful-timeout", str(SERVE_GRACEFUL_SECONDS), "--error-logfile", "-"]
    if access_log:
        command += ["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT]
    if _has_control_socket():
        command += ["--no-control-socket"]  # one per user by default: two servers would fight over it
    return [*command, "app:server"]


def _has_control_socket() -> bool:
    """Whether this gunicorn opens a control socket (25.1 and later)."""
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for every interface.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (sync).")] = 2,
    access_log: Annotated[bool, typer.Option(help="Log each request on stdout.")] = True,
) -> None:
    """Serve the dashboard and the HTTP API under gunicorn until SIGTERM or Ctrl-C."""
    _refuse_unusable_warehouse()
    require_free_port(host, port)
    command = gunicorn_command(host, port, workers, access_log)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)  # gunicorn takes this process: signals reach its master directly


def register(app: typer.Typer) -> None:
    app.command()(scheduler)
    app.command()(serve)
    passthrough = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}
    app.command(context_settings=passthrough, add_help_option=False)(simulate)
