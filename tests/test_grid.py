"""The grids' helpers (:mod:`layouts.grid`): what a browser sends about a grid (a clicked cell, a page) is client data
and names nothing unless it is what the grid sends; ag-grid's own words are Vietnamese on a Vietnamese page; numbers
are formatted by a named function, never by an expression ag-grid would evaluate."""

from __future__ import annotations

import json

import pytest

from layouts import grid
from layouts.grid_locale import VI, locale_text


@pytest.mark.parametrize("value", [0, -1, 10**9, 1.5, "2", None, True, [], {"a": 1}])
def test_a_page_that_is_no_page_is_the_first(value: object) -> None:
    assert grid.page_index(value) == 0


def test_a_page_counts_from_one() -> None:
    assert (grid.page_index(1), grid.page_index(3)) == (0, 2)


@pytest.mark.parametrize(
    "cell", [None, "x", 5, [], {}, {"rowId": None}, {"rowId": 7}, {"rowId": ["x"]}, {"rowId": ""}, {"rowId": "9" * 201}]
)
def test_a_click_that_names_no_row_names_nothing(cell: object) -> None:
    assert grid.clicked_row(cell) is None


def test_a_click_names_its_row() -> None:
    assert grid.clicked_row({"rowId": "hue-dvc", "colId": "name", "value": "<b>x</b>"}) == "hue-dvc"


def test_ag_grid_speaks_vietnamese_on_a_vietnamese_page() -> None:
    assert locale_text("vi")["noRowsToShow"] == "Không có dòng nào" and locale_text("en") == {}
    assert all(isinstance(text, str) and text for text in VI.values())
    options = grid.grid("x-table", "vi").dashGridOptions
    assert options["localeText"]["contains"] == "Có chứa" and options["context"] == {"lang": "vi"}


def test_a_number_column_is_formatted_by_a_named_function() -> None:
    column = grid.column("received", "Tiếp nhận", digits=2)
    assert column["valueFormatter"] == {"function": "IOCnumber(params, 2)"}
    assert column["filter"] == "agNumberColumnFilter"
    assert "valueFormatter" not in grid.column("name", "Tên")


def test_a_grid_renders_text_and_pins_its_header() -> None:
    table = grid.grid("x-table", "vi", [grid.column("name", "Tên")], [{"name": "<img src=x onerror=alert(1)>"}])
    shown = json.dumps(table.to_plotly_json(), default=str)
    assert "dangerously_allow_code" not in shown and "cellRenderer" not in shown
    assert table.style["height"] == f"{grid.HEIGHT}px"  # a fixed height: rows scroll under the header
    assert table.defaultColDef["sortable"] and table.defaultColDef["filter"]
