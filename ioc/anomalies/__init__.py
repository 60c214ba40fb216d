"""Anomalies instead of fixed thresholds: days whose received, resolved or on-time rate of the province, a unit or an
agency departs from that series' own trend and working-week rhythm.

Method (:mod:`ioc.anomalies.detect`): each series (:mod:`ioc.anomalies.series`: working days only) is judged day by
day. The :data:`HISTORY_DAYS` calendar days before the day are decomposed by robust STL with a period of 5 working
days; the day is flagged when its departure from what that history expects, over 1.4826 × MAD of the history's
residuals (or over the figure's noise floor when that is larger: :meth:`ioc.anomalies.series.Series.noise_floor`),
reaches :data:`ioc.anomalies.detect.THRESHOLD`. Answers are kept per data version, like
:func:`ioc.kpi.query.cached_kpi_rows`.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict
from datetime import date, timedelta

from sqlalchemy import Connection

from ioc.anomalies.detect import THRESHOLD, expectation
from ioc.anomalies.model import DIRECTIONS, MEASURES, SCOPES, Anomaly
from ioc.anomalies.series import watched_series
from ioc.errors import IOCError
from ioc.warehouse.aggregates import data_version

__all__ = ["DIRECTIONS", "HISTORY_DAYS", "MAX_DAYS", "MEASURES", "SCOPES", "THRESHOLD", "Anomaly", "anomalies"]

#: Calendar days of history before the first day judged (eight weeks).
HISTORY_DAYS = 56
#: The most days one call may judge.
MAX_DAYS = 92
CACHE_SIZE = 64
_cache: OrderedDict[tuple, list[Anomaly]] = OrderedDict()
_cache_lock = threading.Lock()


def anomalies(
    connection: Connection,
    today: date,
    *,
    days: int = 1,
    measures: tuple[str, ...] = MEASURES,
    scope: str | None = None,
    code: str | None = None,
) -> list[Anomaly]:
    """The anomalies of the ``days`` whole days ending yesterday (today excluded), strongest first."""
    if not 1 <= days <= MAX_DAYS:
        raise IOCError(f"days must be between 1 and {MAX_DAYS}, not {days}")
    unknown = sorted(set(measures) - set(MEASURES))
    if unknown:
        raise IOCError(f"unknown measure {', '.join(unknown)}; use {', '.join(MEASURES)}")
    if scope is not None and scope not in SCOPES:
        raise IOCError(f"unknown scope {scope!r}; use {', '.join(SCOPES)}")
    found = _cached(connection, today, days)
    return [
        anomaly
        for anomaly in found
        if anomaly.measure in measures and scope in (None, anomaly.scope) and code in (None, anomaly.code)
    ]


def _cached(connection: Connection, today: date, days: int) -> list[Anomaly]:
    version, _ = data_version(connection)
    key = (connection.engine.url.render_as_string(hide_password=True), version, today, days)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    found = compute(connection, today, days)
    with _cache_lock:
        _cache[key] = found
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return found


def compute(connection: Connection, today: date, days: int = 1, measures: tuple[str, ...] = MEASURES) -> list[Anomaly]:
    """:func:`anomalies` without the cache: each day judged against the :data:`HISTORY_DAYS` days before it."""
    judged_from = today - timedelta(days=days)
    found = []
    for series in watched_series(connection, judged_from - timedelta(days=HISTORY_DAYS), today, measures):
        for i, day in enumerate(series.days):
            if day < judged_from or not series.observed[i]:
                continue
            first = bisect_left(series.days, day - timedelta(days=HISTORY_DAYS))
            expected = expectation(series.values[first:i], series.observed[first:i])
            if expected is None:
                continue
            value = float(series.values[i])
            score = expected.score(value, series.noise_floor(i, expected.expected))
            if abs(score) < THRESHOLD:
                continue
            found.append(
                Anomaly(
                    day=day,
                    measure=series.measure,
                    scope=series.scope,
                    code=series.code,
                    value=round(value, 2),
                    expected=round(expected.expected, 2),
                    score=round(score, 2),
                    direction="above" if score > 0 else "below",
                )
            )
    return sorted(found, key=lambda a: (-abs(a.score), a.day, MEASURES.index(a.measure), SCOPES.index(a.scope), a.code))
