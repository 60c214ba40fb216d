"""The indicator values' sink: a page of values upserted by (collector, value key), so a reload replaces a value and
never adds to it (``domain/indicators.md``: "a corrected report corrects"). Runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ARRAY, Connection, String, any_, bindparam, select

from ioc.indicators.model import IndicatorValue
from ioc.warehouse import aggregates, schema
from ioc.warehouse.dialect import copy_rows, encode_rows, insert_rows, update_rows
from ioc.warehouse.load import LOOKUP_CHUNK, PageCounts

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


def _stored(connection: Connection, collector_id: int, keys: list[str]) -> dict[str, tuple[int, tuple]]:
    """The stored values of ``keys``: value key → (id, data as :func:`_data` orders it)."""
    stored: dict[str, tuple[int, tuple]] = {}
    columns = [VALUE.c.value_key, VALUE.c.id, *[VALUE.c[name] for name in COMPARED]]
    if connection.dialect.name == "postgresql":  # one statement, one array parameter, an index probe per key
        chunks = [any_(bindparam("keys", keys, type_=ARRAY(String)))]
    else:
        chunks = [keys[start : start + LOOKUP_CHUNK] for start in range(0, len(keys), LOOKUP_CHUNK)]
    for chunk in chunks:
        matches = VALUE.c.value_key == chunk if not isinstance(chunk, list) else VALUE.c.value_key.in_(chunk)
        query = select(*columns).where(VALUE.c.collector_id == collector_id, matches)
        for row in connection.execute(query):
            stored[row[0]] = (row[1], tuple(row[2:]))
    return stored


def load_values(
    connection: Connection, collector_id: int, run_id: int | None, values: Sequence[IndicatorValue], now: datetime
) -> PageCounts:
    """Upsert a page of values; the last of a key within the page wins."""
    if not values:
        return PageCounts()
    latest = {value.key: value for value in values}
    stored = _stored(connection, collector_id, list(latest))
    new: list[tuple] = []
    changed: list[tuple] = []
    for key, value in latest.items():
        data = _data(value)
        known = stored.get(key)
        if known is None:
            new.append((collector_id, run_id, key, *data, now))
        elif known[1] != data:
            changed.append((run_id, *data, now, known[0]))
    dialect = connection.dialect.name
    if new:
        columns = ("collector_id", "run_id", "value_key", *DATA, "loaded_at")
        if dialect == "postgresql":
            copy_rows(connection, VALUE, columns, new)
        else:
            insert_rows(connection, VALUE, columns, encode_rows(dialect, VALUE, columns, new))
    if changed:
        columns = ("run_id", *DATA, "loaded_at")
        update_rows(connection, VALUE, columns, "id", encode_rows(dialect, VALUE, (*columns, "id"), changed))
    if new or changed:
        aggregates.bump_version(connection, now)
    return PageCounts(inserted=len(new), updated=len(changed), unchanged=len(latest) - len(new) - len(changed))
