"""The wall's content from a warehouse holding the domain's edge cases, and its refresh: new figures only when a load
changed the data."""

from __future__ import annotations

import json

import plotly.io
import pytest
from dash.exceptions import PreventUpdate

from ioc.collecting.store import add_collector
from ioc.warehouse.load import load_page
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
    with pytest.raises(PreventUpdate):
        refresh_overview(3, OPTIONS, new_state)
