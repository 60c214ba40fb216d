"""The ``sql`` kind: indicator values from a database the province can read, by one query and a column mapping.

The database's SQLAlchemy URL is in an environment variable named by option ``url_env`` (the URL, and its password,
are never stored or shown). The ``query`` takes a ``:cursor`` parameter: the greatest value of the ``cursor_field``
read so far (None on the first run), e.g. ``SELECT … WHERE updated_at >= :cursor OR :cursor IS NULL``. Rows are
mapped by column name with the shared ``fields`` mapping (:mod:`collectors.fields`).

The query runs read-only where the engine allows it (SQLite opened ``mode=ro``; PostgreSQL ``SET TRANSACTION READ
ONLY``) under a statement timeout, and its result is read in pages (``yield_per``). The cursor moves with the last
page only, so a run that fails part-way reads everything again next time. A query error fails the run with the
database's own message in one line.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from collectors.fields import FIELD_NAMES, FieldMap
from ioc.collecting.kind import Page, Source, SourceError
from ioc.indicators.model import IndicatorValue, value_from_fields
from ioc.records import InvalidRecordError, Rejection, shown

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
QUERY_MAX = 20_000
#: SQLite's progress handler is called every this many virtual-machine instructions (to check the time-out).
SQLITE_PROGRESS_STEPS = 10_000


class SqlOptions(BaseModel):
    """Options of an ``sql`` collector."""

    model_config = ConfigDict(extra="forbid")

    url_env: str = Field(description="the NAME of the environment variable holding the SQLAlchemy URL")
    query: str = Field(description="a SELECT with a :cursor parameter")
    fields: FieldMap
    cursor_field: str = Field("updated_at", description="the mapped field whose greatest value is the next :cursor")
    page_size: int = Field(5000, ge=1, le=100_000, description="rows fetched at a time")
    statement_timeout_seconds: float = Field(300, gt=0, le=86_400)

    @field_validator("url_env")
    @classmethod
    def _env_name(cls, name: str) -> str:
        if not ENV_NAME.match(name):
            raise ValueError(f"{name!r} is not an environment variable name (the URL itself is never stored)")
        return name

    @field_validator("query")
    @classmethod
    def _query(cls, query: str) -> str:
        if len(query) > QUERY_MAX:
            raise ValueError(f"the query is longer than {QUERY_MAX} characters")
        if not re.search(r"(?<![:\w]):cursor\b", query):
            raise ValueError("the query needs a :cursor parameter (None on the first run)")
        return query

    @field_validator("cursor_field")
    @classmethod
    def _cursor_field(cls, name: str) -> str:
        if name not in FIELD_NAMES:
            raise ValueError(f"cursor_field {name!r} is not one of {', '.join(FIELD_NAMES)}")
        return name


def one_line(error: BaseException) -> str:
    """The database's own message, on one line, without the statement or its parameters."""
    message = str(error.orig) if isinstance(error, DBAPIError) and error.orig is not None else str(error)
    message = message.split("\n[SQL:")[0]
    return " ".join(message.split())[:300]


def _plain(value: Any) -> Any:
    """A column's value as the model reads it: decimals as floats; the rest as the driver gave it."""
    return float(value) if value.__class__ is Decimal else value


