"""The few statements whose SQL differs between SQLite and PostgreSQL, behind one function each."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflicts(connection: Connection, table: Table, keys: list[str]) -> Insert:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` in the connection's dialect."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=keys)
