"""Boundary imports started from the dashboard, off the web worker.

The web worker only saves the upload, in a private temporary folder (0700, the file 0600), and starts
``python -m ioc boundaries fields|import FILE --format json`` on it in a new session; the command's output, errors and
progress are files in that folder, which any worker of the host reads to follow the step. The folder is removed when
the page is done with it, and folders left behind (a page closed half-way) when they are a few hours old.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ioc.boundary_files import SKIPPED_DRIVERS
from ioc.errors import IOCError
from ioc.processes import alive

PREFIX = "ioc-boundaries-"
#: A job's name is its folder's: the prefix and :func:`tempfile.mkdtemp`'s eight random characters.
JOB_NAME = re.compile(rf"^{PREFIX}[a-z0-9_]{{8}}$")
STEPS = ("fields", "import")
#: A folder whose job is older than this, and whose process has ended, is removed by the next upload.
MAX_AGE_SECONDS = 6 * 3600
ERROR_PREFIX = "ioc: error: "
#: The shapes of the command's errors that name a flag (``ioc.geometry``), by translation key.
ERROR_SHAPES = {
    "boundary_codes": re.compile(
        r"(?P<file>.+): none of the (?P<count>\d+) codes in field '(?P<field>.*)' is a \S+ of the province "
        r"\(for example (?P<examples>.*)\); choose the code field with --code-field"
    ),
}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepState:
    """A step seen from its folder: still running, or ended with a result (the command's JSON) or a one-line error;
    and the last progress line the import wrote."""

    running: bool
    result: dict | None = None
    error: str | None = None
    progress: dict | None = None

    def problem(self) -> IOCError | None:
        """The step's error as the command raised it: with its translation key where its sentence has a known shape
        (the command line's sentence may name a flag, which a page must not show)."""
        if self.error is None:
            return None
        for key, shape in ERROR_SHAPES.items():
            if match := shape.fullmatch(self.error):
                return IOCError(self.error, key=key, **match.groupdict())
        return IOCError(self.error)


def _root() -> Path:
    return Path(tempfile.gettempdir())


def folder_of(job: object) -> Path:
    """A job's private folder, from a name the browser sent back: checked to be one of ours, 0700, not a link."""
    if not isinstance(job, str) or not JOB_NAME.match(job):
        raise IOCError("not a boundary upload")
    folder = _root() / job
    try:
        info = folder.lstat()
    except FileNotFoundError:
        raise IOCError("the uploaded file is no longer here; choose it again") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise IOCError("not a boundary upload")
    return folder


def _write_private(path: Path, data: bytes) -> None:
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(data)


def save_upload(data: bytes, name: str) -> str:
    """Keep an upload under ``name`` (a safe file name) in a new private folder; the job's name."""
    sweep()
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))  # mode 0700
    (folder / "upload").mkdir(mode=0o700)
    _write_private(folder / "upload" / name, data)
    return folder.name


def uploaded_file(folder: Path) -> Path:
    (path,) = (folder / "upload").iterdir()
    return path


def start(engine: Engine, job: str, step: str, arguments: list[str] | None = None) -> int:
    """Start ``ioc boundaries STEP FILE ARGUMENTS --format json`` on the job's file, on ``engine``'s warehouse; its
    process id. The step's files (output, errors, progress) start empty."""
    if step not in STEPS:
        raise IOCError(f"unknown step {step!r}")
    folder = folder_of(job)
    running = _read(folder / f"{step}.pid").strip()
    if running.isdigit() and not (folder / f"{step}.exit").exists() and alive(int(running)):
        raise IOCError(f"the {step} step is already running")
    for suffix in ("out", "err", "progress", "pid", "exit"):
        (folder / f"{step}.{suffix}").unlink(missing_ok=True)
    command = [sys.executable, "-m", "ioc", "boundaries", step, str(uploaded_file(folder)), *(arguments or [])]
    if step == "import":
        command += ["--progress", str(folder / "import.progress")]
    environment = {
        **os.environ,
        "IOC_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "GDAL_SKIP": SKIPPED_DRIVERS,
    }
    with (
        os.fdopen(os.open(folder / f"{step}.out", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out,
        os.fdopen(os.open(folder / f"{step}.err", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as err,
    ):
        process = subprocess.Popen(
            [*command, "--format", "json"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=environment,
            start_new_session=True,
        )
    _write_private(folder / f"{step}.pid", str(process.pid).encode())

    def reap() -> None:  # so that it never lingers as a zombie of the web worker, and its end is known at once
        code = process.wait()
        with contextlib.suppress(OSError):  # the folder was removed meanwhile
            _write_private(folder / f"{step}.exit", str(code).encode())

    threading.Thread(target=reap, name=f"ioc-boundaries-{process.pid}", daemon=True).start()
    return process.pid


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _last_progress(path: Path) -> dict | None:
    for line in reversed(_read(path).splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        return value if isinstance(value, dict) else None
    return None


def state(job: str, step: str) -> StepState:
    """Where the job's step is: running, or ended with its result or one line saying why not."""
    folder = folder_of(job)
    pid_text = _read(folder / f"{step}.pid").strip()
    if not pid_text.isdigit():
        raise IOCError("this step was not started")
    if not (folder / f"{step}.exit").exists() and alive(int(pid_text)):
        return StepState(running=True, progress=_last_progress(folder / f"{step}.progress"))
    try:
        result = json.loads(_read(folder / f"{step}.out"))
    except ValueError:
        result = None
    if isinstance(result, dict):
        return StepState(running=False, result=result)
    errors = _read(folder / f"{step}.err").strip().splitlines()
    if errors and errors[-1].startswith(ERROR_PREFIX):
        return StepState(running=False, error=errors[-1].removeprefix(ERROR_PREFIX)[:500])
    log.warning("boundary %s step of %s ended without a result: %s", step, job, "\n".join(errors[-20:]))
    return StepState(running=False, error=f"the {step} step stopped without a result (see the server's log)")


def discard(job: object) -> None:
    """Remove a job's folder and all in it (nothing happens for a name that is not a job's)."""
    try:
        folder = folder_of(job)
    except IOCError:
        return
    shutil.rmtree(folder, ignore_errors=True)


def sweep(now: float | None = None) -> None:
    """Remove the folders of jobs left behind: older than :data:`MAX_AGE_SECONDS`, their process ended."""
    now = time.time() if now is None else now
    for folder in _root().glob(f"{PREFIX}*"):
        try:
            folder = folder_of(folder.name)
            if now - folder.stat().st_mtime < MAX_AGE_SECONDS:
                continue
        except (IOCError, OSError):
            continue
        pids = [_read(folder / f"{step}.pid").strip() for step in STEPS]
        if not any(pid.isdigit() and alive(int(pid)) for pid in pids):
            shutil.rmtree(folder, ignore_errors=True)
