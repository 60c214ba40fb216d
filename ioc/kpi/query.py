"""KPI rows for any filter × period × breakdown, read from the aggregates (never from ``dossier``).

A period ``[start, end)`` is read as its whole months from a monthly grain and its partial months at either edge from
a daily one, each time the smallest grain that holds the filter and breakdown. Pending counts at ``end`` are running
sums: the months before ``end``'s month (summed forward, or as the all-time total less the later months, whichever
reads less), then the days of ``end``'s month before ``end``. Procedures are kept by month only, so a procedure
filter or breakdown needs a period of whole months.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import Connection, Table, func, select

from ioc.errors import IOCError
from ioc.kpi.aggregate import FLOWS
from ioc.kpi.coverage import covers
from ioc.kpi.periods import Period, add_months
from ioc.kpi.registry import compute
from ioc.warehouse.aggregates import GRAINS, Grain, data_version

#: Filters and the aggregate column each reads.
FILTER_COLUMNS = {
    "unit": "unit_code",
    "agency": "agency_code",
    "field": "field_code",
    "procedure": "procedure_code",
    "channel": "channel",
    "applicant_type": "applicant_type",
}
#: Breakdowns and the aggregate column each reads (``month`` is the period's own months).
BREAKDOWNS: dict[str, str | None] = {name: FILTER_COLUMNS[name] for name in ("unit", "agency", "field", "procedure")}
BREAKDOWNS |= {"channel": "channel", "month": None}
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

    def chosen(self) -> list[tuple[str, object]]:
        """(aggregate column, value) of each filter given."""
        return [
            (FILTER_COLUMNS[f.name], getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None
        ]

    def columns(self) -> list[str]:
        return [column for column, _ in self.chosen()]

    def conditions(self, table: Table) -> list:
        return [table.c[column] == value for column, value in self.chosen()]


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return add_months(day, 1)


def _check(period: Period, by: str | None, filters: Filters) -> None:
    if by is not None and by not in BREAKDOWNS:
        raise IOCError(f"unknown breakdown {by!r}; use one of {', '.join(BREAKDOWNS)}")
    whole_months = period.start.day == 1 and period.end.day == 1
    if (by == "procedure" or filters.procedure is not None) and not whole_months:
        raise IOCError(
            "figures by procedure are kept by month: give whole months (from the first day of a month to the last day "
            "of a month)"
        )


@dataclass(frozen=True)
class _Reader:
    """Sums over the smallest aggregates that hold a query's filter and breakdown."""

    connection: Connection
    key: str | None  # the breakdown's column (None: no breakdown, or by month)
    filters: Filters
    daily: Grain
    monthly: Grain
    total: Grain

    @classmethod
    def choose(cls, connection: Connection, by: str | None, filters: Filters) -> _Reader:
        key = BREAKDOWNS.get(by) if by else None
        needed = {column for column in [key, *filters.columns()] if column}

        def smallest(bucket: str | None) -> Grain:
            # Only procedures lack a daily grain, and they are asked for whole months, which read no days.
            candidates = [grain for grain in GRAINS if grain.bucket == bucket]
            return next((grain for grain in candidates if grain.covers(needed)), candidates[-1])

        return cls(connection, key, filters, smallest("day"), smallest("month"), smallest(None))

    def sums(
        self, grain: Grain, start: date | None, end: date | None, measures: tuple[str, ...], per_bucket: bool
    ) -> list[tuple[object, date | None, Counter]]:
        """(breakdown key, bucket or None, summed measures) over ``grain``'s rows with ``start <= bucket < end``."""
        table = grain.table
        group = [table.c[self.key]] if self.key else []
        if per_bucket:
            group.append(table.c[grain.bucket])
        where = self.filters.conditions(table)
        if start is not None:
            where.append(table.c[grain.bucket] >= start)
        if end is not None:
            where.append(table.c[grain.bucket] < end)
        query = select(*group, *(func.sum(table.c[m]) for m in measures)).where(*where).group_by(*group)
        rows = []
        for row in self.connection.execute(query):
            key = (row[0] or None) if self.key else None  # "" and 0 stand for a missing code or channel
            bucket = row[len(group) - 1] if per_bucket else None
            counts = Counter({m: int(v or 0) for m, v in zip(measures, row[len(group) :], strict=True)})
            rows.append((key, bucket, counts))
        return rows

    def running_before(self, boundary: date) -> dict[object, Counter]:
        """Running sums per key over every day before ``boundary`` (a month's first day): summed forward from the
        first month, or as the all-time total less the months from ``boundary`` on, whichever reads fewer months."""
        table = self.monthly.table
        # Two queries: SQLite answers a lone min() or max() from the index, but scans the table for both at once.
        first = self.connection.execute(select(func.min(table.c.month))).scalar()
        last = self.connection.execute(select(func.max(table.c.month))).scalar()
        running: dict[object, Counter] = {}
        if first is None or boundary <= first:
            return running
        forward = boundary > last or (boundary - first) <= (last - boundary)
        if forward:
            for key, _, counts in self.sums(self.monthly, None, boundary, RUNNING, False):
                running.setdefault(key, Counter()).update(counts)
            return running
        for key, _, counts in self.sums(self.total, None, None, RUNNING, False):
            running.setdefault(key, Counter()).update(counts)
        for key, _, counts in self.sums(self.monthly, boundary, None, RUNNING, False):
            running.setdefault(key, Counter()).subtract(counts)
        return running


