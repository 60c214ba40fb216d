"""Recounting the aggregates from ``dossier`` set-based in SQL (:mod:`ioc.warehouse.counting`), a few months at a
time (:data:`SPAN_MONTHS`): :func:`check` compares every aggregate with the recount, :func:`rebuild` replaces them with
it. Nothing is tallied in Python, so memory holds no counts: the database sums them, in its own bounded caches.

A dossier adds events on its received, finished and due days and the later of due and finished
(``ioc.dossiers.events``), so the day and month rows of a span of months are a recount of the dossiers with one of those
dates in the span, keeping only the span's events. The all-time tables are the sums of the monthly ones with the
same keys. The months visited are those holding a dossier's date or a stored row, so rows in a month without
dossiers are found (and removed) too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    union_all,
)

from ioc.config import now_local
from ioc.dossiers.events import MEASURES
from ioc.warehouse import counting
from ioc.warehouse.access import database_errors, transaction
from ioc.warehouse.aggregates import DOSSIER, GRAINS, Grain, bump_version, counted_dossiers
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
#: Months recounted per pass over ``dossier``. Measured in ``tests/benchmarks/bench_repair.py``.
SPAN_MONTHS = 6
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


def _counting(every_row: bool) -> list[ColumnElement[bool]]:
    """The rows of ``dossier`` a recount counts: the counted ones (``aggregates.counted_dossiers``), or (before
    migration 0007) every row."""
    return [] if every_row else [counted_dossiers().whereclause]


def months(connection: Connection, existing: Iterable[str] | None = None, every_row: bool = False) -> list[date]:
    """The months holding a counted dossier's date or a stored row (first days, in order): one scan per date
    column and one per dated table, so that a stray far-off date costs nothing."""
    found: set[str] = set()
    for name in DATES:
        month = month_text(connection, DOSSIER.c[name])
        query = select(month).where(*_counting(every_row), DOSSIER.c[name].is_not(None)).distinct()
        found.update(connection.execute(query).scalars())
    for grain in _dated(existing):
        month = month_text(connection, grain.table.c[grain.bucket])
        found.update(connection.execute(select(month).distinct()).scalars())
    return sorted(date(int(text[:4]), int(text[5:7]), 1) for text in found if text)


def recount_span(connection: Connection, span: Span, every_row: bool = False) -> None:
    """Sum the events in ``span`` of the counted dossiers with a date in it into ``counting.DELTA``: the dossiers
    staged in one scan of ``dossier`` (``due_at`` has no index), their events summed from there."""
    start, end = (datetime.combine(day, time()) for day in span)
    in_span = or_(*(and_(DOSSIER.c[name] >= start, DOSSIER.c[name] < end) for name in DATES))
    source = counting.dossier_source(DOSSIER, *_counting(every_row), in_span)
    counting.sum_events(connection, counting.staged(connection, source), days=span)


def _in_span(grain: Grain, span: Span):  # type: ignore[no-untyped-def]
    column = grain.table.c[grain.bucket]
    return and_(column >= span[0], column < span[1])


def _differing(grain: Grain, recounted: Table, span: Span | None) -> CompoundSelect:
    """The keys of ``grain`` (in ``span``) whose measures differ from the recount in ``recounted`` (a temporary table
    with the same key), rows of zeros being no rows: ``stored_m`` and ``recounted_m`` for each measure. A full outer
    join as two index joins, one from each side, the same on both engines."""
    stored, counted = grain.table, recounted
    same_key = and_(*(stored.c[c] == counted.c[c] for c in grain.columns))
    kept = [func.coalesce(stored.c[m], 0) for m in MEASURES]
    from_recount = (
        select(
            *(counted.c[c] for c in grain.columns),
            *(value.label(f"stored_{m}") for value, m in zip(kept, MEASURES, strict=True)),
            *(counted.c[m].label(f"recounted_{m}") for m in MEASURES),
        )
        .select_from(counted.outerjoin(stored, same_key))
        .where(or_(*(value != counted.c[m] for value, m in zip(kept, MEASURES, strict=True))))
    )
    only_stored = (
        select(
            *(stored.c[c] for c in grain.columns),
            *(stored.c[m].label(f"stored_{m}") for m in MEASURES),
            *(literal_column("0").label(f"recounted_{m}") for m in MEASURES),
        )
        .where(~select(literal_column("1")).select_from(counted).where(same_key).exists())
        .where(or_(*(stored.c[m] != 0 for m in MEASURES)))
    )
    if span is not None:
        only_stored = only_stored.where(_in_span(grain, span))
    return union_all(from_recount, only_stored)


def _compare(connection: Connection, report: CheckReport, grain: Grain, recounted: Table, span: Span | None) -> None:
    """Add the differences between a table's stored rows and their recount to ``report``: counted in SQL, the first
    ones (by key) listed."""
    dialect = connection.dialect.name
    differing = _differing(grain, recounted, span).subquery("differing")
    d = differing.c
    cells = [func.sum(case((d[f"stored_{m}"] != d[f"recounted_{m}"], 1), else_=0)) for m in MEASURES]
    extra = and_(*(d[f"recounted_{m}"] == 0 for m in MEASURES))
    missing = and_(*(d[f"stored_{m}"] == 0 for m in MEASURES))
    summary = select(
        func.count(),
        func.sum(case((extra, 1), else_=0)),
        func.sum(case((and_(missing, ~extra), 1), else_=0)),
        *cells,
    ).select_from(differing)
    rows, extras, missings, *by_measure = connection.execute(summary).one()
    if not rows:
        return
    report.extra_rows += extras
    report.missing_rows += missings
    found = sum(by_measure)
    report.cells += found
    report.by_table[grain.table.name] = report.by_table.get(grain.table.name, 0) + found
    room = report.limit - len(report.differences)
    if room <= 0:
        return
    order = [
        d[c].collate("C") if dialect == "postgresql" and isinstance(d[c].type, String) else d[c] for c in grain.columns
    ]  # the order of Python's tuples, not the server's collation
    width = len(grain.columns)
    listed = select(differing).order_by(*order).limit(room)
    for row in connection.execute(listed):
        key, was, should = tuple(row[:width]), row[width : width + len(MEASURES)], row[width + len(MEASURES) :]
        for measure, kept, counted in zip(MEASURES, was, should, strict=True):
            if kept != counted and len(report.differences) < report.limit:
                report.differences.append(Difference(grain.table.name, key, measure, kept, counted))


_TEMPORARY = MetaData()
#: Each aggregate recounted by a check (temporary tables of the connection, keyed as the aggregate): a dated one for
#: the span at hand, an all-time one summed over every span.
RECOUNTED = {
    grain: Grain(
        Table(
            f"ioc_recount_{grain.table.name}",
            _TEMPORARY,
            *(Column(c.name, c.type, primary_key=True) for c in grain.table.c if c.name in grain.columns),
            *(Column(m, grain.table.c[m].type, nullable=False) for m in MEASURES),
            prefixes=["TEMPORARY"],
            postgresql_on_commit="DELETE ROWS",
        ),
        grain.bucket,
        grain.keys,
    )
    for grain in GRAINS
}


def _repeatable(connection: Connection) -> Connection:
    """One snapshot for the whole check: loads committing meanwhile cannot show as differences."""
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ")
    return connection  # SQLite: a read transaction in WAL mode reads one snapshot


def check(
    engine: Engine, limit: int = LISTED, on_month: MonthCallback | None = None, span_months: int = SPAN_MONTHS
) -> CheckReport:
    """Compare every aggregate with a recount of the counted dossiers, in one read transaction: each span recounted
    into ``counting.DELTA`` and each dated table compared with its roll-up, the all-time ones with the sums of every
    span's, all in SQL."""
    report = CheckReport(limit=limit)
    with database_errors(engine), engine.connect() as plain:
        connection = _repeatable(plain)
        dialect = connection.dialect.name
        chosen = months(connection)
        for recounted in RECOUNTED.values():
            counting.empty_temporary(connection, recounted.table)
        if on_month is not None:
            on_month(None, len(chosen))
        for span, run in spans(chosen, span_months):
            recount_span(connection, span)
            for grain in DATED:
                recounted = RECOUNTED[grain].table
                connection.execute(delete(recounted))
                rows = counting.rolled_up(dialect, grain)
                connection.execute(insert(recounted).from_select([*grain.columns, *MEASURES], rows))
                _compare(connection, report, grain, recounted, span)
            counting.add_delta(connection, [RECOUNTED[grain] for grain in TOTAL_SOURCES])
            report.months += len(run)
            for month in run if on_month is not None else ():
                on_month(month, len(chosen))
        for grain in TOTAL_SOURCES:
            _compare(connection, report, grain, RECOUNTED[grain].table, None)
        connection.rollback()
    return report


