"""The counting rules of :mod:`ioc.dossiers.events` as SQL: aggregates changed by ``INSERT … SELECT … GROUP BY …
ON CONFLICT DO UPDATE``, set-based, on SQLite and PostgreSQL alike.

``ioc.dossiers.events`` says which measures a dossier adds to which day; this module says the same in SQL, and
``tests/test_counting.py`` checks the two agree on every edge case of the rules. A dossier counts on up to four days
(its reception, its finish, its due day and the later of due and finish), so its events are the union of four
selects of the source, one per day. They are summed at the finest grain into a temporary table (:data:`DELTA`),
and every aggregate is a ``GROUP BY`` of that table added to its stored rows.

A source is any selectable with the columns of ``aggregates.STATE_COLUMNS`` and a ``sign`` (+1 to add a dossier's
counts, −1 to take them out): the page's old and new states staged in :data:`STAGE` (:func:`add_states`), or the
counted rows of ``dossier`` (recounts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    FromClause,
    Integer,
    MetaData,
    Select,
    SmallInteger,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.expression import Executable

from ioc.dossiers.events import MEASURES, NOT_PENDING, NOT_RECEIVED, ONLINE, RESOLVED, STOPPED
from ioc.warehouse import schema
from ioc.warehouse.dialect import copy_rows, encode_rows, insert_rows

#: The dimensions in the finest grain, which every aggregate's keys are a subset of.
DIMENSIONS = tuple(schema.AGGREGATE_KEY_TYPES)
_STATE_TYPES = {
    "status": SmallInteger(),
    "received_at": DateTime(),
    "due_at": DateTime(),
    "finished_at": DateTime(),
    "paid_online": Boolean(),
    "digitised": Boolean(),
}
_TEMPORARY = MetaData()
#: The dossier states a page adds (sign +1) and takes out (−1), staged for one statement per aggregate.
STAGE = Table(
    "ioc_count_stage",
    _TEMPORARY,
    Column("sign", SmallInteger, nullable=False),
    *(Column(name, type_) for name, type_ in schema.AGGREGATE_KEY_TYPES.items()),
    *(Column(name, type_) for name, type_ in _STATE_TYPES.items()),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DELETE ROWS",
)
#: The page's (or span's) counts at the finest grain: by day and every dimension.
DELTA = Table(
    "ioc_count_delta",
    _TEMPORARY,
    Column("day", Date, nullable=False),
    *(Column(name, type_, nullable=False) for name, type_ in schema.AGGREGATE_KEY_TYPES.items()),
    *(Column(measure, Integer, nullable=False) for measure in MEASURES),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DELETE ROWS",
)
#: The staged columns, in the order :func:`add_states` takes a state (``aggregates.STATE_COLUMNS``).
STATE_COLUMNS = (*DIMENSIONS, *_STATE_TYPES)


def _day(dialect: str, column):  # type: ignore[no-untyped-def]
    """The calendar day of a datetime column, as the aggregates' ``day`` column stores it."""
    if dialect == "postgresql":
        return cast(column, Date)
    return func.substr(column, 1, 10)  # SQLite keeps datetimes as ISO text


def _month(dialect: str, day):  # type: ignore[no-untyped-def]
    """The first day of a day's month."""
    if dialect == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.substr(day, 1, 7).concat("-01")


def _later(dialect: str, first, second):  # type: ignore[no-untyped-def]
    return func.greatest(first, second) if dialect == "postgresql" else func.max(first, second)


def _events(dialect: str, source: FromClause) -> FromClause:
    """One row per dossier and day it counts on: the day, its dimensions, and ``sign`` or 0 for each measure."""
    s = source.c
    sign = s.sign
    received, due, finished, status = s.received_at, s.due_at, s.finished_at, s.status
    received_day, due_day, finished_day = _day(dialect, received), _day(dialect, due), _day(dialect, finished)
    is_received = and_(received.is_not(None), status.not_in(NOT_RECEIVED))
    is_pending = and_(received.is_not(None), status.not_in(NOT_PENDING))
    is_resolved = status.in_(RESOLVED)
    in_time = or_(due.is_(None), finished <= due)

    def count(condition) -> object:  # type: ignore[no-untyped-def]
        return case((condition, sign), else_=0)

    def on(day, where, **measures) -> object:  # type: ignore[no-untyped-def]
        dims = [
            s.unit_code,
            func.coalesce(s.agency_code, ""),
            func.coalesce(s.field_code, ""),
            func.coalesce(s.procedure_code, ""),
            func.coalesce(s.channel, 0),
            func.coalesce(s.applicant_type, 0),
        ]
        values = [measures[m].label(m) if m in measures else literal(0).label(m) for m in MEASURES]
        return select(
            day.label("day"), *(dim.label(name) for dim, name in zip(dims, DIMENSIONS, strict=True)), *values
        ).where(where)

    by_reception = on(
        received_day,
        is_received,
        received=sign,
        online_received=count(s.channel == ONLINE),
        fee_known=count(s.paid_online.is_not(None)),
        paid_online=count(s.paid_online),
        digitised=count(s.digitised),
        pending_in=count(status.not_in(NOT_PENDING)),
    )
    by_finish = on(
        finished_day,
        and_(finished.is_not(None), or_(is_resolved, status == STOPPED, is_pending)),
        resolved=count(is_resolved),
        resolved_early=count(and_(is_resolved, due.is_not(None), finished <= due, finished_day < due_day)),
        resolved_on_time=count(and_(is_resolved, or_(due.is_(None), and_(finished <= due, finished_day >= due_day)))),
        resolved_late=count(and_(is_resolved, due.is_not(None), finished > due)),
        stopped=count(status == STOPPED),
        stopped_in_time=count(and_(status == STOPPED, in_time)),
        pending_out=count(is_pending),
    )
    by_due = on(due_day, and_(is_pending, due.is_not(None)), overdue_in=sign)
    by_later = on(
        _later(dialect, due_day, finished_day),
        and_(is_pending, due.is_not(None), finished.is_not(None)),
        overdue_out=sign,
    )
    return union_all(by_reception, by_finish, by_due, by_later).subquery("events")


