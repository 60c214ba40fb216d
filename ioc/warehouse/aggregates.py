"""The aggregates of ``dossier`` (by day, by month and over all time; see :data:`GRAINS`), kept by the loader in the
page's transaction.

The counting rules are ``ioc.dossiers.events``, applied set-based in SQL (:mod:`ioc.warehouse.counting`) to the dossiers
a page writes: before a page changes known dossiers their old contributions are subtracted, and the contributions of
every dossier it writes are added, both as additive upserts. So the aggregates always equal a recount of ``dossier``
(``tests/test_aggregates.py``): of its counted rows (:func:`counted_dossiers`), one per source key, whichever collector
brought it. :func:`tally` counts the same in Python, one dossier at a time: the reference the SQL is tested against
(``tests/test_counting.py``), used by no loader or recount.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select, Table, inspect, select, update

from ioc.config import now_local
from ioc.dossiers.events import MEASURES, DossierState, events
from ioc.warehouse import counting, schema

DOSSIER = schema.Dossier.__table__
DATA_VERSION = schema.DataVersion.__table__
#: The dimensions of a dossier the aggregates are keyed by, in :data:`STATE_COLUMNS` order.
DIMENSIONS = counting.DIMENSIONS
#: The dossier columns the counts read (the dimensions, then the state), in the order :func:`tally` takes them.
STATE_COLUMNS = counting.STATE_COLUMNS
_MEASURE_INDEX = {measure: i for i, measure in enumerate(MEASURES)}


@dataclass(frozen=True)
class Grain:
    """One aggregate table: its bucket (``day``, ``month`` or None for all time) and its key columns."""

    table: Table
    bucket: str | None
    keys: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        return [*([self.bucket] if self.bucket else []), *self.keys]

    def covers(self, dimensions: set[str]) -> bool:
        return dimensions <= set(self.keys)


def _grain(table: Table) -> Grain:
    bucket = next((name for name in ("day", "month") if name in table.c), None)
    return Grain(table, bucket, tuple(column for column in DIMENSIONS if column in table.c))


#: Every aggregate the loader keeps, smallest first within each bucket (queries take the first that covers them).
GRAINS = tuple(
    _grain(table)
    for table in (
        schema.DOSSIER_DAILY_AGENCY,
        schema.DOSSIER_DAILY_FIELD,
        schema.DOSSIER_DAILY,
        schema.DOSSIER_MONTHLY_AGENCY,
        schema.DOSSIER_MONTHLY_FIELD,
        schema.DOSSIER_MONTHLY,
        schema.DOSSIER_TOTAL_AGENCY,
        schema.DOSSIER_TOTAL,
    )
)

#: Counts per grain: (bucket value or None, key values) → one count per measure.
Counts = dict[Grain, dict[tuple, list[int]]]


def new_counts() -> Counts:
    return {grain: {} for grain in GRAINS}


def state_of(record: Any) -> tuple:
    """A dossier's :data:`STATE_COLUMNS` values from an object with those attributes (a ``DossierRecord``)."""
    return tuple(getattr(record, column) for column in STATE_COLUMNS)


_PLAN = tuple((grain, grain.bucket, itemgetter(*(DIMENSIONS.index(k) for k in grain.keys))) for grain in GRAINS)


