"""A comparison is made only against a period the warehouse covers: one whose days with received dossiers are at
least half the current period's (``ioc.kpi.coverage``); otherwise there is no comparable data and no change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from ioc.brief.figures import block
from ioc.collecting.store import add_collector
from ioc.kpi.coverage import comparable, covered_days, first_covered_day
from ioc.kpi.overview import summary
from ioc.kpi.periods import Period
from ioc.kpi.query import Filters, change_rows
from ioc.warehouse.load import load_page
from tests.test_kpi_query import NOW, edge

MARCH = Period.containing(date(2025, 3, 1), "month")
FEBRUARY = Period.containing(date(2025, 2, 1), "month")


def _received(key: str, day: date, count: int = 1) -> list:
    """``count`` desk dossiers received on ``day`` at 08:00, resolved on time the same day."""
    received = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
    return [
        edge(
            f"{key}-{i}",
            received_at=received,
            due_at=received + timedelta(days=3),
            finished_at=received + timedelta(hours=2),
            status=10,
        )
        for i in range(count)
    ]


def _load(warehouse, records: list) -> None:  # type: ignore[no-untyped-def]
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "cover", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, records, [], NOW)


def test_the_rule_needs_half_the_current_periods_covered_days() -> None:
    assert comparable(current=10, previous=5) and comparable(current=10, previous=12)
    assert not comparable(current=10, previous=4)
    assert not comparable(current=1, previous=0)
    assert comparable(current=0, previous=0)  # nothing to say either way: the changes are those of zeros


def test_a_previous_period_with_too_few_covered_days_gives_no_comparison(warehouse) -> None:
    # March: 10 days with received dossiers (3 each, 30 in all); February: 4 days (one each).
    march = [r for d in range(10) for r in _received(f"m{d}", date(2025, 3, 3 + d), 3)]
    february = [r for d in range(4) for r in _received(f"f{d}", date(2025, 2, 3 + d))]
    _load(warehouse, [*march, *february, *[replace(r, source_key=f"x{r.source_key}") for r in march[:1]]])
    with warehouse.connect() as connection:
        assert covered_days(connection, MARCH) == 10
        assert covered_days(connection, FEBRUARY) == 4
        (row,) = change_rows(connection, MARCH)
        assert row["received"] == 31
        assert row["previous"] is None
        assert set(row["change"].values()) == {None}
        by_unit = change_rows(connection, MARCH, "unit")
        assert [(r["unit"], r["received"], r["previous"]) for r in by_unit] == [("19753", 31, None)]
        assert summary(connection, MARCH, FEBRUARY)["previous"] is None
        shown = block(connection, MARCH, FEBRUARY)
        assert shown.compared is None and shown.change["received"] is None


def test_a_previous_period_with_half_the_covered_days_is_compared(warehouse) -> None:
    march = [r for d in range(10) for r in _received(f"m{d}", date(2025, 3, 3 + d), 3)]
    february = [r for d in range(5) for r in _received(f"f{d}", date(2025, 2, 3 + d))]
    _load(warehouse, march + february)
    with warehouse.connect() as connection:
        assert covered_days(connection, FEBRUARY) == 5
        (row,) = change_rows(connection, MARCH)
        assert (row["received"], row["previous"]["received"], row["change"]["received"]) == (30, 5, 25)
        assert row["change"]["on_time_rate"] == 0.0
        # The rule reads the warehouse's coverage, not the selection's: a commune without dossiers last month had none.
        (other,) = change_rows(connection, MARCH, None, Filters(unit="19753"))
        assert other["previous"]["received"] == 5


def test_the_first_covered_day_is_the_first_with_received_dossiers(warehouse) -> None:
    with warehouse.connect() as connection:
        assert first_covered_day(connection) is None
    _load(warehouse, _received("a", date(2025, 2, 5)) + _received("b", date(2025, 3, 4)))
    with warehouse.connect() as connection:
        assert first_covered_day(connection) == date(2025, 2, 5)
