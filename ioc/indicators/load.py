"""The indicator values' sink: a page of values upserted by (collector, value key), so a reload replaces a value and
never adds to it (``domain/indicators.md``: "a corrected report corrects"). Runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from ioc.indicators.model import IndicatorValue
from ioc.warehouse import aggregates, schema
from ioc.warehouse.dialect import copy_into_staging, encode_rows
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


#: PostgreSQL: the temporary table a page's values are copied into (one per session, emptied at each commit).
STAGING = "ioc_value_page"
COLUMNS = ("collector_id", "run_id", "value_key", *DATA, "loaded_at")


def _conflict_clause(distinct: str) -> str:
    replaced = ", ".join(f"{name} = excluded.{name}" for name in ("run_id", *DATA, "loaded_at"))
    differs = " OR ".join(f"indicator_value.{name} {distinct} excluded.{name}" for name in COMPARED)
    return f"ON CONFLICT (collector_id, value_key) DO UPDATE SET {replaced} WHERE {differs}"


_NAMES = ", ".join(COLUMNS)
#: PostgreSQL: the page staged by ``COPY`` merged in one statement; each row returned (changed or new) says whether it
#: was inserted (``xmax = 0``); an unchanged value returns nothing.
_UPSERT_STAGED = (
    f"INSERT INTO indicator_value ({_NAMES}) SELECT {_NAMES} FROM {STAGING} "
    f"{_conflict_clause('IS DISTINCT FROM')} RETURNING (xmax = 0)"
)
#: SQLite: the same upsert by ``executemany``, which costs no round trip there; the rows it changed are its row count,
#: and the new ones took the ids above the largest before (SQLite gives a new row the largest id plus one).
_UPSERT_ROWS = (
    f"INSERT INTO indicator_value ({_NAMES}) VALUES ({', '.join('?' * len(COLUMNS))}) {_conflict_clause('IS NOT')}"
)


def load_values(
    connection: Connection, collector_id: int, run_id: int | None, values: Sequence[IndicatorValue], now: datetime
) -> PageCounts:
    """Upsert a page of values in one statement from a staging table; the last of a key within the page wins."""
    if not values:
        return PageCounts()
    latest = {value.key: value for value in values}
    rows = [(collector_id, run_id, key, *_data(value), now) for key, value in latest.items()]
    if connection.dialect.name == "postgresql":
        copy_into_staging(connection, VALUE, STAGING, COLUMNS, rows)
        flags = connection.exec_driver_sql(_UPSERT_STAGED).scalars().all()
        changed, inserted = len(flags), sum(flags)
    else:
        largest = select(func.coalesce(func.max(VALUE.c.id), 0))
        before = connection.execute(largest).scalar_one()
        changed = connection.exec_driver_sql(_UPSERT_ROWS, encode_rows("sqlite", VALUE, COLUMNS, rows)).rowcount
        inserted = connection.execute(largest).scalar_one() - before
    if changed:
        aggregates.bump_version(connection, now)
    return PageCounts(inserted=inserted, updated=changed - inserted, unchanged=len(latest) - changed)