def tally(states: Iterable[Sequence], sign: int, counts: Counts, only_days: tuple[date, date] | None = None) -> None:
    """Add ``sign`` × each dossier's contributions (rows in :data:`STATE_COLUMNS` order) to ``counts``, keyed by
    (bucket value or None, key values); with ``only_days`` (first, after the last), only the events of those days."""
    width = len(MEASURES)
    index_of = _MEASURE_INDEX
    plan = [(counts[grain], bucket, key_of) for grain, bucket, key_of in _PLAN]
    months: dict[date, date] = {}
    for unit, agency, field, procedure, channel, applicant, status, received, due, finished, paid, digitised in states:
        by_day: dict[date, list[int]] = {}
        for day, measure in events(DossierState(status, channel, received, due, finished, paid, bool(digitised))):
            by_day.setdefault(day, []).append(index_of[measure])
        if only_days is not None:
            first, after = only_days
            by_day = {day: indexes for day, indexes in by_day.items() if first <= day < after}
        if not by_day:
            continue
        dims = (unit, agency or "", field or "", procedure or "", channel or 0, applicant or 0)
        for table_counts, bucket, key_of in plan:
            values = key_of(dims)
            for day, indexes in by_day.items():
                if bucket == "day":
                    key = (day, values)
                elif bucket == "month":
                    month = months.get(day)
                    if month is None:
                        month = months[day] = day.replace(day=1)
                    key = (month, values)
                else:
                    key = (None, values)
                row = table_counts.get(key)
                if row is None:
                    row = table_counts[key] = [0] * width
                for index in indexes:
                    row[index] += sign


def add_states(connection: Connection, out_states: Sequence[Sequence], in_states: Sequence[Sequence]) -> None:
    """Take the counts of ``out_states`` out of every aggregate and add those of ``in_states`` (rows in
    :data:`STATE_COLUMNS` order), set-based in SQL (:mod:`ioc.warehouse.counting`)."""
    signed = [*((-1, state) for state in out_states), *((1, state) for state in in_states)]
    counting.add_states(connection, signed, GRAINS)


def bump_version(connection: Connection, now: datetime) -> None:
    """Mark the warehouse's data as changed (cached KPI answers keyed by the old version are stale)."""
    changed = connection.execute(
        update(DATA_VERSION).where(DATA_VERSION.c.id == 1).values(version=DATA_VERSION.c.version + 1, updated_at=now)
    )
    if changed.rowcount == 0:
        connection.execute(DATA_VERSION.insert().values(id=1, version=1, updated_at=now))


def data_version(connection: Connection) -> tuple[int, datetime | None]:
    """The current data version (0 before any load) and when it last changed."""
    row = connection.execute(select(DATA_VERSION.c.version, DATA_VERSION.c.updated_at)).first()
    return (row[0], row[1]) if row else (0, None)


def counted_dossiers(*columns: Any) -> Select:
    """``SELECT columns FROM dossier`` over the rows the figures count: one per source key (``dossier.counted``).

    The one place that says which rows count; every reader of ``dossier`` for figures starts here."""
    return select(*columns).select_from(DOSSIER).where(DOSSIER.c.counted)


def rebuild(connection: Connection, only: Collection[str] | None = None) -> None:
    """Recount aggregates from the counted dossiers in the caller's transaction (after a migration), set-based in SQL
    a few months at a time: those whose tables are named in ``only``, by default every one whose table exists (a
    migration runs before later ones create theirs). ``ioc warehouse rebuild`` does the same with a transaction per
    span of months (:mod:`ioc.warehouse.recount`)."""
    existing = set(inspect(connection).get_table_names())
    chosen = [g for g in GRAINS if (g.table.name in only if only is not None else g.table.name in existing)]
    if any(column["name"] == "counted" for column in inspect(connection).get_columns(DOSSIER.name)):
        _recount(connection, chosen, existing)
    else:
        _rebuild_every_row(connection, chosen, existing)
    bump_version(connection, now_local())


def _recount(
    connection: Connection, chosen: Sequence[Grain], existing: Collection[str], every_row: bool = False
) -> None:
    from ioc.warehouse import recount  # recount builds on this module

    recount.rebuild_in(connection, chosen, existing, every_row)


def _rebuild_every_row(
    connection: Connection, chosen: Sequence[Grain], existing: Collection[str] | None = None
) -> None:
    """The recount of migrations before 0007 (which adds ``dossier.counted``): every row counted then."""
    existing = set(inspect(connection).get_table_names()) if existing is None else existing
    _recount(connection, chosen, existing, every_row=True)