def kpi_rows(connection: Connection, period: Period, by: str | None = None, filters: Filters = Filters()) -> list[dict]:
    """One row per breakdown key (one row without ``by``) with every KPI, as ``ioc kpi --format json`` prints them."""
    rows = [({by: key} if by else {}) | compute(counts) for key, counts in counts_by(connection, period, by, filters)]
    # A key whose dossiers only count for other purposes (e.g. stopped ones) shows no KPI: leave it out.
    return [row for row in rows if not by or by == "month" or any(v for k, v in row.items() if k != by)]


def counts_by(
    connection: Connection, period: Period, by: str | None = None, filters: Filters = Filters()
) -> list[tuple[object, Counter]]:
    """(breakdown key, the period's counts) per key, sorted by key, keys without any count left out; pending and
    pending_overdue are taken at the period's end (by month: at each month's end).

    Flows: the period's whole months from a monthly aggregate, its partial months' days from a daily one. Running
    sums at the end: those before the end's month (:meth:`_Reader.running_before`) plus the end month's days.
    """
    _check(period, by, filters)
    reader = _Reader.choose(connection, by, filters)
    start, end = period.start, period.end
    first_whole = start if start.day == 1 else _next_month(start)
    end_month = _month(end)
    by_month = by == "month"
    flows: dict[object, Counter] = {}
    nets: dict[object, Counter] = {}  # running sums' changes: per key, or per month when by month

    def add(target: dict[object, Counter], key: object, counts: Counter, measures: tuple[str, ...]) -> None:
        target.setdefault(key, Counter()).update({m: counts[m] for m in measures})

    # Whole months: flows (and, by month, each month's running changes from its first day on).
    months_from = _month(start) if by_month else first_whole
    if months_from < end_month:
        measures = (*FLOWS, *RUNNING) if by_month else FLOWS
        for key, month, counts in reader.sums(reader.monthly, months_from, end_month, measures, by_month):
            if by_month:
                if month >= first_whole:
                    add(flows, month, counts, FLOWS)
                add(nets, month, counts, RUNNING)
            else:
                add(flows, key, counts, FLOWS)
    # The partial first month's days, when it ends before the end's month.
    if start < first_whole <= end_month:
        for key, day, counts in reader.sums(reader.daily, start, first_whole, FLOWS, by_month):
            add(flows, _month(day) if by_month else key, counts, FLOWS)
    # The end month's days before the end: flows from the start on, running changes all.
    if end_month < end:
        for key, day, counts in reader.sums(reader.daily, end_month, end, (*FLOWS, *RUNNING), True):
            group = end_month if by_month else key
            if day >= start:
                add(flows, group, counts, FLOWS)
            add(nets, group, counts, RUNNING)

    if by_month:
        return _month_rows(period, flows, nets, reader.running_before(_month(start)).get(None, Counter()))
    running = reader.running_before(end_month)
    for key, counts in nets.items():
        running.setdefault(key, Counter()).update(counts)
    rows = []
    keys = sorted(set(flows) | set(running), key=lambda k: (k is None, k)) if by else [None]
    for key in keys:
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
    period: Period, flows: dict[object, Counter], nets: dict[object, Counter], running: Counter
) -> list[tuple[object, Counter]]:
    """Rows by month of the period, each with pending at the month's end (or the period's, for its last month)."""
    rows = []
    total = Counter(running)
    month = _month(period.start)
    while month < period.end:
        total.update(nets.get(month, Counter()))
        counts = Counter(flows.get(month, Counter()))
        counts.update(_pending(total))
        rows.append((month.strftime("%Y-%m"), counts))
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


def change_rows(
    connection: Connection,
    period: Period,
    by: str | None = None,
    filters: Filters = Filters(),
    compare_with: Period | None = None,
    *,
    covered: bool = True,
) -> list[dict]:
    """:func:`kpi_rows` with, per row, ``previous`` (the same KPIs over ``compare_with``, by default the previous
    period of the same kind: the previous month, quarter, …, or as many days just before a custom range) and
    ``change`` (the difference: counts in dossiers, rates in percentage points, rounded to 2 decimals; None where
    either side has no value). When the warehouse does not cover the earlier period well enough
    (:func:`ioc.kpi.coverage.covers`) there is no comparable data: ``previous`` is None and every change None.
    ``covered=False`` compares whatever the coverage (the alerts, whose own minimum counts stand for it)."""
    if by == "month":
        raise IOCError("a breakdown by month is a trend: compare its months with each other, not with another period")
    current = cached_kpi_rows(connection, period, by, filters)
    compared = compare_with or period.previous()
    comparable = not covered or covers(connection, period, compared)
    earlier = cached_kpi_rows(connection, compared, by, filters) if comparable else []
    previous = {row.get(by) if by else None: row for row in earlier}
    rows = []
    for row in current:
        before = previous.get(row.get(by) if by else None)
        values = {k: v for k, v in row.items() if k != by}
        change = {
            k: None if v is None or before is None or before[k] is None else round(v - before[k], 2)
            for k, v in values.items()
        }
        rows.append(row | {"previous": {k: before[k] for k in values} if before else None, "change": change})
    return rows


def daily_sums(
    connection: Connection, start: date, end: date, by: str | None = None, measures: tuple[str, ...] = FLOWS
) -> list[tuple[object, date, Counter]]:
    """(breakdown key or None, day, summed ``measures``) for each day of ``[start, end)`` that has a row, read from
    the smallest daily aggregate holding the breakdown (``unit`` or ``agency``; None: all of them)."""
    if by not in (None, "unit", "agency"):
        raise IOCError(f"daily sums are kept by unit or agency, not {by!r}")
    reader = _Reader.choose(connection, by, Filters())
    return reader.sums(reader.daily, start, end, measures, True)
