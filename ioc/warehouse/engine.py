"""Connecting to the warehouse: one code path for SQLite and PostgreSQL."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ioc.errors import IOCError

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
#: SQLite page cache per connection (KiB) and WAL size (pages) between checkpoints: measured in bench_ingest.py,
#: the defaults (2 MiB, 1,000 pages) make index updates and checkpoint fsyncs dominate a backfill.
SQLITE_CACHE_KIB = 65536
SQLITE_CHECKPOINT_PAGES = 10000


def parse_url(url: str) -> URL:
    """Parse and check a warehouse URL; a bare ``postgresql://`` URL gets the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise IOCError(f"IOC_DATABASE_URL: {url!r} is not a database URL (e.g. sqlite:///data/ioc.db)") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise IOCError(f"IOC_DATABASE_URL: unsupported database {backend!r}; use sqlite or postgresql")
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and not parsed.database:
        raise IOCError("IOC_DATABASE_URL: an in-memory SQLite database cannot hold a warehouse; name a file")
    return parsed


def display_url(url: URL | str) -> str:
    """The URL with its password masked, safe for messages and logs."""
    parsed = url if isinstance(url, URL) else make_url(url)
    return parsed.render_as_string(hide_password=True)


def ensure_writable_folder(folder: Path) -> None:
    """Create ``folder`` if needed and prove that files can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise IOCError(f"cannot write to the data folder {folder}: {error.strerror or error}") from None


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions that really include DDL.

    pysqlite opens transactions lazily and commits before DDL, so a failed migration would leave tables
    half-made. The documented SQLAlchemy recipe hands transaction control to SQLAlchemy instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite warehouse URL, or None for another database."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database).expanduser().resolve()


def make_engine(url: str, *, create: bool = False) -> Engine:
    """An engine for the warehouse at ``url``.

    With ``create``, an SQLite file's folder is made and checked for writing; without, a missing SQLite
    file is an error rather than a new empty database.
    """
    parsed = parse_url(url)
    path = sqlite_file(url)
    if path is not None:
        if create:
            ensure_writable_folder(path.parent)
        elif not path.exists():
            raise IOCError(f"no warehouse at {path}: run `ioc init`")
        engine = create_engine(parsed)
        _configure_sqlite(engine)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError:  # pragma: no cover - psycopg is a dependency
        raise IOCError(f"IOC_DATABASE_URL: no driver for {parsed.drivername}") from None
