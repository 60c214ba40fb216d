"""Rankings that tell the truth (issue 14, item 6): best and worst never overlap and share the qualifying keys,
pages show every key, bars show every key or say what they leave out, and the province's own row is never a commune."""

from __future__ import annotations

from datetime import date

import pytest

from ioc.collecting.store import add_collector
from ioc.kpi.periods import Period
from ioc.kpi.ranking import MIN_RANKED, Page, bar_rows, every_key, pages, qualifying, ranking, split
from ioc.units import communes
from ioc.warehouse.load import load_page
from tests.test_kpi_query import NOW
from tests.test_wall_content import unit_dossiers

LETTERS = "abcdefghijkl"


@pytest.mark.parametrize(
    ("n", "slots", "best", "worst"),
    [
        (0, 5, "", ""),
        (1, 5, "a", ""),  # one key is best only
        (2, 5, "a", "b"),
        (3, 5, "ab", "c"),  # odd: the middle one goes to the best
        (4, 5, "ab", "dc"),
        (5, 5, "abc", "ed"),
        (10, 5, "abcde", "jihgf"),  # exactly twice the slots: every key shown once
        (11, 5, "abcde", "kjihg"),  # more than the slots: the middle one is left out
        (12, 3, "abc", "lkj"),
        (6, 0, "", ""),
    ],
)
def test_best_and_worst_share_the_qualifying_keys(n: int, slots: int, best: str, worst: str) -> None:
    assert split(list(LETTERS[:n]), slots) == (list(best), list(worst))


@pytest.mark.parametrize("slots", range(0, 8))
@pytest.mark.parametrize("n", range(0, 25))
def test_best_and_worst_never_overlap_and_worst_is_never_empty_when_two_qualify(n: int, slots: int) -> None:
    best, worst = split(list(range(n)), slots)
    assert not set(best) & set(worst)
    assert len(best) == min(slots, (n + 1) // 2) and len(worst) == min(slots, n // 2)
    assert (len(worst) >= 1) == (n >= 2 and slots >= 1)
    assert best == sorted(best) and worst == sorted(worst, reverse=True)  # best first, worst first


def _row(key: str, rate: float | None, resolved: int, received: int | None = None) -> dict:
    return {
        "unit": key,
        "on_time_rate": rate,
        "resolved": resolved,
        "received": resolved if received is None else received,
        "pending_overdue": resolved,
    }


def test_qualifying_keys_go_best_first_and_ties_by_volume_then_code() -> None:
    rows = [
        _row("05", 80.0, 20),
        _row("03", 90.0, 25),
        _row("04", 90.0, 40),  # same rate as 03, more dossiers behind it: ahead
        _row("02", 90.0, 25),  # same rate and volume as 03: by code
        _row("01", 100.0, MIN_RANKED - 1),  # too few to rank on a rate
        _row("06", None, 0, received=30),  # nothing resolved: no rate
        _row("46", 100.0, 500),  # excluded (the province's own row)
        _row("07", 10.0, 60),
    ]
    ranked = qualifying(rows, "unit", "on_time_rate", exclude={"46"})
    assert ranked == [("04", 90.0, 40), ("02", 90.0, 25), ("03", 90.0, 25), ("05", 80.0, 20), ("07", 10.0, 60)]
    assert [key for key, *_ in qualifying(rows, "unit", "on_time_rate", among={"05", "07", "46"})] == ["46", "05", "07"]


def test_a_count_that_is_better_low_ranks_the_smallest_first() -> None:
    rows = [_row("01", None, 3), _row("02", None, 1), _row("03", None, 2)]
    assert [key for key, *_ in qualifying(rows, "unit", "pending_overdue")] == ["02", "03", "01"]


def test_every_key_lists_every_row_with_dossiers_best_first_and_those_without_a_value_last() -> None:
    rows = [
        _row("01", 50.0, 2),  # too few to rank, but listed
        _row("02", None, 0, received=9),
        _row("03", 75.0, 40),
        _row("04", None, 0, received=0),  # no dossiers at all: not listed
        _row("46", 99.0, 400),
    ]
    assert [r["unit"] for r in every_key(rows, "unit", "on_time_rate", exclude={"46"})] == ["03", "01", "02"]


@pytest.mark.parametrize(
    ("n", "per_page", "expected"),
    [
        (0, 3, [Page(1, 1, [])]),  # nothing: one page that says so
        (1, 3, [Page(1, 1, [0])]),
        (3, 3, [Page(1, 1, [0, 1, 2])]),
        (7, 3, [Page(1, 3, [0, 1, 2]), Page(2, 3, [3, 4, 5]), Page(3, 3, [6])]),
        (2, 1, [Page(1, 2, [0]), Page(2, 2, [1])]),
    ],
)
def test_pages_hold_every_item_once_and_number_themselves(n: int, per_page: int, expected: list[Page]) -> None:
    assert pages(list(range(n)), per_page) == expected


def test_a_page_holds_at_least_one_item() -> None:
    with pytest.raises(ValueError):
        pages([1, 2], 0)


def test_bars_show_every_key_with_a_value_and_count_those_without() -> None:
    rows = [_row(f"{i:02d}", float(i), 1) for i in range(1, 8)] + [_row("09", None, 0, received=3), _row("46", 1.0, 9)]
    bars = bar_rows(rows, "unit", "on_time_rate", limit=10, exclude={"46"})
    assert [r["unit"] for r in bars.rows] == ["07", "06", "05", "04", "03", "02", "01"]
    assert (bars.total, bars.without_value, bars.cut) == (7, 1, False)


def test_bars_past_the_limit_show_the_best_and_the_worst_and_say_so() -> None:
    rows = [_row(f"{i:02d}", float(i), 1) for i in range(1, 12)]
    bars = bar_rows(rows, "unit", "on_time_rate", limit=5)
    assert [r["unit"] for r in bars.rows] == ["11", "10", "09", "02", "01"]
    assert (bars.total, bars.without_value, bars.cut) == (11, 0, True)


MARCH = Period(date(2025, 3, 1), date(2025, 4, 1))


def test_a_ranking_of_units_leaves_out_the_province_and_splits_the_communes(warehouse) -> None:
    first, second, third = (unit.code for unit in communes("46")[:3])
    records = [
        *unit_dossiers("46", 40, 40, agency="VPUBND"),  # handled at province level: 100 %, but not a commune
        *unit_dossiers(first, 20, 18),
        *unit_dossiers(second, 20, 10),
        *unit_dossiers(third, 25, 5),
    ]
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "rank", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, records, [], NOW)
    with warehouse.connect() as connection:
        communes_ranked = ranking(connection, MARCH, "unit", "on_time_rate", size=5)
        agencies = ranking(connection, MARCH, "agency", "on_time_rate", size=5)
    assert communes_ranked.best == [(first, 90.0, 20), (second, 50.0, 20)]
    assert communes_ranked.worst == [(third, 20.0, 25)]
    assert communes_ranked.qualifying == 3
    assert [key for key, *_ in agencies.best] == ["VPUBND", f"UBND-{first}"]  # agencies keep the province's own
    assert [key for key, *_ in agencies.worst] == [f"UBND-{third}", f"UBND-{second}"]
