"""The wall's content from a warehouse holding the domain's edge cases, and its refresh: new figures only when a load
changed the data."""

from __future__ import annotations

import json
from datetime import datetime

import plotly.io
import pytest
from dash.exceptions import PreventUpdate

from ioc.collecting.store import add_collector
from ioc.warehouse.load import load_page
from layouts import wall
from layouts import warehouse as dashboard_warehouse
from layouts.wall import content, refresh_overview
from tests.test_kpi_query import EDGE_CASES, NOW, edge

OPTIONS = {"lang": "vi", "date": "2025-03-31", "map": "on_time_rate", "rotate": None, "page": "/wall"}


def _tiles(tiles: list) -> dict[str, str]:
    return {tile.id["kpi"]: tile.children[1].children for tile in tiles}


@pytest.fixture
def edge_wall(warehouse):
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, EDGE_CASES, [], NOW)
    dashboard_warehouse.use(warehouse)
    return warehouse, collector_id


def test_the_wall_shows_march_as_the_domain_counts_it(edge_wall):
    shown = content(OPTIONS)
    assert _tiles(shown["tiles"]) == {
        "received": "8",  # all but the newly registered and the refused
        "resolved": "3",
        "on_time_rate": "66,67 %",  # at due and the day before, of three resolved
        "online_rate": "12,50 %",
        "pending_overdue": "2",  # due 31/03 17:00, and the one finished in April
        "online_payment_rate": "50,00 %",
        "digitisation_rate": "12,50 %",
    }
    assert shown["period"] == "Từ 01/03/2025 đến 31/03/2025"
    page = json.dumps([plotly.io.to_json(shown["map"]), str(shown["tiles"]), str(shown["rankings"])])
    assert "Nguyễn Văn An" not in page  # aggregates only: no applicant on the wall


def test_the_wall_refreshes_only_when_the_data_changed(edge_wall):
    engine, collector_id = edge_wall
    state = content(OPTIONS)["state"]
    with pytest.raises(PreventUpdate):
        refresh_overview(1, OPTIONS, state)
    with engine.begin() as connection:
        load_page(connection, collector_id, None, [edge("late-arrival")], [], NOW)
    tiles, map_patch, *_, new_state = refresh_overview(2, OPTIONS, state)
    assert _tiles(tiles)["received"] == "9"
    assert new_state != state
    assert "z" in str(map_patch.to_plotly_json())  # the map's values change in place; its outlines are not resent
    operations = json.dumps(map_patch.to_plotly_json(), default=str)
    assert "geojson" not in operations
    assert "annotations" in operations and "colorscale" in operations  # the legend, labels and bands follow
    with pytest.raises(PreventUpdate):
        refresh_overview(3, OPTIONS, new_state)


def _descendants(component: object):  # type: ignore[no-untyped-def]
    """A component and everything under it."""
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            yield from _descendants(child)


def _under(component: object, element_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in _descendants(component) if getattr(c, "id", None) == element_id)


def _first_cells(component: object) -> list[str]:
    """The first cell of every body row of the tables under ``component``: the names they list."""
    return [
        row.children[0].children
        for tbody in _descendants(component)
        if type(tbody).__name__ == "Tbody"
        for row in tbody.children
        if type(row.children) is list
    ]


def _ranking_names(rankings: list) -> list[list[str]]:
    """The names in each of the wall's four lists: best and worst agencies, best and worst communes."""
    return [[li.children[0].children for li in _under_ol(r) if type(li.children) is list] for r in rankings]


def _under_ol(ranking: object) -> list:
    return next(c for c in _descendants(ranking) if type(c).__name__ == "Ol").children


def resolved(key: str, unit: str, on_time: bool, agency: str | None = None):  # type: ignore[no-untyped-def]
    """A dossier of ``unit`` resolved in March 2025, on time or a day late."""
    finished = datetime(2025, 3, 6, 10, 0) if on_time else datetime(2025, 3, 8, 10, 0)
    return edge(key, unit_code=unit, agency_code=agency or f"UBND-{unit}", status=10, finished_at=finished)


def unit_dossiers(unit: str, count: int, on_time: int, agency: str | None = None) -> list:
    return [resolved(f"{unit}-{agency}-{i}", unit, i < on_time, agency) for i in range(count)]


