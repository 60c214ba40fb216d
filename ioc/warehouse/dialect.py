"""The few statements whose SQL differs between SQLite and PostgreSQL, behind one function each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Connection, DateTime, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeEngine


def insert_ignoring_conflicts(connection: Connection, table: Table, keys: list[str]) -> Insert:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` in the connection's dialect."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=keys)


def _placeholder(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def sqlite_datetime(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite storage format for DATETIME (``2025-03-01 08:00:00.000000``), in C speed."""
    return None if value is None else value.isoformat(" ", "microseconds")


def _processor(connection: Connection, column_type: TypeEngine) -> Callable[[Any], Any] | None:
    dialect = connection.dialect
    if dialect.name == "sqlite":
        if isinstance(column_type, DateTime) and not column_type.timezone:
            return sqlite_datetime  # the same text as SQLAlchemy's own processor (tests/test_loader.py checks it)
        if isinstance(column_type, Boolean):
            return None  # sqlite3 stores True/False as 1/0, as SQLAlchemy's int() processor would
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _processed(connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> list[tuple]:
    """Apply each column type's bind processor (e.g. SQLite's datetime → text), as SQLAlchemy itself would."""
    processors = [(i, p) for i, name in enumerate(columns) if (p := _processor(connection, table.c[name].type))]
    if not processors:
        return rows
    processed = []
    for row in rows:
        values = list(row)
        for i, processor in processors:
            values[i] = processor(values[i])
        processed.append(tuple(values))
    return processed


def bulk_insert(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: list[tuple],
    constants: dict[str, Any] | None = None,
) -> None:
    """``executemany`` of plain tuples: the fast path for large pages, on either engine.

    ``constants`` are columns with one value for every row (processed once, appended to each row).
    """
    constants = constants or {}
    extra = _processed(connection, table, list(constants), [tuple(constants.values())])[0] if constants else ()
    names = [*columns, *constants]
    quote = connection.dialect.identifier_preparer.quote
    marks = ", ".join([_placeholder(connection)] * len(names))
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) VALUES ({marks})"
    values = _processed(connection, table, columns, rows)
    connection.exec_driver_sql(sql, [(*row, *extra) for row in values] if extra else values)


def bulk_update(connection: Connection, table: Table, columns: Sequence[str], key: str, rows: list[tuple]) -> None:
    """``UPDATE … SET columns WHERE key = ?`` for tuples of (*values, key value)."""
    quote = connection.dialect.identifier_preparer.quote
    mark = _placeholder(connection)
    assignments = ", ".join(f"{quote(name)} = {mark}" for name in columns)
    sql = f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote(key)} = {mark}"
    connection.exec_driver_sql(sql, _processed(connection, table, [*columns, key], rows))
