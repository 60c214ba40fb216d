"""What the dashboards show at a glance: this month so far against the same days of last month and a 12-month trend
(rankings are :mod:`ioc.kpi.ranking`). Reads :mod:`ioc.kpi.query` only (aggregates, cached per data version).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection

from ioc.kpi.periods import Period, add_months
from ioc.kpi.query import Filters, cached_kpi_rows, change_rows


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


def summary(connection: Connection, current: Period, previous: Period | None, filters: Filters = Filters()) -> dict:
    """Every KPI over ``current`` with ``previous`` values and ``change`` (see :func:`ioc.kpi.query.change_rows`);
    with no ``previous`` (nothing lines up with it), ``previous`` is None and every change None."""
    if previous is None:
        row = cached_kpi_rows(connection, current, None, filters)[0]
        return row | {"previous": None, "change": dict.fromkeys(row)}
    return change_rows(connection, current, None, filters, compare_with=previous)[0]


def trend_period(last_day: date, months: int = 12) -> Period:
    """The ``months`` calendar months ending with the one holding ``last_day``, cut at ``last_day``."""
    first = add_months(last_day.replace(day=1), 1 - months)
    return Period(first, last_day + timedelta(days=1))


def trend(connection: Connection, last_day: date, months: int = 12, filters: Filters = Filters()) -> list[dict]:
    """One row per month (``month`` as ``YYYY-MM``) with every KPI, the last month cut at ``last_day``."""
    return cached_kpi_rows(connection, trend_period(last_day, months), "month", filters)