def _cursor_value(value: Any) -> Any:
    """A cursor field's value as JSON keeps it (dates and times as ISO text, which the database reads back)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class SqlSource:
    """Indicator values from a query on a database named by an environment variable."""

    kind: ClassVar[str] = "sql"
    description: ClassVar[str] = "Indicator values from a SQL query (the database URL in an environment variable)"
    Options: ClassVar[type[BaseModel]] = SqlOptions
    record_type: ClassVar[str] = "indicator"
    location: ClassVar[str] = "options"

    def __init__(self, source: Source) -> None:
        self.source = source
        self.options: SqlOptions = source.options
        self.fields = self.options.fields.compiled()
        self.engine: Engine | None = None  # made by fetch: parsing (re-processing the quarantine) needs no database

    def _engine(self) -> Engine:
        if self.engine is None:
            self.engine = create_engine(self._url(), poolclass=NullPool)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", self._sqlite_timeout)
        return self.engine

    def _url(self) -> URL:
        name = self.options.url_env
        value = os.environ.get(name)
        if not value:
            raise SourceError(f"environment variable {name} is not set: it must hold the database's SQLAlchemy URL")
        try:
            url = make_url(value)
        except ArgumentError:
            raise SourceError(f"environment variable {name} does not hold a SQLAlchemy URL") from None
        if url.get_backend_name() == "sqlite":
            database = url.database or ""
            if not database or database == ":memory:":
                raise SourceError(f"environment variable {name}: an sqlite URL must name a database file")
            if not database.startswith("file:"):
                database = f"file:{database}"
            url = url.set(database=database, query={**url.query, "mode": "ro", "uri": "true"})
        elif url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
            url = url.set(drivername="postgresql+psycopg")
        try:
            url.get_dialect()
        except NoSuchModuleError:
            raise SourceError(f"environment variable {name}: no SQLAlchemy dialect {url.drivername!r}") from None
        return url

    def _sqlite_timeout(self, connection: sqlite3.Connection, _record: Any) -> None:
        """SQLite has no statement timeout: interrupt a statement running past the deadline of the run's query."""
        self._deadline = float("inf")

        def check() -> int:
            return 1 if time.monotonic() > self._deadline else 0

        connection.set_progress_handler(check, SQLITE_PROGRESS_STEPS)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def fetch(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        """The query's rows after ``cursor`` (``since`` as the cursor in a backfill), a page at a time."""
        start = _load_cursor(cursor)
        if since is not None:
            start = since.isoformat()
        unmoved = cursor or "{}"
        greatest = start
        held: list[dict[str, Any]] | None = None
        row_number = 0
        try:
            with self._engine().connect() as connection:
                self._begin(connection)
                result = connection.execution_options(yield_per=self.options.page_size).execute(
                    text(self.options.query), {"cursor": start}
                )
                for rows in result.partitions(self.options.page_size):
                    page = []
                    for row in rows:
                        row_number += 1
                        record = {key: _plain(value) for key, value in row._mapping.items()}
                        page.append({"row": row_number, "record": record})
                        greatest = self._greater(greatest, record)
                    if held is not None:
                        yield Page(raw=held, cursor=unmoved)
                    held = page
                connection.rollback()
        except SQLAlchemyError as error:
            raise SourceError(f"the query failed: {one_line(error)}") from None
        moved = unmoved if greatest is None else orjson.dumps({"cursor": greatest}).decode()
        yield Page(raw=held or [], cursor=moved)

    def _begin(self, connection: Any) -> None:
        """Read-only where the engine allows it, under the statement timeout."""
        seconds = self.options.statement_timeout_seconds
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION READ ONLY"))
            connection.execute(text(f"SET LOCAL statement_timeout = {int(seconds * 1000)}"))
        elif connection.dialect.name == "sqlite":
            self._deadline = time.monotonic() + seconds

    def _greater(self, greatest: Any, record: dict[str, Any]) -> Any:
        try:
            value = _cursor_value(self.fields.get(self.options.cursor_field, record))
        except InvalidRecordError:
            return greatest
        if value is None or value.__class__ not in (str, int, float):
            return greatest
        if greatest is None:
            return value
        try:
            return value if value > greatest else greatest
        except TypeError:
            return greatest

    def parse(self, raw: dict[str, Any]) -> IndicatorValue | Rejection:
        """One row (``{"row": n, "record": {column: value}}``) mapped by ``fields`` and checked by the model."""
        record = raw.get("record")
        try:
            if record.__class__ is not dict:
                raise InvalidRecordError(f"the row is {shown(record)}, not columns by name")
            return value_from_fields(
                self.fields.apply(record), self.source.indicators, self.source.unit_codes, self.source.province
            )
        except InvalidRecordError as error:
            return Rejection(raw=raw, reason=f"row {raw.get('row')}: {error}")


def _load_cursor(cursor: str | None) -> Any:
    """The :cursor parameter's value kept in the JSON cursor (None when there is none yet)."""
    if not cursor:
        return None
    try:
        state = orjson.loads(cursor)
    except orjson.JSONDecodeError:
        return None
    return state.get("cursor") if isinstance(state, dict) else None
