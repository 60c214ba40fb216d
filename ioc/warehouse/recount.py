"""Recounting the aggregates from ``dossier`` a few months at a time (:data:`SPAN_MONTHS`), in memory bounded by
those months' counts: :func:`check` compares every aggregate with the recount, :func:`rebuild` replaces them with it.

A dossier adds events on its received, finished and due days and the later of due and finished
(``ioc.kpi.events``), so the day and month rows of a span of months are a recount of the dossiers with one of those
dates in the span, keeping only the span's events. The all-time tables are the sums of the monthly ones with the
same keys. The months visited are those holding a dossier's date or a stored row, so rows in a month without
dossiers are found (and removed) too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, text

from ioc.config import now_local
from ioc.kpi.events import MEASURES
from ioc.warehouse.access import database_errors, transaction
from ioc.warehouse.aggregates import (
    DOSSIER,
    GRAINS,
    STATE_COLUMNS,
    Counts,
    Grain,
    apply,
    bump_version,
    counted_dossiers,
    new_counts,
    tally,
)
from ioc.warehouse.dialect import month_text

#: The dated aggregates (by day and by month), recounted a span of months at a time.
DATED = tuple(grain for grain in GRAINS if grain.bucket)
#: Each all-time aggregate and the monthly one it sums (the same keys).
TOTAL_SOURCES = {
    grain: next(g for g in GRAINS if g.bucket == "month" and g.keys == grain.keys)
    for grain in GRAINS
    if grain.bucket is None
}
DATES = ("received_at", "finished_at", "due_at")
BATCH = 20_000
#: Months recounted per pass over ``dossier`` (a pass reads the whole table: ``due_at`` has no index); memory holds
#: their counts. Measured in ``tests/benchmarks/bench_repair.py``.
SPAN_MONTHS = 3
#: Told before the first month (None) and after each: the month done and how many months there are.
MonthCallback = Callable[[date | None, int], None]
#: Differences a check lists by default (all are counted).
LISTED = 50


@dataclass(frozen=True)
class Difference:
    """One aggregate cell that differs from the recount (``stored`` 0 for a missing row, ``recounted`` 0 for an
    extra one)."""

    table: str
    key: tuple
    measure: str
    stored: int
    recounted: int


@dataclass
class CheckReport:
    """What :func:`check` found: the first differences, and how many in all."""

    months: int = 0
    differences: list[Difference] = field(default_factory=list)
    cells: int = 0
    missing_rows: int = 0
    extra_rows: int = 0
    by_table: dict[str, int] = field(default_factory=dict)
    limit: int = LISTED

    @property
    def clean(self) -> bool:
        return self.cells == 0

    def compare(self, table: str, stored: dict[tuple, Sequence[int]], recounted: dict[tuple, Sequence[int]]) -> None:
        """Add the differences between a table's stored rows and their recount (rows of zeros are no rows)."""
        zeros = (0,) * len(MEASURES)
        differing = [
            key
            for key in stored.keys() | recounted.keys()
            if tuple(stored.get(key, zeros)) != tuple(recounted.get(key, zeros))
        ]
        for key in sorted(differing):
            kept, counted = tuple(stored.get(key, zeros)), tuple(recounted.get(key, zeros))
            if not any(counted):
                self.extra_rows += 1
            elif not any(kept):
                self.missing_rows += 1
            for measure, was, should in zip(MEASURES, kept, counted, strict=True):
                if was != should:
                    self.cells += 1
                    self.by_table[table] = self.by_table.get(table, 0) + 1
                    if len(self.differences) < self.limit:
                        self.differences.append(Difference(table, key, measure, was, should))


@dataclass(frozen=True)
class RebuildReport:
    months: int
    rows: int


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


#: A run of months: the first day of the first, the first day after the last.
Span = tuple[date, date]


def spans(chosen: Sequence[date], size: int) -> list[tuple[Span, list[date]]]:
    """The chosen months in runs of up to ``size``, each with its span (months between hold nothing to count)."""
    runs = [list(chosen[i : i + size]) for i in range(0, len(chosen), size)]
    return [((run[0], month_after(run[-1])), run) for run in runs]


def _dated(existing: Iterable[str] | None) -> list[Grain]:
    return [g for g in DATED if existing is None or g.table.name in existing]


def months(connection: Connection, existing: Iterable[str] | None = None) -> list[date]:
    """The months holding a counted dossier's date or a stored row (first days, in order): one scan per date
    column and one per dated table, so that a stray far-off date costs nothing."""
    found: set[str] = set()
    for name in DATES:
        month = month_text(connection, DOSSIER.c[name])
        found.update(
            connection.execute(counted_dossiers(month).where(DOSSIER.c[name].is_not(None)).distinct()).scalars()
        )
    for grain in _dated(existing):
        month = month_text(connection, grain.table.c[grain.bucket])
        found.update(connection.execute(select(month).distinct()).scalars())
    return sorted(date(int(text[:4]), int(text[5:7]), 1) for text in found if text)


def recount_span(connection: Connection, span: Span, batch: int = BATCH) -> Counts:
    """Every aggregate's counts of the events in ``span``, from the counted dossiers with a date in it."""
    start, end = (datetime.combine(day, time()) for day in span)
    in_month = [and_(DOSSIER.c[name] >= start, DOSSIER.c[name] < end) for name in DATES]
    query = counted_dossiers(*(DOSSIER.c[name] for name in STATE_COLUMNS)).where(or_(*in_month))
    counts = new_counts()
    for rows in connection.execute(query.execution_options(yield_per=batch)).partitions():
        tally(rows, 1, counts, only_days=span)
    return counts


