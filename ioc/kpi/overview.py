"""What the dashboards show at a glance: this month so far against the same days of last month, a 12-month trend,
and the best and worst agencies or communes. Reads :mod:`ioc.kpi.query` only (aggregates, cached per data version).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection

from ioc.kpi.periods import Period, add_months
from ioc.kpi.query import Filters, cached_kpi_rows, change_rows
from ioc.kpi.registry import KPI_BY_KEY

#: A unit or agency is ranked on a rate only when its denominator reaches this many dossiers in the period, so that
#: three dossiers resolved on time do not put a small office at the top.
MIN_RANKED = 20
#: The count a rate is ranked on when it is small: its denominator, or received for the online payment rate, whose
#: denominator (dossiers with a known fee) is not a KPI row column.
RANK_VOLUME = {
    "online_rate": "received",
    "on_time_rate": "resolved",
    "online_payment_rate": "received",
    "digitisation_rate": "received",
}


def month_to_date(today: date) -> tuple[Period, Period]:
    """This month up to and including ``today``, and the same days of the previous month (cùng kỳ tháng trước)."""
    current = Period.inclusive(today.replace(day=1), today)
    return current, same_days_before(current, 1)


def same_days_before(period: Period, months: int) -> Period:
    """The period that starts ``months`` earlier and lasts as many days, cut where the next one begins: this quarter
    so far compares with the same days of the last quarter, this year so far with the same days of last year."""
    start = add_months(period.start, -months)
    end = min(start + timedelta(days=period.days), period.start)
    return Period.inclusive(start, end - timedelta(days=1))


def summary(connection: Connection, current: Period, previous: Period, filters: Filters = Filters()) -> dict:
    """Every KPI over ``current`` with ``previous`` values and ``change`` (see :func:`ioc.kpi.query.change_rows`)."""
    return change_rows(connection, current, None, filters, compare_with=previous)[0]


def trend_period(last_day: date, months: int = 12) -> Period:
    """The ``months`` calendar months ending with the one holding ``last_day``, cut at ``last_day``."""
    first = add_months(last_day.replace(day=1), 1 - months)
    return Period(first, last_day + timedelta(days=1))


def trend(connection: Connection, last_day: date, months: int = 12, filters: Filters = Filters()) -> list[dict]:
    """One row per month (``month`` as ``YYYY-MM``) with every KPI, the last month cut at ``last_day``."""
    return cached_kpi_rows(connection, trend_period(last_day, months), "month", filters)


@dataclass(frozen=True)
class Ranking:
    """The best and worst keys on one KPI, each as (key, value, denominator or count)."""

    kpi: str
    best: list[tuple[str, float, int]]
    worst: list[tuple[str, float, int]]


def ranking(
    connection: Connection,
    period: Period,
    by: str,
    kpi: str,
    size: int = 5,
    filters: Filters = Filters(),
    among: Collection[str] | None = None,
) -> Ranking:
    """The ``size`` best and worst ``by`` keys (or only those ``among``) on ``kpi``; for a rate, only keys with at
    least :data:`MIN_RANKED` dossiers behind it. Best and worst never share a key; ties go by volume, then code."""
    definition = KPI_BY_KEY[kpi]
    ranked = []
    for row in cached_kpi_rows(connection, period, by, filters):
        value, volume, key = row[kpi], row[RANK_VOLUME.get(kpi, kpi)], str(row[by])
        if value is None or (definition.is_rate and volume < MIN_RANKED) or (among is not None and key not in among):
            continue
        ranked.append((key, value, int(volume)))
    sign = 1 if definition.higher_is_better else -1
    ranked.sort(key=lambda item: (-sign * item[1], -item[2], item[0]))
    best = ranked[:size]
    worst = [item for item in reversed(ranked[-size:]) if item not in best]
    return Ranking(kpi, best, worst)
