"""Data health (issue 17, item 5): freshness against the schedule, completeness against what a source usually
delivers, the quarantine rate over recent runs and the overlap with another collector, each with a light. Exact
values on a hand-built warehouse, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from test_loader import dossier as loader_dossier

from ioc.collecting.store import add_collector
from ioc.completeness import Completeness, Gap
from ioc.health import health
from ioc.indicators.load import load_values
from ioc.indicators.model import IndicatorValue, parse_period
from ioc.warehouse import schema
from ioc.warehouse.load import load_page

NOW = datetime(2026, 12, 2, 12, 0)
RUN = schema.CollectorRun.__table__
UNIT = schema.Unit.__table__
URL = "http://127.0.0.1:9/api/hoso"


def _run(connection, collector_id: int, finished: datetime, status: str = "succeeded", **counts: int) -> None:
    connection.execute(
        insert(RUN).values(
            collector_id=collector_id,
            mode="incremental",
            status=status,
            started_at=finished - timedelta(minutes=1),
            finished_at=finished,
            **counts,
        )
    )


def _dossier(key: str, unit: str, received: datetime):  # type: ignore[no-untyped-def]
    return loader_dossier(
        key,
        unit_code=unit,
        agency_code=f"UBND-{unit}",
        received_at=received,
        due_at=received + timedelta(days=5),
        updated=received,
    )


def _value(unit: str, month: str, value: float | None = 10.0, no_data: bool = False) -> IndicatorValue:
    return IndicatorValue("docs_outgoing", unit, "", parse_period(month), value, no_data=no_data)


@pytest.fixture
def sources(warehouse):
    """Collectors in every state the health page tells apart."""
    with warehouse.begin() as connection:
        communes = connection.execute(select(UNIT.c.code).where(UNIT.c.level == "commune").order_by(UNIT.c.code))
        c1, c2, c3 = communes.scalars().all()[:3]

        def add(name: str, **schedule) -> int:  # type: ignore[no-untyped-def]
            return add_collector(connection, name, "dossier-sync", URL, actor="test", **schedule).id

        _run(connection, add("fresh", every="1h"), NOW - timedelta(minutes=30), inserted=199, rejected=1)
        _run(connection, add("late", every="1h"), NOW - timedelta(hours=1, minutes=48))
        stale = add("stale", every="1h")
        _run(connection, stale, NOW - timedelta(hours=5), inserted=10)
        _run(connection, stale, NOW - timedelta(hours=1), status="failed")
        add("never", every="1h")
        _run(connection, add("daily", cron="0 6 * * *"), datetime(2026, 12, 1, 6, 5))
        _run(connection, add("rejects", every="1h"), NOW - timedelta(minutes=10), inserted=85, updated=5, rejected=10)
        add("disabled", every="1h", enabled=False)

        gap = add("gap")
        _run(connection, gap, NOW - timedelta(hours=2), inserted=11)
        weeks = [NOW - timedelta(days=1 + 7 * n) for n in range(4)]  # the current period, then three before it
        records = [_dossier(f"g-{unit}-{n}", unit, day) for n, day in enumerate(weeks) for unit in (c1, c2, c3)]
        load_page(
            connection,
            gap,
            None,
            [r for r in records if not (r.unit_code == c3 and r.received_at == weeks[0])],
            [],
            NOW,
        )

        first, second = add("first"), add("second")
        _run(connection, first, NOW - timedelta(hours=3), inserted=5)
        _run(connection, second, NOW - timedelta(hours=3), inserted=2)
        week_ago = NOW - timedelta(days=3)
        load_page(connection, first, None, [_dossier(f"o-{n}", c1, week_ago) for n in range(5)], [], NOW)
        load_page(connection, second, None, [_dossier(f"o-{n}", c1, week_ago) for n in range(2)], [], NOW)

        reports = add("reports")
        _run(connection, reports, NOW - timedelta(hours=4), inserted=12)
        months = ("2026-08", "2026-09", "2026-10", "2026-11")
        values = [_value(c1, month) for month in months]
        values += [_value(c2, month) for month in months[:3]] + [_value(c2, "2026-11", None, no_data=True)]
        values += [_value(c3, month) for month in months[1:]]  # too short a history to be expected
        load_values(connection, reports, None, values, NOW)
    return warehouse, (c1, c2, c3)


def _lights(found) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return {
        source.collector: (
            source.freshness.light,
            source.completeness_light,
            source.quarantine.light,
            source.overlap.light,
            source.light,
        )
        for source in found
    }


def test_every_source_gets_four_lights_and_the_worst_overall(sources):
    engine, _ = sources
    with engine.connect() as connection:
        found = health(connection, NOW)
    #                freshness completeness quarantine overlap  overall
    assert _lights(found) == {
        "daily": ("amber", "none", "none", "none", "amber"),  # 06:00 today passed without a success
        "disabled": ("none", "none", "none", "none", "none"),
        "first": ("none", "none", "green", "amber", "amber"),  # 2 of its 5 dossiers: 40 %
        "fresh": ("green", "none", "green", "none", "green"),
        "gap": ("none", "red", "green", "green", "red"),
        "late": ("amber", "none", "none", "none", "amber"),
        "never": ("red", "none", "none", "none", "red"),
        "rejects": ("green", "none", "red", "none", "red"),
        "reports": ("none", "red", "green", "none", "red"),
        "second": ("none", "none", "green", "red", "red"),  # all of its 2 dossiers
        "stale": ("red", "none", "green", "none", "red"),
    }


def test_freshness_is_the_last_success_and_its_age(sources):
    engine, _ = sources
    with engine.connect() as connection:
        found = {source.collector: source.freshness for source in health(connection, NOW)}
    assert (found["fresh"].last_success, found["fresh"].age_hours) == (NOW - timedelta(minutes=30), 0.5)
    assert (found["late"].age_hours, found["stale"].age_hours, found["daily"].age_hours) == (1.8, 5.0, 29.9)
    assert (found["never"].last_success, found["never"].age_hours) == (None, None)


def test_the_quarantine_rate_is_rejected_over_loaded_and_rejected(sources):
    engine, _ = sources
    with engine.connect() as connection:
        found = {source.collector: source.quarantine for source in health(connection, NOW)}
    assert (found["rejects"].loaded, found["rejects"].rejected, found["rejects"].rate) == (90, 10, 10.0)
    assert (found["fresh"].rate, found["fresh"].light) == (0.5, "green")
    assert (found["stale"].runs, found["stale"].rate) == (2, 0.0)
    assert (found["never"].runs, found["never"].rate) == (0, None)


def test_a_backfill_over_loaded_days_counts_its_unchanged_records_as_read(warehouse):
    """A backfill reads mostly records already loaded, unchanged: 10 rejected of the 2.000 it read is 0,5 %, not 10 of
    the 10 it neither inserted nor updated (100 %, red)."""
    with warehouse.begin() as connection:
        backfill = add_collector(connection, "backfill", "dossier-sync", URL, actor="test", every="1h").id
        _run(connection, backfill, NOW - timedelta(minutes=10), unchanged=1990, rejected=10)
    with warehouse.connect() as connection:
        [source] = health(connection, NOW)
    quarantine = source.quarantine
    assert (quarantine.runs, quarantine.loaded, quarantine.rejected, quarantine.rate) == (1, 1990, 10, 0.5)
    assert quarantine.light == "green"


def test_completeness_finds_the_commune_missing_this_week_and_the_cell_missing_this_month(sources):
    engine, (_c1, c2, c3) = sources
    with engine.connect() as connection:
        found = {source.collector: source.completeness for source in health(connection, NOW)}
    week = (NOW - timedelta(days=7)).date()
    assert found["gap"] == Completeness(6, 2, (Gap(c3, "", None, week), Gap("", f"UBND-{c3}", None, week)))
    assert found["reports"] == Completeness(2, 1, (Gap(c2, "", "docs_outgoing", date(2026, 11, 1)),))
    assert found["first"] == Completeness(0, 0, ())  # one week of history: nothing is expected yet


def test_overlap_is_the_share_of_its_dossiers_another_collector_also_delivers(sources):
    engine, _ = sources
    with engine.connect() as connection:
        found = {source.collector: source.overlap for source in health(connection, NOW)}
    assert (found["first"].dossiers, found["first"].shared, found["first"].share) == (5, {"second": 2}, 40.0)
    assert (found["second"].dossiers, found["second"].shared, found["second"].share) == (2, {"first": 2}, 100.0)
    assert (found["gap"].shared, found["gap"].share, found["gap"].light) == ({}, 0.0, "green")
