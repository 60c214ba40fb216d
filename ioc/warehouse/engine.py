"""Connecting to the warehouse: one code path for SQLite and PostgreSQL."""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ioc.errors import IOCError

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
#: SQLite page cache per connection (KiB) and WAL size (pages) between checkpoints: measured in bench_ingest.py,
#: the defaults (2 MiB, 1,000 pages) make index updates and checkpoint fsyncs dominate a backfill.
SQLITE_CACHE_KIB = 65536
SQLITE_CHECKPOINT_PAGES = 10000
#: How long a writer waits for SQLite's write lock before "database is locked" (the loader's pages take well under 1 s).
SQLITE_BUSY_TIMEOUT_MS = 30000
#: The longest pause between two tries for the write lock. SQLite's own busy handler sleeps up to 100 ms between
#: tries, so a writer waiting beside a backfill (pages back to back, a few ms apart) could wait for many pages.
SQLITE_LOCK_POLL_SECONDS = 0.004
#: Marks, on a checked-out connection, a transaction that SQLAlchemy begins by itself for a statement (a read).
_AUTOBEGIN = "ioc_autobegin"


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
    """WAL, foreign keys, a busy timeout, transactions that really include DDL, and writers that queue.

    pysqlite opens transactions lazily and commits before DDL, so a failed migration would leave tables
    half-made. The documented SQLAlchemy recipe hands transaction control to SQLAlchemy instead.

    A transaction begun deferred that reads and then writes cannot wait for another writer: SQLite answers
    "database is locked" at once (it would deadlock otherwise, and in WAL mode the snapshot it read may be stale).
    So the transactions the code opens to write, ``engine.begin()`` and ``connection.begin()``, begin IMMEDIATE:
    they take the write lock first, trying every few milliseconds up to the busy timeout. Reading,
    ``engine.connect()`` and its statements (SQLAlchemy's autobegin), stays deferred and never waits for a writer:
    in WAL mode readers see the last commit.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # first: the next pragma may need a lock
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        record.info.pop(_AUTOBEGIN, None)

    @event.listens_for(engine, "before_execute")
    def _before_execute(connection, *_args) -> None:  # type: ignore[no-untyped-def]
        if not connection.in_transaction():  # this statement autobegins: a read of engine.connect()
            connection.info[_AUTOBEGIN] = True

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        if connection.info.pop(_AUTOBEGIN, False):
            connection.exec_driver_sql("BEGIN")
            connection.info.pop(_AUTOBEGIN, None)  # set again by the BEGIN statement itself
        else:
            begin_immediate(connection)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", sqlite3.SQLITE_BUSY) & 0xFF == sqlite3.SQLITE_BUSY


def begin_immediate(connection: Connection, timeout_ms: int | None = None) -> None:
    """``BEGIN IMMEDIATE``, retried every few milliseconds (with jitter) until the write lock is free or
    ``timeout_ms`` (the busy timeout) has passed; then SQLAlchemy's "database is locked" (any other error at once, as
    SQLAlchemy's). Retrying is always safe here: nothing has been done yet."""
    timeout_ms = SQLITE_BUSY_TIMEOUT_MS if timeout_ms is None else timeout_ms
    deadline = time.monotonic() + timeout_ms / 1000
    driver = connection.connection.dbapi_connection
    assert driver is not None
    driver.execute("PRAGMA busy_timeout=0")
    try:
        pause = SQLITE_LOCK_POLL_SECONDS / 4
        while time.monotonic() < deadline:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    break
            time.sleep(random.uniform(0, pause))
            pause = min(pause * 2, SQLITE_LOCK_POLL_SECONDS)
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # a last try, failing as SQLAlchemy's OperationalError
        connection.info.pop(_AUTOBEGIN, None)
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


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
