"""Opening the warehouse with clear errors: unreachable servers, wrong files, wrong schema versions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ioc.config import Settings
from ioc.errors import IOCError
from ioc.warehouse.engine import display_url, make_engine
from ioc.warehouse.migrate import require_current


def _first_line(error: DBAPIError) -> str:
    text = str(error.orig or error).strip()
    return text.splitlines()[0] if text else type(error.orig).__name__


@contextmanager
def database_errors(engine: Engine) -> Iterator[None]:
    """Turn a driver error into one line naming the (password-masked) warehouse."""
    try:
        yield
    except DBAPIError as error:
        raise IOCError(f"warehouse {display_url(engine.url)}: {_first_line(error)}") from None


@contextmanager
def open_warehouse(settings: Settings, *, require_schema: bool = True) -> Iterator[Engine]:
    """An engine on the configured warehouse, proven reachable and (by default) at this IOC's schema.

    Without ``require_schema`` the warehouse may be new: an SQLite file is created.
    """
    engine = make_engine(settings.warehouse_url, create=not require_schema)
    try:
        with database_errors(engine), engine.connect() as connection:
            if require_schema:
                require_current(connection)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction, with driver errors made readable."""
    with database_errors(engine), engine.begin() as connection:
        yield connection