def province_data(warehouse, commune_count: int):  # type: ignore[no-untyped-def]
    """March 2025 in province 46: ``commune_count`` communes with 20 or more dossiers resolved and on-time rates
    spread from 100 % down, and every provincial agency handling 20 at province level, all on time."""
    from ioc.units import commune_committee_code, communes, provincial_agencies

    records = []
    for i, commune in enumerate(communes("46")[:commune_count]):
        records += unit_dossiers(commune.code, 20 + i % 3, 20 - i % 21, agency=commune_committee_code(commune.code))
    for agency in provincial_agencies("46"):
        records += unit_dossiers("46", 20, 20, agency=agency.code)
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "province", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, records, [], NOW)
    dashboard_warehouse.use(warehouse)


def test_the_rankings_page_shows_every_agency_and_commune_across_its_pages_and_never_the_province(warehouse):
    from ioc.units import communes, province_unit, provincial_agencies
    from layouts.wall import rankings_layout

    province_data(warehouse, 40)
    page = rankings_layout(date="2025-03-31")
    shown = _first_cells(_under(page, "wall-unit-table"))
    assert sorted(shown) == sorted(unit.name for unit in communes("46")[:40])  # each commune once
    assert province_unit("46").name not in shown  # the province's own row is not a commune
    assert sorted(_first_cells(_under(page, "wall-agency-table"))) == sorted(a.name for a in provincial_agencies("46"))
    positions = [
        c.children
        for c in _descendants(_under(page, "wall-unit-table"))
        if getattr(c, "className", None) == "wall-page-position"
    ]
    assert positions == ["Trang 1/3", "Trang 2/3", "Trang 3/3"]  # 40 communes, 14 a page