def _replace_span(connection: Connection, span: Span, grains: Sequence[Grain], every_row: bool = False) -> int:
    """The span's rows of ``grains`` replaced by their recount; how many rows there are now."""
    for grain in grains:
        connection.execute(delete(grain.table).where(_in_span(grain, span)))
    recount_span(connection, span, every_row)
    counting.add_delta(connection, grains)
    counts = [select(func.count()).select_from(g.table).where(_in_span(g, span)).scalar_subquery() for g in grains]
    return sum(connection.execute(select(*counts)).one()) if counts else 0


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


def rebuild_in(
    connection: Connection, grains: Sequence[Grain], existing: Iterable[str], every_row: bool = False
) -> None:
    """Recount ``grains`` in the caller's transaction (a migration's), a span at a time; ``every_row`` counts every
    row of ``dossier`` (schemas before ``dossier.counted``). An all-time table is summed from its monthly one, so
    choosing it recounts that one too."""
    existing = set(existing)
    totals = [g for g in grains if g.bucket is None]
    dated = [g for g in DATED if g in grains or any(TOTAL_SOURCES[t] is g for t in totals)]
    for span, _ in spans(months(connection, existing, every_row), SPAN_MONTHS):
        _replace_span(connection, span, dated, every_row)
    _replace_totals(connection, totals)


def _hold_writers(connection: Connection) -> None:
    """Keep loaders out while a span is recounted: SQLite's write lock is taken by the transaction's BEGIN IMMEDIATE;
    PostgreSQL's readers go on, writers of ``dossier`` wait."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE dossier IN SHARE MODE"))


def rebuild(engine: Engine, on_month: MonthCallback | None = None, span_months: int = SPAN_MONTHS) -> RebuildReport:
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
            rows += _replace_span(connection, span, DATED)
            bump_version(connection, now_local())
        for month in run if on_month is not None else ():
            on_month(month, len(chosen))
    with transaction(engine) as connection:
        _hold_writers(connection)
        rows += _replace_totals(connection, TOTAL_SOURCES)
        bump_version(connection, now_local())
    return RebuildReport(months=len(chosen), rows=rows)
