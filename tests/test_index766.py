"""The national service index (Decision 766): scoring functions against the portal's published figures."""

from __future__ import annotations

import pytest

from ioc.kpi.index766 import COMPONENTS, GROUPS, rating, score, score_component

#: Phú Thọ, August 2026, from the portal (domain/index-766.md, "Figures to test against").
PHU_THO_COUNTS = {
    "handled_on_time": (144_625, 184_513),
    "procedures_online": (52, 56),
    "online_services_used": (406, 1_968),
    "online_dossiers": (150_956, 152_595),
    "paid_online": (82_913, 98_459),
    "procedures_with_online_payment": (93, 310),
    "fee_procedures_used": (56, 310),
}
PUBLISHED_GROUPS = {"transparency": 7.96, "digitisation": 8.22, "satisfaction": 12.97}


def test_the_groups_add_up_to_100_points():
    assert sum(points for _, points in GROUPS.values()) == 100
    for group, (_, points) in GROUPS.items():
        assert sum(c.points for c in COMPONENTS if c.group == group) == points


def test_progress_online_services_and_online_payment_match_the_portal():
    index = score(PHU_THO_COUNTS)
    assert index.group_points("progress") == 15.68
    assert index.group_points("online_services") == 8.83
    assert index.group_points("online_payment") == 6.25


def test_with_the_published_groups_the_total_is_the_portals():
    index = score(PHU_THO_COUNTS)
    total = sum(index.group_points(g) or 0 for g in ("progress", "online_services", "online_payment"))
    assert round(total + sum(PUBLISHED_GROUPS.values()), 2) == 59.91


def test_components_without_data_are_not_available_never_zero():
    index = score(PHU_THO_COUNTS)
    missing = {c.key for c in index.components if c.points is None}
    assert "synchronised" in missing and "results_electronic" in missing
    assert index.group_points("transparency") is None
    assert index.computable == 20 + 12 + 10
    assert index.total == 30.76


@pytest.mark.parametrize(
    ("key", "numerator", "denominator", "points"),
    [
        ("procedures_online", 40, 50, 2.0),  # full marks from 80 %
        ("procedures_online", 20, 50, 1.0),
        ("online_dossiers", 30, 100, 3.6),  # full marks from 50 %
        ("online_dossiers", 90, 100, 6.0),
        ("fee_procedures_used", 100, 100, 2.0),  # 2.5 × ratio, at most 2
        ("dossiers_without_complaint", 45, 50, 6.0),  # full marks from 90 %
        ("dossiers_without_complaint", 0, 0, 0.0),  # no dossiers: 0
        ("feedback_on_time", 0, 0, 6.0),  # no feedback: full marks
    ],
)
def test_component_rules(key, numerator, denominator, points):
    assert score_component(key, numerator, denominator) == pytest.approx(points)


def test_nothing_to_count_where_no_rule_says_what_it_scores_is_not_available():
    assert score({"handled_on_time": (0, 0)}).group_points("progress") is None


@pytest.mark.parametrize(("total", "label"), [(95, "Xuất sắc"), (80, "Tốt"), (59.91, "Trung bình"), (10, "Yếu")])
def test_ratings_come_from_the_bands_file(total, label):
    assert rating(total)[0] == label