@pytest.mark.parametrize("commune_count", [1, 2, 3, 7, 12])
def test_the_walls_best_and_worst_communes_share_those_that_qualify_and_leave_out_the_province(
    warehouse, commune_count
):
    from ioc.units import province_unit

    province_data(warehouse, commune_count)
    best_agencies, worst_agencies, best, worst = _ranking_names(content(OPTIONS)["rankings"])
    assert province_unit("46").name not in best + worst
    assert not set(best) & set(worst) and not set(best_agencies) & set(worst_agencies)
    assert (len(best), len(worst)) == (min(5, (commune_count + 1) // 2), min(5, commune_count // 2))
    assert len(best_agencies) == len(worst_agencies) == 5  # 27 provincial agencies qualify


def test_new_rankings_tables_keep_the_page_the_timer_is_at(warehouse):
    from layouts.wall import refresh_rankings

    province_data(warehouse, 40)
    options = OPTIONS | {"page": "/wall/rankings"}
    state = content(options)["state"]
    with pytest.raises(PreventUpdate):
        refresh_rankings(1, options, state, 4)
    with warehouse.begin() as connection:
        load_page(connection, add_collector(connection, "late", "dossier-sync", "http://127.0.0.1:9/x").id, None,
                  [edge("late-arrival")], [], NOW)  # fmt: skip
    agency_pages, unit_pages, *_ = refresh_rankings(2, options, state, 4)
    assert [page.style for page in unit_pages] == [{"display": "none"}, None, {"display": "none"}]  # 4 turns of 3
    assert [page.style for page in agency_pages] == [None, {"display": "none"}]  # 27 agencies: 2 pages, 4 turns


def november_2026(warehouse) -> None:  # type: ignore[no-untyped-def]
    """Data only in November 2026: 12 communes and every provincial agency with 20 dossiers resolved that month
    (communes 20 down to 9 on time), nothing received in December."""
    from ioc.units import commune_committee_code, communes, provincial_agencies

    def resolved_in_november(key: str, unit: str, agency: str, on_time: bool):  # type: ignore[no-untyped-def]
        return edge(
            key,
            unit_code=unit,
            agency_code=agency,
            status=10,
            received_at=datetime(2026, 11, 2, 8, 0),
            due_at=datetime(2026, 11, 6, 17, 0),
            finished_at=datetime(2026, 11, 5, 10, 0) if on_time else datetime(2026, 11, 9, 10, 0),
            source_updated_at=datetime(2026, 11, 30),
        )

    records = []
    for i, commune in enumerate(communes("46")[:12]):
        agency = commune_committee_code(commune.code)
        records += [resolved_in_november(f"{commune.code}-{n}", commune.code, agency, n < 20 - i) for n in range(20)]
    for agency in provincial_agencies("46"):
        records += [resolved_in_november(f"{agency.code}-{n}", "46", agency.code, True) for n in range(20)]
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "november", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, records, [], datetime(2026, 12, 2, 12, 0))
    dashboard_warehouse.use(warehouse)


def _texts(component: object) -> list[str]:
    return [c for c in _descendants_and_text(component) if isinstance(c, str)]


def _descendants_and_text(component: object):  # type: ignore[no-untyped-def]
    """A component (or a list of them), everything under it and its texts."""
    yield component
    children = component if isinstance(component, list) else getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None:
            yield from _descendants_and_text(child)


@pytest.mark.parametrize("today", ["2026-12-01", "2026-12-02"])
def test_early_in_december_the_wall_shows_november_beside_december_and_ranks_november(warehouse, today):
    november_2026(warehouse)
    shown = content(OPTIONS | {"date": today})
    tiles = {tile.id["kpi"]: tile for tile in shown["tiles"]}
    assert _tiles(shown["tiles"])["received"] == "0"  # December so far
    assert "Tháng 11/2026: 780" in _texts(tiles["received"])  # 12 communes and 27 agencies, 20 each
    assert "Tháng 11/2026: 91,54 %" in _texts(tiles["on_time_rate"])  # (20+…+9 + 27·20) / 780 resolved
    days = {"2026-12-01": "1 ngày làm việc", "2026-12-02": "2 ngày làm việc"}[today]
    assert f"so với {days} đầu tháng 11" in _texts(tiles["received"])
    rankings = " ".join(_texts(shown["rankings"]))
    assert "Chưa có dữ liệu" not in rankings
    assert rankings.count("tháng 11/2026") == 4  # each list says it shows November
    assert all(len(names) == 5 for names in _ranking_names(shown["rankings"]))
    assert "tháng 11/2026" in shown["map_title"]
    tables = " ".join(_texts(shown["agency_pages"]) + _texts(shown["unit_pages"]))
    assert "Chưa có dữ liệu" not in tables and "tháng 11/2026" in tables


def test_after_five_working_days_the_wall_shows_the_month_alone(warehouse, monkeypatch):
    november_2026(warehouse)
    # A wall replays only a day that has come (ioc.kpi.replay): the clock is past 7 December.
    monkeypatch.setattr(wall, "now_local", lambda: datetime(2026, 12, 7, 12, 0))
    shown = content(OPTIONS | {"date": "2026-12-07"})
    assert not any("Tháng 11/2026" in text for text in _texts(shown["tiles"]))
    assert "tháng 11/2026" not in shown["map_title"]


def test_the_period_and_comparison_come_from_the_url_and_anything_else_is_the_default():
    from layouts.wall import _checked, _options

    assert (_options({})["period"], _options({})["compare"]) == ("month", "working_days")
    chosen = _options({"period": "quarter", "compare": "weekday"})
    assert (chosen["period"], chosen["compare"]) == ("quarter", "weekday")
    assert _checked(chosen | {"page": "/wall"})["period"] == "quarter"  # kept in the wall's options store
    for bad in ("QUARTER", "quarter ", ["quarter"], 3, "__class__", None):
        assert (_options({"period": bad, "compare": bad})["period"], _options({"compare": bad})["compare"]) == (
            "month",
            "working_days",
        )


@pytest.mark.parametrize(
    ("period", "compare", "label", "ranked"),
    [
        ("quarter", "weekday", "so với 13 tuần trước, cùng thứ trong tuần", "quý 4/2026"),
        ("last_month", "working_days", "so với 21 ngày làm việc đầu tháng 10", "tháng 11/2026"),
        ("month", "year", "so với 2 ngày làm việc đầu tháng 12/2025", "tháng 11/2026"),
        ("rolling_30", "working_days", "so với 22 ngày làm việc liền trước", "30 ngày qua"),
        ("year", "working_days", "so với 230 ngày làm việc đầu năm 2025", "năm 2026"),
    ],
)
def test_a_chosen_period_says_what_it_compares_with(warehouse, period, compare, label, ranked):
    november_2026(warehouse)
    shown = content(OPTIONS | {"date": "2026-12-02", "period": period, "compare": compare})
    assert label in _texts(shown["tiles"][0])
    assert shown["map_title"].endswith(f" · {ranked}")
    assert "Chưa có dữ liệu" not in " ".join(_texts(shown["rankings"]))  # every one of them holds November
