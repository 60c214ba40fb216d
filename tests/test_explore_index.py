"""The explorer's Decision 766 panel from a hand-built warehouse (both engines): the index by commune and by agency,
names beside codes, and the late dossiers behind a row's progress component."""

from __future__ import annotations

from datetime import date

import pytest

from ioc.collecting.store import add_collector
from ioc.warehouse.load import load_page
from layouts import warehouse as dashboard_warehouse
from layouts.view import View, stored
from tests.test_kpi_query import EDGE_CASES, NOW

MARCH = View(preset="custom", first=date(2025, 3, 1), last=date(2025, 3, 31))


@pytest.fixture
def edges(warehouse):
    with warehouse.begin() as connection:
        collector = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector, None, EDGE_CASES, [], NOW)
    dashboard_warehouse.use(warehouse)
    return warehouse


def test_the_index_by_commune_and_agency_has_the_groups_total_and_what_progress_needs(edges):
    from layouts import lookups
    from layouts.explore_index import render

    by_unit, headers = render(stored(MARCH), "unit")
    [row] = by_unit
    assert row["code"] == "19753" and row["name"] == lookups.names().units["19753"] != "19753"
    assert (row["progress"], row["online_services"], row["online_payment"], row["digitisation"]) == (11.43, 1.5, 3, 0.5)
    assert (row["transparency"], row["satisfaction"]) == (None, None)
    assert (row["points"], row["computable_points"], row["progress_needed"]) == (16.43, 36, 1)
    assert [h["headerName"] for h in headers][:3] == ["Mã", "Tên", "Công khai, minh bạch"]
    [agency], _ = render(stored(MARCH), "agency")
    assert agency["code"] == "UBND-19753" and agency["points"] == 16.43
    assert render(stored(MARCH), "field")[0] == by_unit  # an unknown breakdown is the communes'


def test_a_row_drills_down_to_the_late_dossiers_of_the_progress_component(edges):
    from layouts.explore_index import drill

    listed, headers, title = drill([{"code": "19753"}], stored(MARCH), "unit")
    # Resolved after its due time, and the two open and overdue at the end of March; the stopped one ended in time.
    assert sorted(row["source_key"] for row in listed) == ["after-due", "finished-april", "overdue"]
    assert title.endswith("3 hồ sơ trễ hạn") and headers[0]["headerName"] == "Mã hồ sơ"
    assert {row["status"] for row in listed} == {"đã trả kết quả", "đang xử lý"}
    assert drill(None, stored(MARCH), "unit")[2] == "Chọn một dòng để xem các hồ sơ trễ hạn của chỉ số Tiến độ."
    assert drill([{"code": ["x"]}], stored(MARCH), "unit")[0] == []  # client data is checked
