"""What it takes on the Decision 766 index: exact counts on hand-built cases, and from a warehouse on both engines."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ioc.collecting.store import add_collector
from ioc.errors import IOCError
from ioc.kpi.index766 import score_component
from ioc.kpi.index_gap import component_gap, gap_rows, gaps, index_and_gap_rows
from ioc.kpi.periods import Period
from ioc.kpi.service_index import index_rows
from ioc.warehouse.load import load_page

NOW = datetime(2026, 11, 30, 8, 0)


def test_progress_counts_late_dossiers_turned_on_time_with_the_denominator_fixed():
    # Phú Thọ, August 2026: 144,625 on time of 184,513 handled, 15.68 points. One more point needs a ratio of
    # 0.78382… + 0.05 of the same 184,513: 9,225.65 more, so 9,226 (9,225 falls short). Adding new
    # on-time dossiers to both sides instead would need about 55,500.
    gap = component_gap("handled_on_time", 144_625, 184_513)
    assert (gap.denominator, gap.needed) == (184_513, 9_226)
    assert round(gap.points, 2) == 15.68 and round(gap.gain, 9) == 1.0
    assert score_component("handled_on_time", 144_625 + 9_226, 184_513) >= gap.points + 1
    assert score_component("handled_on_time", 144_625 + 9_225, 184_513) < gap.points + 1


def test_rounding_up_a_fraction_of_a_dossier():
    # 0 of 3: 20 × k/3 ≥ 1 from k = 0.15 on, so one dossier (which earns 6.67).
    assert component_gap("handled_on_time", 0, 3).needed == 1
    # 1 of 8 digitised: 0.5 points; 1.5 needs 3 of 8, so 2 more.
    assert component_gap("dossiers_digitised", 1, 8).needed == 2


def test_capped_components_at_full_marks_need_nothing():
    # Online dossiers: full marks from 50 % online; 60 of 100 already scores 6 of 6.
    gap = component_gap("online_dossiers", 60, 100)
    assert (gap.points, gap.target, gap.needed, gap.gain) == (6, 6, 0, 0.0)
    assert component_gap("paid_online", 10, 10).needed == 0


def test_less_than_a_point_left_asks_for_the_maximum():
    # Capped at 50 %: 45 of 100 online scores 5.4; the 0.6 left needs 50 of 100, so 5 more.
    gap = component_gap("online_dossiers", 45, 100)
    assert (round(gap.points, 2), gap.target, gap.needed) == (5.4, 6, 5)
    # Linear: 19 of 20 on time scores 19 of 20 points; the last point needs the last dossier.
    assert (component_gap("handled_on_time", 19, 20).target, component_gap("handled_on_time", 19, 20).needed) == (20, 1)


def test_slope_capped_follows_its_rule():
    # Fee-bearing procedures with an online payment: min(2, 2.5 × ratio); 10 of 100 → 0.25, 1.25 needs 50 of 100.
    gap = component_gap("procedures_with_online_payment", 10, 100)
    assert (gap.points, gap.target, gap.needed) == (0.25, 1.25, 40)


def test_a_component_with_nothing_to_count_has_no_answer():
    gap = component_gap("paid_online", 0, 0)
    assert (gap.points, gap.target, gap.needed) == (None, None, None)


def test_gaps_come_in_the_groups_order():
    found = gaps({"dossiers_digitised": (1, 8), "handled_on_time": (4, 7), "paid_online": (1, 2)})
    assert [(gap.group, gap.key) for gap in found] == [
        ("progress", "handled_on_time"),
        ("online_payment", "paid_online"),
        ("digitisation", "dossiers_digitised"),
    ]


def test_gap_rows_from_the_warehouse(warehouse):
    from test_kpi_query import EDGE_CASES

    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, EDGE_CASES, [], NOW)
    march = Period.inclusive(date(2025, 3, 1), date(2025, 3, 31))
    with warehouse.connect() as connection:
        [(key, province)] = gap_rows(connection, march)
        by_unit = gap_rows(connection, march, "unit")
        by_agency = gap_rows(connection, march, "agency")
        with pytest.raises(IOCError):
            gap_rows(connection, march, "field")
    # Handled in March: 4 of 7 on time (11.43); 5 of 7 scores 14.29. Online: 1 of 8 (1.5 → 3.0 with 2 of 8).
    # Paid online: 1 of 2 fee dossiers (3 → 6). Digitised: 1 of 8 (0.5 → 1.5 with 3 of 8).
    assert key is None
    assert [(g.key, g.numerator, g.denominator, g.needed) for g in province] == [
        ("handled_on_time", 4, 7, 1),
        ("online_dossiers", 1, 8, 1),
        ("paid_online", 1, 2, 1),
        ("dossiers_digitised", 1, 8, 2),
    ]
    assert [key for key, _ in by_unit] == ["19753"] and [key for key, _ in by_agency] == ["UBND-19753"]
    assert by_unit[0][1] == province
    with warehouse.connect() as connection:
        together = index_and_gap_rows(connection, march, "unit")
        assert together == list(zip(index_rows(connection, march, "unit"), [g for _, g in by_unit], strict=True))
