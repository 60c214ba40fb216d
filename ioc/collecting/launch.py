"""Starting a run from the dashboard: ``ioc collector run`` in a process of its own.

The web worker never runs a collector (DESIGN.md): it starts ``python -m ioc collector run NAME [--since --until]``
in a new session, with the worker's environment and warehouse, its output in a log file under the data folder, and
returns at once. The run's progress is then read from its row in ``collector_run``, as for any other run.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from ioc.collecting.runner import backfill_window
from ioc.collecting.runs import AlreadyRunningError, live_run
from ioc.collecting.store import get_collector
from ioc.config import now_local
from ioc.errors import IOCError
from ioc.processes import alive
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction

RUN = schema.CollectorRun.__table__
#: Where run logs go, under the data folder; the newest few of each collector are kept.
LOG_FOLDER = Path("logs") / "collectors"
KEEP_LOGS = 20
LOG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}-\d{8}-\d{6}-\d{6}\.log$")
TAIL_CHARS = 4000


@dataclass(frozen=True)
class Launch:
    """A started run process: its collector, process id, log file name (in the log folder) and start time."""

    collector: str
    pid: int
    log_name: str
    started_at: datetime


def log_folder(data_dir: Path) -> Path:
    return data_dir / LOG_FOLDER


def run_command(name: str, since: date | None = None, until: date | None = None) -> list[str]:
    """The command that runs collector ``name`` once, as an admin would type it."""
    command = [sys.executable, "-m", "ioc", "collector", "run", name, "--quiet"]
    if since is not None and until is not None:
        command += ["--since", since.isoformat(), "--until", until.isoformat()]
    return command


def _prune_logs(folder: Path, name: str) -> None:
    """Keep the newest logs of collector ``name`` (names sort by time; another collector's are never touched)."""
    own = re.compile(rf"^{re.escape(name)}-\d{{8}}-\d{{6}}-\d{{6}}\.log$")
    logs = sorted(path for path in folder.iterdir() if own.match(path.name))
    for old in logs[:-KEEP_LOGS]:
        old.unlink(missing_ok=True)


def launch_run(
    engine: Engine,
    name: str,
    data_dir: Path,
    since: date | None = None,
    until: date | None = None,
    *,
    actor: str,
    source_ip: str = audit.LOCAL,
) -> Launch:
    """Start a run of collector ``name`` (a backfill of ``[since, until]`` when given) and return without waiting.

    Refused with :class:`AlreadyRunningError` while a live process runs the collector; the started process claims
    its run as any run does, so two starts at the same moment still give one run. Audited as ``collector.run``.
    """
    backfill_window(since, until)  # the same checks as the command's, before anything starts
    folder = log_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "IOC_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    with transaction(engine) as connection:
        config = get_collector(connection, name)
        running = live_run(connection, config.id)
        if running is not None:
            raise AlreadyRunningError(f"collector {name!r} is already running (run {running})")
        started_at = now_local()
        log_name = f"{name}-{started_at:%Y%m%d-%H%M%S-%f}.log"
        with (folder / log_name).open("wb") as log:
            process = subprocess.Popen(
                run_command(name, since, until),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                start_new_session=True,
            )
        details = {
            "since": since and since.isoformat(),
            "until": until and until.isoformat(),
            "pid": process.pid,
            "log": log_name,
        }
        audit.record(connection, actor, "collector.run", name, started_at, details, source_ip=source_ip)
    # Reap the process when it ends, so that it never lingers as a zombie of the web worker.
    threading.Thread(target=process.wait, name=f"ioc-run-{process.pid}", daemon=True).start()
    _prune_logs(folder, name)
    return Launch(name, process.pid, log_name, started_at)


def read_log(data_dir: Path, log_name: str, chars: int = TAIL_CHARS) -> str:
    """The end of a run log, by its name (a name from the browser is checked: no path reaches outside the folder)."""
    if not LOG_NAME.match(log_name):
        raise IOCError(f"{log_name!r} is not a run log")
    path = log_folder(data_dir) / log_name
    if not path.exists():
        return ""
    with path.open("rb") as log:
        log.seek(max(0, path.stat().st_size - chars))
        return log.read().decode("utf-8", errors="replace")


@dataclass(frozen=True)
class LaunchState:
    """A started process seen from the warehouse: the run it claimed (None until then) and whether it still runs."""

    run_id: int | None
    alive: bool


def launch_state(connection: Connection, launch: Launch) -> LaunchState:
    """Whether the launched process has claimed its run yet; one that ended without a run failed to start (its
    log says why, e.g. another run had just started)."""
    query = (
        select(RUN.c.id)
        .join(schema.Collector.__table__)
        .where(
            schema.Collector.name == launch.collector,
            RUN.c.host == socket.gethostname(),
            RUN.c.pid == launch.pid,
            RUN.c.started_at >= launch.started_at.replace(microsecond=0),
        )
        .order_by(RUN.c.id.desc())
        .limit(1)
    )
    return LaunchState(connection.execute(query).scalar(), alive(launch.pid))
