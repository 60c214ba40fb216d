"""A consistent copy of an SQLite warehouse while IOC runs, through SQLite's online backup; PostgreSQL has pg_dump.

The copy is written beside its target under a temporary name, checked (``PRAGMA quick_check``) and only then
renamed into place, so an interrupted backup never leaves a file that looks like one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ioc.errors import IOCError
from ioc.warehouse.engine import SQLITE_BUSY_TIMEOUT_MS, parse_url, sqlite_file

PG_DUMP = 'pg_dump -Fc --dbname "$IOC_DATABASE_URL" --file ioc.dump'


@dataclass(frozen=True)
class BackupReport:
    source: Path
    target: Path
    bytes: int


def backup(url: str, target: Path, *, force: bool = False) -> BackupReport:
    """Copy the SQLite warehouse at ``url`` to ``target`` (refused when it exists, unless ``force``)."""
    source = sqlite_file(url)
    if source is None:
        backend = parse_url(url).get_backend_name()
        raise IOCError(
            f"ioc warehouse backup copies SQLite warehouses; for {backend} run: {PG_DUMP} "
            "(the URL written postgresql://…, without +psycopg; README, Repair and backup)"
        )
    if not source.exists():
        raise IOCError(f"no warehouse at {source}: run `ioc init`")
    target = target.expanduser().resolve()
    if target == source:
        raise IOCError(f"{target} is the warehouse itself; give another file")
    if target.exists() and not force:
        raise IOCError(f"{target} exists; give another file, or --force to replace it")
    if not target.parent.is_dir():
        raise IOCError(f"no folder {target.parent} for the backup")
    partial = target.with_name(f".{target.name}.partial")
    try:
        _copy(source, partial)
        partial.replace(target)
    except (OSError, sqlite3.Error) as error:
        raise IOCError(f"backup to {target} failed: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(source=source, target=target, bytes=target.stat().st_size)


def _copy(source: Path, partial: Path) -> None:
    """SQLite's online backup in one step: a read transaction's snapshot, while writers go on (WAL mode)."""
    partial.unlink(missing_ok=True)
    reading = sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    writing = sqlite3.connect(partial)
    try:
        reading.backup(writing)
        writing.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, whatever the warehouse's mode
        verdict = writing.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise IOCError(f"the copy does not check: {verdict}")
    finally:
        writing.close()
        reading.close()
