"""The few statements whose SQL differs between SQLite and PostgreSQL, behind one function each."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(connection: Connection, table: Table, keys: list[str]) -> Insert:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` in the connection's dialect."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=keys)


def _placeholder(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _processed(connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> list[tuple]:
    """Apply each column type's bind processor (e.g. SQLite's datetime → text), as SQLAlchemy itself would."""
    dialect = connection.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    if not any(processors):
        return rows
    pairs = list(enumerate(processors))
    return [tuple(p(row[i]) if p else row[i] for i, p in pairs) for row in rows]


def bulk_insert(connection: Connection, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """``executemany`` of plain tuples: the fast path for large pages, on either engine."""
    quote = connection.dialect.identifier_preparer.quote
    marks = ", ".join([_placeholder(connection)] * len(columns))
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) VALUES ({marks})"
    connection.exec_driver_sql(sql, _processed(connection, table, columns, rows))


def bulk_update(connection: Connection, table: Table, columns: Sequence[str], key: str, rows: list[tuple]) -> None:
    """``UPDATE … SET columns WHERE key = ?`` for tuples of (*values, key value)."""
    quote = connection.dialect.identifier_preparer.quote
    mark = _placeholder(connection)
    assignments = ", ".join(f"{quote(name)} = {mark}" for name in columns)
    sql = f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote(key)} = {mark}"
    connection.exec_driver_sql(sql, _processed(connection, table, [*columns, key], rows))
