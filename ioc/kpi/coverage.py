"""Whether the warehouse covers a period well enough to compare with it (có số liệu so sánh hay không).

A period's **coverage** is the number of its days on which the warehouse holds received dossiers (any unit, agency or
channel: the warehouse's coverage, not a selection's, since a commune that received nothing last year really had
nothing, while a warehouse that holds nothing from last year knows nothing about it). A comparison is made only when
the compared period's covered days are at least :data:`MIN_SHARE` of the current period's: "this year" against a
previous year the collectors never reached is no comparable data, not "+282.472". The first covered day
(:func:`first_covered_day`) is where the warehouse's data begins: a wall does not replay a day before it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from sqlalchemy import Connection, func, select

from ioc.kpi.periods import Period
from ioc.warehouse.aggregates import GRAINS, data_version

#: The share of the current period's covered days the compared period must have (half).
MIN_SHARE = 0.5
#: The smallest daily aggregate: any one of them holds every received dossier's day.
_DAILY = next(grain for grain in GRAINS if grain.bucket == "day").table
CACHE_SIZE = 1024
_cache: OrderedDict[tuple, int] = OrderedDict()
_cache_lock = threading.Lock()


def comparable(current: int, previous: int) -> bool:
    """Whether a period with ``previous`` covered days may be compared with one of ``current`` covered days."""
    return previous >= MIN_SHARE * current


def covered_days(connection: Connection, period: Period) -> int:
    """The days of ``period`` on which the warehouse holds received dossiers; answered from memory while the data
    version is unchanged."""
    version, _ = data_version(connection)
    key = (connection.engine.url.render_as_string(hide_password=True), version, period.start, period.end)
    with _cache_lock:
        days = _cache.get(key)
    if days is None:
        query = select(func.count(func.distinct(_DAILY.c.day))).where(
            _DAILY.c.day >= period.start, _DAILY.c.day < period.end, _DAILY.c.received > 0
        )
        days = int(connection.execute(query).scalar() or 0)
        with _cache_lock:
            _cache[key] = days
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return days


def covers(connection: Connection, current: Period, previous: Period) -> bool:
    """Whether the warehouse covers ``previous`` well enough to compare ``current`` with it (:func:`comparable`)."""
    return comparable(covered_days(connection, current), covered_days(connection, previous))


def first_covered_day(connection: Connection) -> date | None:
    """The first day on which the warehouse holds received dossiers; None while it holds none."""
    query = select(func.min(_DAILY.c.day)).where(_DAILY.c.received > 0)
    return connection.execute(query).scalar()