_COMPILED: dict[tuple, str] = {}


def _run(connection: Connection, key: tuple, build: Callable[[], Executable]) -> None:
    """Execute the statement ``build`` makes, compiled once per dialect and ``key`` (the statements of a page are
    the same every time: building and compiling them costs more Python than SQLite's work on a small page)."""
    cache_key = (connection.dialect.name, *key)
    sql = _COMPILED.get(cache_key)
    if sql is None:
        compiled = build().compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        sql = _COMPILED[cache_key] = str(compiled)
    connection.exec_driver_sql(sql)


def empty_temporary(connection: Connection, table: Table) -> None:
    """Create the temporary table for this connection if it has none, and empty it."""
    _run(connection, ("create", table.name), lambda: CreateTable(table, if_not_exists=True))
    _run(connection, ("empty", table.name), lambda: delete(table))


def _sum_statement(dialect: str, source: FromClause, days: tuple[date, date] | None) -> Executable:
    events = _events(dialect, source)
    e = events.c
    keys = [e.day, *(e[name] for name in DIMENSIONS)]
    sums = [func.sum(e[m]) for m in MEASURES]
    query = select(*keys, *sums).group_by(*keys).having(or_(*(total != 0 for total in sums)))
    if days is not None:
        query = query.where(e.day >= literal(days[0], Date), e.day < literal(days[1], Date))
    return DELTA.insert().from_select([c.name for c in DELTA.c], query)


def sum_events(connection: Connection, source: FromClause, days: tuple[date, date] | None = None) -> None:
    """Sum ``source``'s events into :data:`DELTA` (emptied first) at the finest grain; with ``days`` (first, after the
    last) only the events of those days."""
    dialect = connection.dialect.name
    empty_temporary(connection, DELTA)
    if isinstance(source, Table) and days is None:
        _run(connection, ("sum", source.name), lambda: _sum_statement(dialect, source, None))
    else:
        connection.execute(_sum_statement(dialect, source, days))


def _add_statement(dialect: str, grain) -> Executable:  # type: ignore[no-untyped-def]
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(grain.table).from_select([*grain.columns, *MEASURES], rolled_up(dialect, grain))
    additions = {m: grain.table.c[m] + statement.excluded[m] for m in MEASURES}
    return statement.on_conflict_do_update(index_elements=grain.columns, set_=additions)


def rolled_up(dialect: str, grain) -> Select:  # type: ignore[no-untyped-def]  # grain: aggregates.Grain
    """:data:`DELTA` summed into ``grain``'s rows: its columns (bucket first), then the measures; no rows of zeros."""
    d = DELTA.c
    keys = [d[name] for name in grain.keys]
    bucket = {"day": [d.day], "month": [_month(dialect, d.day)]}.get(grain.bucket, [])
    sums = [func.sum(d[m]) for m in MEASURES]
    named = [*(column.label(grain.bucket) for column in bucket), *keys]
    query = select(*named, *(total.label(m) for total, m in zip(sums, MEASURES, strict=True)))
    query = query.where(literal(True)).having(or_(*(total != 0 for total in sums)))
    grouped = [*bucket, *keys]
    return query.group_by(*grouped) if grouped else query


def add_delta(connection: Connection, grains: Sequence) -> None:  # Sequence[aggregates.Grain]
    """Add :data:`DELTA`'s counts to each grain's aggregate: one ``INSERT … SELECT … GROUP BY … ON CONFLICT DO
    UPDATE`` per table (rows whose counts cancel out are not written)."""
    dialect = connection.dialect.name
    for grain in grains:
        _run(connection, ("add", grain.table.name), lambda grain=grain: _add_statement(dialect, grain))


def add_states(connection: Connection, signed: Sequence[tuple[int, Sequence]], grains: Sequence) -> None:
    """Add ``sign`` × the counts of each (sign, state) — a state in :data:`STATE_COLUMNS` order — to ``grains``."""
    if not signed:
        return
    empty_temporary(connection, STAGE)
    rows = [(sign, *state) for sign, state in signed]
    names = [column.name for column in STAGE.c]
    if connection.dialect.name == "postgresql":
        copy_rows(connection, STAGE, names, rows)
    else:
        insert_rows(connection, STAGE, names, encode_rows(connection.dialect.name, STAGE, names, rows))
    sum_events(connection, STAGE)
    add_delta(connection, grains)


def staged(connection: Connection, source: FromClause) -> Table:
    """``source``'s rows copied into :data:`STAGE` (emptied first), so that the four selects of their events read
    them once: a recount's source is a scan of ``dossier``."""
    empty_temporary(connection, STAGE)
    names = [column.name for column in STAGE.c]
    connection.execute(STAGE.insert().from_select(names, select(*(source.c[name] for name in names))))
    return STAGE


def dossier_source(dossier: Table, *where: ColumnElement[bool]) -> FromClause:
    """The rows of ``dossier`` matching ``where`` as a source of counts (sign +1): recounts take the counted ones
    with a date in a span; migrations before ``dossier.counted`` every row."""
    d = dossier.c
    columns = [d[name] for name in STATE_COLUMNS]
    return select(literal(1).label("sign"), *columns).where(*where).subquery("counted")
