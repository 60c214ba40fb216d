"""Indicator rows answered from memory while the warehouse's data version is unchanged (the explorer and the wall ask
the same questions again and again; a load bumps the version, so no answer outlives the data it was read from)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Connection

from ioc.config import now_local
from ioc.indicators.query import value_rows
from ioc.kpi.periods import Period
from ioc.warehouse.aggregates import data_version

CACHE_SIZE = 2048
_cache: OrderedDict[tuple, list[dict]] = OrderedDict()
_lock = threading.Lock()


def cached_value_rows(
    connection: Connection,
    code: str,
    period: Period,
    by: str | None = None,
    unit: str | None = None,
    agency: str | None = None,
) -> list[dict]:
    """:func:`ioc.indicators.query.value_rows`, from memory while the data version holds (errors are never kept)."""
    version, _ = data_version(connection)
    today = now_local().date()  # the running period changes at midnight
    where = connection.engine.url.render_as_string(hide_password=True)
    key = (where, version, today, code, period, by, unit, agency)
    with _lock:
        rows = _cache.get(key)
        if rows is not None:
            _cache.move_to_end(key)
    if rows is None:
        rows = value_rows(connection, code, period, by, unit, agency, today)
        with _lock:
            _cache[key] = rows
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return [dict(row) for row in rows]


def clear() -> None:
    """Forget every answer (benchmarks measure the first read this way)."""
    with _lock:
        _cache.clear()