def _in_span(grain: Grain, span: Span):  # type: ignore[no-untyped-def]
    column = grain.table.c[grain.bucket]
    return and_(column >= span[0], column < span[1])


def _flat(grain: Grain, counts: Counts) -> dict[tuple, list[int]]:
    return {((bucket, *values) if grain.bucket else values): row for (bucket, values), row in counts[grain].items()}


def _stored(connection: Connection, grain: Grain, span: Span | None) -> dict[tuple, tuple]:
    table = grain.table
    width = len(grain.columns)
    query = select(*(table.c[name] for name in grain.columns), *(table.c[m] for m in MEASURES))
    if span is not None:
        query = query.where(_in_span(grain, span))
    return {tuple(row[:width]): tuple(row[width:]) for row in connection.execute(query)}


def _repeatable(connection: Connection) -> Connection:
    """One snapshot for the whole check: loads committing meanwhile cannot show as differences."""
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ")
    return connection  # SQLite: a read transaction in WAL mode reads one snapshot


def check(
    engine: Engine,
    limit: int = LISTED,
    on_month: MonthCallback | None = None,
    batch: int = BATCH,
    span_months: int = SPAN_MONTHS,
) -> CheckReport:
    """Compare every aggregate with a recount of the counted dossiers, in one read transaction."""
    report = CheckReport(limit=limit)
    totals: dict[Grain, dict[tuple, list[int]]] = {grain: {} for grain in TOTAL_SOURCES}
    with database_errors(engine), engine.connect() as plain:
        connection = _repeatable(plain)
        chosen = months(connection)
        if on_month is not None:
            on_month(None, len(chosen))
        for span, run in spans(chosen, span_months):
            counts = recount_span(connection, span, batch)
            for grain in DATED:
                report.compare(grain.table.name, _stored(connection, grain, span), _flat(grain, counts))
            for grain, summed in totals.items():
                for key, row in _flat(grain, counts).items():
                    into = summed.setdefault(key, [0] * len(MEASURES))
                    for i, value in enumerate(row):
                        into[i] += value
            report.months += len(run)
            for month in run if on_month is not None else ():
                on_month(month, len(chosen))
        for grain, summed in totals.items():
            report.compare(grain.table.name, _stored(connection, grain, None), summed)
        connection.rollback()
    return report


def _replace_span(connection: Connection, span: Span, grains: Sequence[Grain], batch: int) -> int:
    counts = recount_span(connection, span, batch)
    for grain in grains:
        connection.execute(delete(grain.table).where(_in_span(grain, span)))
    apply(connection, {grain: counts[grain] for grain in grains})
    return sum(sum(1 for row in counts[grain].values() if any(row)) for grain in grains)


def _replace_totals(connection: Connection, totals: Iterable[Grain]) -> int:
    """Each all-time table replaced by the sums of its monthly table."""
    rows = 0
    for grain in totals:
        monthly = TOTAL_SOURCES[grain].table
        keys = [monthly.c[name] for name in grain.keys]
        sums = [func.sum(monthly.c[m]) for m in MEASURES]
        summed = select(*keys, *sums).group_by(*keys).having(or_(*(total != 0 for total in sums)))
        connection.execute(delete(grain.table))
        result = connection.execute(insert(grain.table).from_select([*grain.keys, *MEASURES], summed))
        rows += max(result.rowcount or 0, 0)
    return rows


def rebuild_in(connection: Connection, grains: Sequence[Grain], existing: Iterable[str], batch: int = BATCH) -> None:
    """Recount ``grains`` in the caller's transaction (a migration's), a span at a time. An all-time table is summed
    from its monthly one, so choosing it recounts that one too."""
    existing = set(existing)
    totals = [g for g in grains if g.bucket is None]
    dated = [g for g in DATED if g in grains or any(TOTAL_SOURCES[t] is g for t in totals)]
    for span, _ in spans(months(connection, existing), SPAN_MONTHS):
        _replace_span(connection, span, dated, batch)
    _replace_totals(connection, totals)


def _hold_writers(connection: Connection) -> None:
    """Keep loaders out while a span is recounted: SQLite's write lock is taken by the transaction's BEGIN IMMEDIATE;
    PostgreSQL's readers go on, writers of ``dossier`` wait."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE dossier IN SHARE MODE"))


def rebuild(
    engine: Engine, on_month: MonthCallback | None = None, batch: int = BATCH, span_months: int = SPAN_MONTHS
) -> RebuildReport:
    """Recount every aggregate in place: each span of months replaced in a transaction of its own (readers see a
    month old or recounted, never half of it; loaders wait for one span at most), then the all-time tables in one
    last transaction. Each transaction bumps the data version. A month that loads bring meanwhile is counted by
    them, and right: it held nothing before."""
    with transaction(engine) as connection:
        chosen = months(connection)
    if on_month is not None:
        on_month(None, len(chosen))
    rows = 0
    for span, run in spans(chosen, span_months):
        with transaction(engine) as connection:
            _hold_writers(connection)
            rows += _replace_span(connection, span, DATED, batch)
            bump_version(connection, now_local())
        for month in run if on_month is not None else ():
            on_month(month, len(chosen))
    with transaction(engine) as connection:
        _hold_writers(connection)
        rows += _replace_totals(connection, TOTAL_SOURCES)
        bump_version(connection, now_local())
    return RebuildReport(months=len(chosen), rows=rows)
