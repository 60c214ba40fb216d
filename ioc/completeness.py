"""Whether a source delivered what it usually delivers ("đủ"): the units, agencies and indicator cells it gave in
each of the earlier periods and left empty in the current one. Counted in SQL over a bounded window, never over
the whole history.

What "expected" means:

- **Dossier sources.** Periods are :data:`DOSSIER_PERIOD_DAYS` days ending at ``now`` (by ``received_at``). A unit
  (commune or the province) or an agency is expected in the current period when the source brought dossiers
  received there in each of the :data:`EXPECTED_PERIODS` periods before it; it is missing when the current period
  has none.
- **Indicator sources.** For each period kind the source uses, its current period is the latest one it gave any
  value for (starting within :data:`HORIZON_DAYS` of today: a source that stopped altogether shows in its freshness,
  not here). A cell (indicator × unit × agency) is expected when the source gave it a value in each of the
  :data:`EXPECTED_PERIODS` periods of that kind before the current one, and missing when the current period has no
  value for it (a period marked "no data" is no value).

A source with less history than that expects nothing yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Select, and_, case, func, literal, or_, select

from ioc.indicators.model import period_of
from ioc.warehouse import schema

DOSSIER = schema.Dossier.__table__
VALUE = schema.IndicatorValue.__table__
INDICATOR = schema.Indicator.__table__
#: Length of a dossier source's period, and how many earlier periods make a unit or cell expected.
DOSSIER_PERIOD_DAYS = 7
EXPECTED_PERIODS = 3
#: How far back (days) an indicator source's latest period of each kind may start to count as its current one.
HORIZON_DAYS = {"day": 14, "month": 93, "quarter": 276, "year": 731}
#: Gaps listed by name (all are counted).
LISTED = 10


@dataclass(frozen=True)
class Gap:
    """One expected thing with nothing in the current period: a unit, an agency (``unit_code`` empty) or an
    indicator cell, and the current period's first day."""

    unit_code: str
    agency_code: str
    indicator_code: str | None
    period_start: date


@dataclass(frozen=True)
class Completeness:
    """How many things the source is expected to deliver in its current period, how many it left empty, and the
    first :data:`LISTED` of those."""

    expected: int
    missing: int
    gaps: tuple[Gap, ...]


def completeness(connection: Connection, collector_id: int, now: datetime) -> Completeness:
    """The collector's expected and missing units, agencies and indicator cells (see the module)."""
    found: list[tuple[int, list[Gap]]] = [
        _dossier_keys(connection, collector_id, now, DOSSIER.c.unit_code),
        _dossier_keys(connection, collector_id, now, DOSSIER.c.agency_code),
        *(
            _indicator_cells(connection, collector_id, kind, latest)
            for kind, latest in _latest_periods(connection, collector_id, now.date())
        ),
    ]
    gaps = [gap for _, listed in found for gap in listed]
    return Completeness(sum(expected for expected, _ in found), len(gaps), tuple(gaps[:LISTED]))


def _dossier_keys(connection: Connection, collector_id: int, now: datetime, key) -> tuple[int, list[Gap]]:  # type: ignore[no-untyped-def]
    """Units (or agencies) with dossiers in each earlier period, and those of them without any in the current one."""
    length = timedelta(days=DOSSIER_PERIOD_DAYS)
    current = now - length
    earlier = case(
        *((DOSSIER.c.received_at >= now - (n + 1) * length, n) for n in range(1, EXPECTED_PERIODS)),
        else_=EXPECTED_PERIODS,
    )
    before = func.count(func.distinct(case((DOSSIER.c.received_at < current, earlier))))
    in_current = func.max(case((DOSSIER.c.received_at >= current, 1), else_=0))
    query = (
        select(key, in_current)
        .where(
            DOSSIER.c.collector_id == collector_id,
            DOSSIER.c.received_at >= now - (EXPECTED_PERIODS + 1) * length,
            DOSSIER.c.received_at < now,
            key.is_not(None),
            key != "",
        )
        .group_by(key)
        .having(before == EXPECTED_PERIODS)
        .order_by(key)
    )
    rows = connection.execute(query).all()
    is_unit = key is DOSSIER.c.unit_code
    gaps = [
        Gap(code if is_unit else "", "" if is_unit else code, None, current.date()) for code, seen in rows if not seen
    ]
    return len(rows), gaps


def _present():  # type: ignore[no-untyped-def]
    """A value row that holds a figure."""
    return and_(VALUE.c.no_data.is_(False), or_(VALUE.c.value.is_not(None), VALUE.c.numerator.is_not(None)))


def _by_period(query: Select) -> Select:
    """``query`` over ``indicator_value`` read through the index on (indicator, kind, start), so a period window reads
    only its rows (the collector is compared as ``collector_id + 0``, which no index serves: SQLite would otherwise
    walk every value the collector ever gave)."""
    return query.where(VALUE.c.indicator_code.in_(select(INDICATOR.c.code)))


def _latest_periods(connection: Connection, collector_id: int, today: date) -> list[tuple[str, date]]:
    """Each period kind the collector gave values for within its horizon, and the latest such period's start."""
    found = []
    for kind, days in HORIZON_DAYS.items():
        query = select(func.max(VALUE.c.period_start)).where(
            VALUE.c.period_kind == kind,
            VALUE.c.period_start >= today - timedelta(days=days),
            VALUE.c.collector_id + 0 == collector_id,
            _present(),
        )
        latest = connection.execute(_by_period(query)).scalar()
        if latest is not None:
            found.append((kind, latest))
    return found


def _earlier_starts(kind: str, latest: date) -> list[date]:
    """The first days of the :data:`EXPECTED_PERIODS` periods of ``kind`` before the one starting on ``latest``."""
    starts, start = [], latest
    for _ in range(EXPECTED_PERIODS):
        start = period_of(kind, start - timedelta(days=1)).start
        starts.append(start)
    return starts


def _indicator_cells(connection: Connection, collector_id: int, kind: str, latest: date) -> tuple[int, list[Gap]]:
    """Cells with a value in each earlier period of ``kind``, and those of them without one in the latest."""
    earlier = _earlier_starts(kind, latest)
    present = _present()
    before = func.count(func.distinct(case((and_(present, VALUE.c.period_start.in_(earlier)), VALUE.c.period_start))))
    in_current = func.max(case((and_(present, VALUE.c.period_start == latest), 1), else_=0))
    keys = (VALUE.c.indicator_code, VALUE.c.unit_code, VALUE.c.agency_code)
    query = (
        select(*keys, in_current)
        .where(
            VALUE.c.period_kind == kind,
            VALUE.c.period_start >= earlier[-1],
            VALUE.c.period_start <= latest,
            VALUE.c.collector_id + 0 == collector_id,
        )
        .group_by(*keys)
        .having(before == literal(EXPECTED_PERIODS))
        .order_by(*keys)
    )
    rows = connection.execute(_by_period(query)).all()
    gaps = [Gap(unit, agency, indicator, latest) for indicator, unit, agency, seen in rows if not seen]
    return len(rows), gaps
