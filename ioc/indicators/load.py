"""The indicator values' sink: a page of values upserted by (collector, value key), so a reload replaces a value and
never adds to it (``domain/indicators.md``: "a corrected report corrects"). Runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select, table

from ioc.indicators.model import IndicatorValue
from ioc.warehouse import aggregates, schema
from ioc.warehouse.dialect import copy_into_staging, encode_rows, insert_rows
from ioc.warehouse.load import PageCounts

VALUE = schema.IndicatorValue.__table__
#: The columns a load writes besides the identity (collector, value key) and ``loaded_at``.
DATA = (
    "indicator_code",
    "unit_code",
    "agency_code",
    "period_kind",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "no_data",
    "quality",
    "quality_message",
    "source_key",
    "source_updated_at",
)
#: What decides whether a stored value changed (the run and load time do not).
COMPARED = DATA
#: The columns of the SQLite staging table, for ``insert_rows``.
STAGING_TABLE = table("ioc_value_page")


def _data(value: IndicatorValue) -> tuple:
    period = value.period
    return (
        value.indicator,
        value.unit_code,
        value.agency_code,
        period.kind,
        period.start,
        period.end,
        value.value,
        value.numerator,
        value.denominator,
        value.no_data,
        value.quality,
        value.quality_message,
        value.source_key,
        value.source_updated_at,
    )


#: The temporary table a page's values are staged in (one per session; PostgreSQL empties it at each commit).
STAGING = "ioc_value_page"
COLUMNS = ("collector_id", "run_id", "value_key", *DATA, "loaded_at")


def _upsert(dialect: str) -> str:
    """One statement merging the staged page: new keys inserted, changed values replaced, unchanged ones left alone
    (no row returned), each returned row saying whether it was inserted (PostgreSQL: ``xmax = 0``; SQLite: its id,
    compared with the largest before, as new rows take ids above it)."""
    names = ", ".join(COLUMNS)
    replaced = ", ".join(f"{name} = excluded.{name}" for name in ("run_id", *DATA, "loaded_at"))
    distinct = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    differs = " OR ".join(f"indicator_value.{name} {distinct} excluded.{name}" for name in COMPARED)
    returned = "(xmax = 0)" if dialect == "postgresql" else "id"
    return (
        f"INSERT INTO indicator_value ({names}) SELECT {names} FROM {STAGING} WHERE true "
        f"ON CONFLICT (collector_id, value_key) DO UPDATE SET {replaced} WHERE {differs} RETURNING {returned}"
    )


_UPSERTS = {dialect: _upsert(dialect) for dialect in ("sqlite", "postgresql")}


def _stage(connection: Connection, rows: list[tuple]) -> None:
    if connection.dialect.name == "postgresql":
        copy_into_staging(connection, VALUE, STAGING, COLUMNS, rows)
        return
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} AS SELECT {', '.join(COLUMNS)} FROM indicator_value WHERE 0"
    )
    connection.exec_driver_sql(f"DELETE FROM {STAGING}")
    insert_rows(connection, STAGING_TABLE, COLUMNS, encode_rows("sqlite", VALUE, COLUMNS, rows))


def load_values(
    connection: Connection, collector_id: int, run_id: int | None, values: Sequence[IndicatorValue], now: datetime
) -> PageCounts:
    """Upsert a page of values in one statement from a staging table; the last of a key within the page wins."""
    if not values:
        return PageCounts()
    latest = {value.key: value for value in values}
    _stage(connection, [(collector_id, run_id, key, *_data(value), now) for key, value in latest.items()])
    dialect = connection.dialect.name
    if dialect == "postgresql":
        flags = connection.exec_driver_sql(_UPSERTS[dialect]).scalars().all()
        inserted = sum(flags)
    else:
        largest = connection.execute(select(func.max(VALUE.c.id))).scalar() or 0
        flags = connection.exec_driver_sql(_UPSERTS[dialect]).scalars().all()
        inserted = sum(1 for id_ in flags if id_ > largest)
        connection.exec_driver_sql(f"DELETE FROM {STAGING}")
    updated = len(flags) - inserted
    if flags:
        aggregates.bump_version(connection, now)
    return PageCounts(inserted=inserted, updated=updated, unchanged=len(latest) - len(flags))
