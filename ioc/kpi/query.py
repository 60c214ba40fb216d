"""KPI rows for any filter × period × breakdown, read from the aggregates (never from ``dossier``).

A period ``[start, end)`` is read as its whole months from ``dossier_monthly`` and its partial months at either edge
from ``dossier_daily``. Pending counts at ``end`` are running sums: every month before ``end``'s month, then the days
of ``end``'s month before ``end``. Procedures are kept by month only, so a procedure filter or breakdown needs a
period of whole months.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import Connection, Table, func, select

from ioc.errors import IOCError
from ioc.kpi.aggregate import FLOWS
from ioc.kpi.periods import Period
from ioc.kpi.registry import compute
from ioc.warehouse import schema
from ioc.warehouse.aggregates import data_version

DAILY: Table = schema.DossierDaily.__table__
MONTHLY: Table = schema.DossierMonthly.__table__
#: Breakdowns and the aggregate column each reads (``month`` is the period's own months).
BREAKDOWNS = {
    "unit": "unit_code",
    "agency": "agency_code",
    "field": "field_code",
    "procedure": "procedure_code",
    "channel": "channel",
    "month": None,
}
RUNNING = ("pending_in", "pending_out", "overdue_in", "overdue_out")
#: Answers kept per (database, data version, query); a load bumps the version, so nothing stale is served.
CACHE_SIZE = 2048
_cache: OrderedDict[tuple, list[dict]] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Filters:
    """Which dossiers to count; None means all."""

    unit: str | None = None
    agency: str | None = None
    field: str | None = None
    procedure: str | None = None
    channel: int | None = None
    applicant_type: int | None = None

    def conditions(self, table: Table) -> list:
        columns = {"unit": "unit_code", "agency": "agency_code", "field": "field_code", "procedure": "procedure_code"}
        columns |= {"channel": "channel", "applicant_type": "applicant_type"}
        chosen = [(columns[f.name], getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None]
        return [table.c[column] == value for column, value in chosen]


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _check(period: Period, by: str | None, filters: Filters) -> None:
    if by is not None and by not in BREAKDOWNS:
        raise IOCError(f"unknown breakdown {by!r}; use one of {', '.join(BREAKDOWNS)}")
    whole_months = period.start.day == 1 and period.end.day == 1
    if (by == "procedure" or filters.procedure is not None) and not whole_months:
        raise IOCError(
            "figures by procedure are kept by month: give whole months (from the first day of a month to the last day "
            "of a month)"
        )


def _sums(
    connection: Connection, table: Table, bucket: str, start: date | None, end: date, by: str | None, filters: Filters
) -> Iterable[tuple[object, date, Counter]]:
    """(group key, bucket day, summed measures) over ``table`` rows with ``start <= bucket < end``."""
    group = [table.c[BREAKDOWNS[by]]] if by and BREAKDOWNS[by] else []
    measures = [func.sum(table.c[m]).label(m) for m in (*FLOWS, *RUNNING)]
    where = [table.c[bucket] < end, *filters.conditions(table)]
    if start is not None:
        where.append(table.c[bucket] >= start)
    query = select(*group, table.c[bucket], *measures).where(*where).group_by(*group, table.c[bucket])
    names = (*FLOWS, *RUNNING)
    for row in connection.execute(query):
        key = (row[0] or None) if group else None  # "" and 0 stand for a missing code or channel
        values = row[len(group) + 1 :]
        yield key, row[len(group)], Counter({n: int(v or 0) for n, v in zip(names, values, strict=True)})


def kpi_rows(connection: Connection, period: Period, by: str | None = None, filters: Filters = Filters()) -> list[dict]:
    """One row per breakdown key (one row without ``by``) with every KPI, as ``ioc kpi --format json`` prints them."""
    return [({by: key} if by else {}) | compute(counts) for key, counts in counts_by(connection, period, by, filters)]


def counts_by(
    connection: Connection, period: Period, by: str | None = None, filters: Filters = Filters()
) -> list[tuple[object, Counter]]:
    """(breakdown key, the period's counts) per key, sorted by key, keys without any count left out; pending and
    pending_overdue are taken at the period's end (by month: at each month's end)."""
    _check(period, by, filters)
    first_whole = period.start if period.start.day == 1 else _next_month(period.start)
    end_month = _month(period.end)
    flows: dict[object, Counter] = {}
    running: dict[object, Counter] = {}
    month_ends: dict[date, Counter] = {}  # by month: running counts at each month's end

    def add(key: object, day: date, counts: Counter) -> None:
        group = day.strftime("%Y-%m") if by == "month" else key
        if period.start <= day < period.end:
            flows.setdefault(group, Counter()).update({m: counts[m] for m in FLOWS})
        if by == "month":
            month_ends.setdefault(_month(day), Counter()).update({m: counts[m] for m in RUNNING})
        else:
            running.setdefault(group, Counter()).update({m: counts[m] for m in RUNNING})

    # Every month before end's month: the whole months' flows and the running sums.
    for key, month, counts in _sums(connection, MONTHLY, "month", None, end_month, by, filters):
        add(key, month, counts)
    # The days of a partial first month (flows only; the months above hold its running sums) …
    daily_by = None if by == "month" else by
    if period.start < first_whole <= end_month:
        for key, day, counts in _sums(connection, DAILY, "day", period.start, first_whole, daily_by, filters):
            add(key, day, Counter({m: counts[m] for m in FLOWS}))
    # … and the days of end's month before end.
    if end_month < period.end:
        for key, day, counts in _sums(connection, DAILY, "day", end_month, period.end, daily_by, filters):
            add(key, day, counts)

    if by == "month":
        return _month_rows(period, flows, month_ends)
    keys = sorted(set(flows) | set(running), key=lambda k: (k is None, k))
    rows = []
    for key in keys if by else [None]:
        counts = Counter(flows.get(key, Counter()))
        counts.update(_pending(running.get(key, Counter())))
        if by and not any(counts.values()):
            continue
        rows.append((key, counts))
    return rows


def _pending(running: Counter) -> Counter:
    return Counter(
        pending=running["pending_in"] - running["pending_out"],
        pending_overdue=running["overdue_in"] - running["overdue_out"],
    )


def _month_rows(
    period: Period, flows: dict[object, Counter], month_ends: dict[date, Counter]
) -> list[tuple[object, Counter]]:
    """Rows by month of the period, each with pending at the month's end (or the period's, for its last month)."""
    rows = []
    total = Counter()
    months = sorted(month_ends)
    month = _month(period.start)
    index = 0
    while month < period.end:
        while index < len(months) and months[index] <= month:
            total.update(month_ends[months[index]])
            index += 1
        label = month.strftime("%Y-%m")
        counts = Counter(flows.get(label, Counter()))
        counts.update(_pending(total))
        rows.append((label, counts))
        month = _next_month(month)
    return rows


def cached_kpi_rows(
    connection: Connection, period: Period, by: str | None = None, filters: Filters = Filters()
) -> list[dict]:
    """:func:`kpi_rows`, answered from memory while the warehouse's data version is unchanged."""
    version, _ = data_version(connection)
    key = (connection.engine.url.render_as_string(hide_password=True), version, period, by, filters)
    with _cache_lock:
        rows = _cache.get(key)
        if rows is not None:
            _cache.move_to_end(key)
    if rows is None:
        rows = kpi_rows(connection, period, by, filters)
        with _cache_lock:
            _cache[key] = rows
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return [dict(row) for row in rows]
