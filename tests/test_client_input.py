"""Client input is never a 500: the API answers a bad parameter with a one-line 400, the explorer's callbacks fall back
to the default view (or say in the page why they cannot answer), a malformed callback request gets a 400, an unknown
script a 404, and exports never hand a spreadsheet a formula. Against the real app (Flask test client), signed in as
an analyst, on the domain's edge-case dossiers.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import dash
import dash._callback as dash_registry
import openpyxl
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from ioc import auth
from ioc.collecting.store import add_collector
from ioc.config import load_settings, now_local
from ioc.errors import IOCError
from ioc.export import csv_text, neutralised, xlsx_bytes
from ioc.initialise import initialise
from ioc.kpi.drill import MAX_OFFSET, dossier_page
from ioc.kpi.periods import Period
from ioc.warehouse.engine import make_engine
from ioc.warehouse.load import load_page
from layouts import admin
from layouts.shell import create_app, page_modules
from layouts.view import View, parse
from tests.test_kpi_query import EDGE_CASES, NOW

# Dash hands the callbacks registered at import to the first app that serves a request, and forgets them; this module
# makes an app of its own, so it keeps them (collection imports every test module before any app exists; every page
# is imported here, as create_app would) and gives them back before and after its app takes them, for the
# other modules' apps.
page_modules()
admin.pages()
_REGISTRY = (
    dict(dash_registry.GLOBAL_CALLBACK_MAP),
    list(dash_registry.GLOBAL_CALLBACK_LIST),
    list(dash_registry.GLOBAL_INLINE_SCRIPTS),
)


def _restore_dash_registry() -> None:
    callbacks, listed, scripts = _REGISTRY
    dash_registry.GLOBAL_CALLBACK_MAP.clear()
    dash_registry.GLOBAL_CALLBACK_MAP.update(callbacks)
    dash_registry.GLOBAL_CALLBACK_LIST[:] = listed
    dash_registry.GLOBAL_INLINE_SCRIPTS[:] = scripts


PASSWORD = "Client-input-tests-2026"
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
MARCH_VIEW = {"preset": "custom", **MARCH, "by": "agency", "kpi": "received"}
PROCEDURE = "1.001234"  # the edge cases' procedure
PROCEDURE_MESSAGE = "figures by procedure are kept by month"


@dataclass
class Site:
    app: dash.Dash
    engine: Engine
    client: FlaskClient


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The dashboard over the domain's edge-case dossiers (March 2025), an analyst signed in."""
    patch = pytest.MonkeyPatch()
    for name in list(os.environ):
        if name.startswith("IOC_") and name != "IOC_TEST_POSTGRES_URL":
            patch.delenv(name)
    patch.setenv("IOC_DATA_DIR", str(tmp_path_factory.mktemp("client-input")))
    settings_ = load_settings()
    initialise(settings_)
    engine = make_engine(settings_.warehouse_url)
    with engine.begin() as connection:
        collector = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso")
        load_page(connection, collector.id, None, EDGE_CASES, [], NOW)
        auth.add_user(connection, "analyst-one", "analyst", PASSWORD, "test", now_local())
    _restore_dash_registry()
    app = create_app(settings_)
    client = app.server.test_client()
    try:
        assert client.get("/healthz").status_code == 200  # Dash takes its callbacks at a first request
    finally:
        _restore_dash_registry()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"username": "analyst-one", "password": PASSWORD, "csrf_token": token, "next": "/"}
    assert client.post("/login", data=form).status_code == 302
    assert client.get("/wall").status_code == 200  # a page: the CSRF cookie comes with it
    try:
        yield Site(app, engine, client)
    finally:
        engine.dispose()
        patch.undo()


def _headers(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRFToken": client.get_cookie("_csrf_token").value}  # type: ignore[union-attr]


def _body(site: Site, output_part: str, values: dict[str, object], changed: str | None = None) -> dict:
    """The request dash-renderer sends for the callback whose output key holds ``output_part``, with ``values`` by
    ``id.property`` (a wildcard input matches no component unless ``values`` gives its list)."""
    key = next(k for k in site.app.callback_map if output_part in k)
    spec = site.app.callback_map[key]

    def item(dependency: dict) -> dict | list:
        name = f"{dependency['id']}.{dependency['property']}"
        if dependency["id"].startswith("{"):
            return values.get(name, [])  # type: ignore[return-value]
        return {"id": dependency["id"], "property": dependency["property"], "value": values.get(name)}

    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]
    first = spec["inputs"][0]
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [item(d) for d in spec["inputs"]],
        "state": [item(d) for d in spec.get("state", [])],
        "changedPropIds": [changed or f"{first['id']}.{first['property']}"],
    }


def _post(site: Site, body: dict):  # type: ignore[no-untyped-def]
    return site.client.post("/_dash-update-component", json=body, headers=_headers(site.client))


def _call(site: Site, output_part: str, values: dict[str, object], changed: str | None = None) -> dict | None:
    """The callback's response, or None when it sends nothing (204: no update); anything else fails the test."""
    response = _post(site, _body(site, output_part, values, changed))
    assert response.status_code in (200, 204), (output_part, values, response.status_code, response.text[:300])
    return response.get_json() if response.status_code == 200 else None


def _render(site: Site, view: object) -> dict:
    shown = _call(site, "explore-summary.children", {"explore-view.data": view})
    assert shown is not None
    return shown["response"]


# --- the API -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "9999-12-31", "to": "9999-12-31"}, "'from' must be a day from 1900-01-01 to 2999-12-31"),
        ({"from": "2025-03-01", "to": "9999-12-31"}, "'to' must be a day from 1900-01-01 to 2999-12-31"),
        ({"from": "0001-01-01", "to": "0001-01-31"}, "'from' must be a day from 1900-01-01 to 2999-12-31"),
        ({"from": "2025-02-30", "to": "2025-03-31"}, "'from' must be a date as YYYY-MM-DD"),
        ({"from": "2025-3-1", "to": "2025-03-31"}, "'from' must be a date as YYYY-MM-DD"),
        ({"from": "２０２５-03-01", "to": "2025-03-31"}, "'from' must be a date as YYYY-MM-DD"),
        ({**MARCH, "channel": "9" * 5000}, "'channel' must be one of"),
        ({**MARCH, "channel": "٣"}, "'channel' must be one of"),  # an Arabic-Indic three is not a channel
        ({**MARCH, "applicant_type": "01"}, "'applicant_type' must be one of"),
        ({"from": "1925-01-01", "to": "2025-01-01"}, "at most 3660 days"),
        ({"from": "2025-03-02", "to": "2025-03-31", "by": "procedure"}, PROCEDURE_MESSAGE),
    ],
)
def test_the_api_answers_a_bad_parameter_with_a_one_line_400(site: Site, params: dict, message: str) -> None:
    response = site.client.get("/api/v1/kpi", query_string=params)
    assert response.status_code == 400, response.text[:300]
    error = response.get_json()["error"]
    assert message in error and "\n" not in error and set(response.get_json()) <= {"error", "parameter"}


def test_the_api_still_answers_the_edges_of_its_range(site: Site) -> None:
    for params in ({"from": "1900-01-01", "to": "1900-01-31"}, {"from": "2999-12-01", "to": "2999-12-31"}):
        response = site.client.get("/api/v1/kpi", query_string=params | {"by": "month"})
        assert response.status_code == 200 and response.get_json()[0]["received"] == 0


def test_the_openapi_description_gives_the_range_of_days(site: Site) -> None:
    described = site.client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p for p in described["paths"]["/api/v1/kpi"]["get"]["parameters"]}
    for name in ("from", "to"):
        assert "1900-01-01" in parameters[name]["description"] and "2999-12-31" in parameters[name]["description"]
        assert parameters[name]["schema"]["pattern"] == "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


_PARAMETER_NAMES = ("from", "to", "by", "unit", "agency", "field", "procedure", "channel", "applicant_type", "format")
_DAYS = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.sampled_from(["9999-12-31", "0001-01-01", "2025-02-30", "2025-03-01", "2025-03-31", "2025-13-01", ""]),
    st.text(max_size=12),
)
_VALUES = st.one_of(
    _DAYS,
    st.sampled_from(["month", "procedure", "channel", "csv", "json", "1", "2", "3", "0", "-1", "1e30", PROCEDURE]),
    st.integers().map(str),
    st.text(max_size=80),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    days=st.tuples(_DAYS, _DAYS),
    others=st.dictionaries(st.sampled_from((*_PARAMETER_NAMES, "page", "x")), _VALUES, max_size=4),
)
def test_no_query_of_the_api_is_a_server_error(site: Site, days: tuple[str, str], others: dict[str, str]) -> None:
    params = {"from": days[0], "to": days[1]} | others
    response = site.client.get("/api/v1/kpi", query_string=params)
    assert response.status_code in (200, 400), (params, response.status_code, response.text[:200])
    if response.status_code == 400:
        assert set(response.get_json()) <= {"error", "parameter"}


# --- the explorer's view: invalid values fall back to the default ------------------------------------------------


@pytest.mark.parametrize(
    "dates",
    [
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-01"),
        ("0001-01-01", "9999-12-31"),
        ("2025-02-30", "2025-03-31"),
        ("1925-01-01", "2025-01-01"),  # a hundred years: over the ten a view may span
        ("2025-03-31", "2025-03-01"),  # from after to
        ("2025-03-01", None),
        (["2025-03-01"], {"a": 1}),
    ],
)
def test_a_view_with_days_it_cannot_show_falls_back_to_this_month(site: Site, dates: tuple) -> None:
    default = _render(site, {})
    assert _render(site, {"preset": "custom", "from": dates[0], "to": dates[1]}) == default
    assert _render(site, {"preset": "custom", "first": dates[0], "last": dates[1]}) == default  # as the store keeps it


@pytest.mark.parametrize(
    "changes",
    [
        {"by": "nope"},
        {"by": ["agency"]},
        {"kpi": "nope"},
        {"kpi": ["received"]},
        {"kpi": {"a": 1}},
        {"channel": "9" * 5000},
        {"channel": "1e30"},
        {"channel": True},
        {"lang": ["en"]},
        {"preset": ["custom"]},
        {"unit": {"code": "19753"}},
    ],
)
def test_unknown_measures_breakdowns_and_filters_fall_back_to_the_default(site: Site, changes: dict) -> None:
    without = {key: value for key, value in MARCH_VIEW.items() if key not in changes}  # those keys' defaults
    assert _render(site, MARCH_VIEW | changes) == _render(site, without)


@pytest.mark.parametrize("stored", [None, 5, "x", [], [MARCH_VIEW]])
def test_a_stored_view_that_is_not_an_object_is_the_default_view(site: Site, stored: object) -> None:
    assert _render(site, stored) == _render(site, {})


def test_a_procedure_over_part_of_a_month_says_so_in_the_page(site: Site) -> None:
    shown = _render(site, {"preset": "custom", "from": "2025-03-02", "to": "2025-03-31", "procedure": PROCEDURE})
    assert PROCEDURE_MESSAGE in shown["explore-error"]["children"] and shown["explore-error"]["hide"] is False


@pytest.mark.parametrize(
    "dates", [{"a": 1}, 5, "2025-03-01", [1, 2], ["9999-12-31", "9999-12-31"], ["0001-01-01", "2025-01-01"]]
)
@pytest.mark.parametrize("stored", [{"lang": "vi"}, None, [], "x"])
def test_the_controls_never_make_a_view_that_breaks(site: Site, dates: object, stored: object) -> None:
    values = {"explore-filter-preset.value": "custom", "explore-filter-dates.value": dates}
    values |= {"explore-by.value": "nope", "explore-kpi.value": ["x"], "explore-view.data": stored}
    answer = _call(site, "explore-view.data", values)
    if answer is not None:
        view = answer["response"]["explore-view"]["data"]
        assert _render(site, view) == _render(site, {})


# --- cross-filtering: a click that does not name anything changes nothing ----------------------------------------


@pytest.mark.parametrize(
    "click",
    [
        "x",
        {"points": "x"},
        {"points": []},
        {"points": [{}]},
        {"points": [None]},
        {"points": [{"location": ["19753"], "customdata": {"a": 1}, "x": 5}]},
        {"points": [{"x": "ab/cdef"}]},
        {"points": [{"x": "13/2025"}]},
        {"points": [{"x": "00/0000"}]},
        {"points": [{"x": "12/9999"}]},
    ],
)
@pytest.mark.parametrize("graph", ["explore-map", "explore-bars", "explore-trend"])
def test_a_click_that_names_nothing_changes_nothing(site: Site, graph: str, click: object) -> None:
    values = {f"{graph}.clickData": click, "explore-by.value": "agency"}
    assert _call(site, "explore-filter-preset.value", values, f"{graph}.clickData") is None


@pytest.mark.parametrize("by", ["nope", None, 5, ["agency"]])
def test_a_bar_click_under_an_unknown_breakdown_changes_nothing(site: Site, by: object) -> None:
    values = {"explore-bars.clickData": {"points": [{"customdata": "x"}]}, "explore-by.value": by}
    assert _call(site, "explore-filter-preset.value", values, "explore-bars.clickData") is None


@pytest.mark.parametrize(
    ("preset", "dates", "changed"),
    [
        ("nope", None, "preset"),
        (["x"], None, "preset"),
        ({"a": 1}, ["2025-03-01", "2025-03-31"], "preset"),
        ("month", 5, "dates"),
        ("month", {"a": 1}, "dates"),
        ("month", ["2025-03-01"], "dates"),
    ],
)
def test_odd_presets_and_dates_change_nothing(site: Site, preset: object, dates: object, changed: str) -> None:
    values = {"explore-filter-preset.value": preset, "explore-filter-dates.value": dates}
    assert _call(site, "explore-filter-preset.value", values, f"explore-filter-{changed}.value") is None


def test_a_valid_click_still_filters(site: Site) -> None:
    clicked = _call(site, "explore-filter-preset.value", {"explore-trend.clickData": {"points": [{"x": "03/2025"}]}},
                    "explore-trend.clickData")  # fmt: skip
    assert clicked is not None and clicked["response"]["explore-filter-dates"]["value"] == ["2025-03-01", "2025-03-31"]


# --- drill-down: pages and targets ---------------------------------------------------------------------------------

SELECTION = {"key": None, "measure": "received", "by": None}


def _drill(site: Site, target: object, page: object, view: object = MARCH_VIEW) -> dict:
    values = {"explore-drill-target.data": target, "explore-drill-page.value": page, "explore-view.data": view}
    answer = _call(site, "explore-drill-title.children", values)
    assert answer is not None
    return answer["response"]


@pytest.mark.parametrize("page", [0, -1, 1e30, "abc", None, 2**63, 10**400, 1.5, True, [], {"a": 1}])
def test_a_page_number_that_is_no_page_shows_the_first_page(site: Site, page: object) -> None:
    first = _drill(site, SELECTION, 1)
    assert first["explore-drill-table"]["rowData"]  # the edge cases' March dossiers
    assert _drill(site, SELECTION, page) == first


def test_a_page_past_the_last_is_empty(site: Site) -> None:
    shown = _drill(site, SELECTION, 10**6)
    assert shown["explore-drill-table"]["rowData"] == [] and shown["explore-drill-page"]["total"] == 1


@pytest.mark.parametrize(
    "target",
    [
        {"key": None, "measure": "nope", "by": None},
        {"key": None, "measure": ["received"], "by": None},
        {"key": "x", "measure": "received", "by": "nope"},
        {"key": "abc", "measure": "received", "by": "channel"},
        {"key": "9" * 5000, "measure": "received", "by": "channel"},
        {"key": {"a": 1}, "measure": "received", "by": "unit"},
        {"key": "19753' OR '1'='1", "measure": "received", "by": "unit"},
        {"measure": "received", "by": "unit"},
        "abc",
        [1],
        5,
    ],
)
def test_a_drill_target_that_names_nothing_lists_nothing(site: Site, target: object) -> None:
    assert _drill(site, target, 1) == _drill(site, None, 1)


@pytest.mark.parametrize(
    "cell",
    [
        {"rowId": "x"},
        {"colId": "received"},
        {"rowId": ["x"], "colId": "received"},
        {"rowId": "x", "colId": {"a": 1}},
        {"rowId": None, "colId": "received", "value": "<img src=x onerror=alert(1)>"},
        "x",
        5,
        [],
    ],
)
def test_a_table_cell_that_names_nothing_chooses_nothing(site: Site, cell: object) -> None:
    values = {"explore-table.cellClicked": cell, "explore-view.data": MARCH_VIEW}
    answer = _call(site, "explore-drill-target.data", values, "explore-table.cellClicked")
    assert answer is not None and answer["response"]["explore-drill-target"]["data"] is None


def test_a_drill_over_impossible_days_falls_back_to_the_default_view(site: Site) -> None:
    hostile = {"preset": "custom", "from": "9999-12-31", "to": "9999-12-31"}
    assert _drill(site, SELECTION, 1, hostile) == _drill(site, SELECTION, 1, {})


def test_the_core_refuses_offsets_no_database_can_take(site: Site) -> None:
    march = Period.inclusive(date(2025, 3, 1), date(2025, 3, 31))
    with site.engine.connect() as connection:
        for offset in (-1, 2**63, 1e30, True):
            with pytest.raises(IOCError, match="offset"):
                dossier_page(connection, march, "received", offset=offset)  # type: ignore[arg-type]
        assert len(dossier_page(connection, march, "received", limit=10**12).rows) == 8  # capped, not refused


def test_the_furthest_offset_is_one_both_databases_take(warehouse: Engine) -> None:
    march = Period.inclusive(date(2025, 3, 1), date(2025, 3, 31))
    with warehouse.begin() as connection:
        collector = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso")
        load_page(connection, collector.id, None, EDGE_CASES, [], NOW)
    with warehouse.connect() as connection:
        assert dossier_page(connection, march, "received", offset=MAX_OFFSET).rows == []
        with pytest.raises(IOCError, match="offset"):
            dossier_page(connection, march, "received", offset=MAX_OFFSET + 1)


# --- exports -----------------------------------------------------------------------------------------------------


def _export(site: Site, table: str, fmt: str, view: object, target: object = None) -> dict:
    button = {"type": "explore-export", "table": table, "format": fmt}
    body = _body(site, "explore-download.data", {"explore-view.data": view, "explore-drill-target.data": target})
    body["inputs"] = [[{"id": button, "property": "n_clicks", "value": 1}]]
    body["changedPropIds"] = [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    response = _post(site, body)
    assert response.status_code == 200, response.text[:300]
    return response.get_json()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_by_procedure_over_part_of_a_month_says_why_in_the_page(site: Site, fmt: str) -> None:
    view = {"preset": "custom", "from": "2025-03-02", "to": "2025-03-31", "by": "procedure"}
    answer = _export(site, "table", fmt, view)
    assert "explore-download" not in answer.get("response", {})  # nothing to download
    shown = answer["sideUpdate"]["explore-error"]
    assert PROCEDURE_MESSAGE in shown["children"] and shown["hide"] is False


def _file(site: Site, table: str, fmt: str, view: object, target: object = None) -> bytes:
    """The bytes of the file an export button downloads."""
    exported = _export(site, table, fmt, view, target)["response"]["explore-download"]["data"]
    return base64.b64decode(exported["content"]) if exported.get("base64") else exported["content"].encode()


def test_a_drill_export_of_a_procedure_over_part_of_a_month_lists_its_dossiers(site: Site) -> None:
    view = {"preset": "custom", "from": "2025-03-02", "to": "2025-03-31", "procedure": PROCEDURE}
    exported = _file(site, "drill", "csv", view, SELECTION).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(exported)))) == 1 + 8  # the header and March's 8 received


@pytest.mark.parametrize("table", ["table", "drill"])
def test_csv_exports_start_with_a_utf8_bom(site: Site, table: str) -> None:
    data = _file(site, table, "csv", MARCH_VIEW, SELECTION)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel on Windows then reads the Vietnamese as Vietnamese
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[0] == ("Mã" if table == "table" else "Mã hồ sơ")


def test_the_kpi_table_exports_counts_and_percentages_excel_can_compute_with(site: Site) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(_file(site, "table", "xlsx", MARCH_VIEW))).active
    header, *rows = sheet.iter_rows()
    column = {cell.value: index for index, cell in enumerate(header)}
    (row,) = rows  # one agency in the edge cases
    received, on_time = row[column["Hồ sơ tiếp nhận"]], row[column["Tỷ lệ giải quyết đúng hạn"]]
    assert (received.value, received.data_type, received.number_format) == (8, "n", "#,##0")
    assert on_time.value == pytest.approx(0.6667) and on_time.number_format == "0.00%"  # 66,67 % in Excel


def test_the_drill_export_has_date_cells_names_and_status_labels(site: Site) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(_file(site, "drill", "xlsx", MARCH_VIEW, SELECTION))).active
    header, *rows = sheet.iter_rows()
    cells = {cell.value: index for index, cell in enumerate(header)}
    by_key = {row[cells["Mã hồ sơ"]].value: row for row in rows}
    at_due = by_key["at-due"]
    received = at_due[cells["Tiếp nhận"]]
    assert received.value == datetime(2025, 3, 3, 8, 0) and received.number_format == "dd/mm/yyyy hh:mm"
    assert received.data_type in ("d", "n")  # a date cell (openpyxl reads dates back as numbers typed "n")
    assert at_due[cells["Cơ quan"]].value == "UBND Phường Phú Xuân"
    assert at_due[cells["Đơn vị"]].value == "Phường Phú Xuân"
    assert at_due[cells["Thủ tục"]].value == "Đăng ký khai sinh"
    assert at_due[cells["Mã thủ tục"]].value == PROCEDURE
    assert at_due[cells["Trạng thái"]].value == "Đã trả kết quả"
    assert by_key["overdue"][cells["Trạng thái"]].value == "Đang xử lý"
    assert by_key["overdue"][cells["Hoàn thành"]].value is None


def test_the_drill_down_shows_names_and_status_labels(site: Site) -> None:
    rows = {row["source_key"]: row for row in _drill(site, SELECTION, 1)["explore-drill-table"]["rowData"]}
    assert rows["at-due"]["agency_name"] == "UBND Phường Phú Xuân"
    assert rows["at-due"]["unit_name"] == "Phường Phú Xuân"
    assert rows["at-due"]["procedure_name"] == "Đăng ký khai sinh"
    assert rows["at-due"]["status"] == "Đã trả kết quả"
    english = _drill(site, SELECTION, 1, MARCH_VIEW | {"lang": "en"})["explore-drill-table"]["rowData"]
    at_due = next(row for row in english if row["source_key"] == "at-due")
    assert at_due["agency_name"] == "People's Committee of Phường Phú Xuân" and at_due["status"] == "Result returned"


@pytest.mark.parametrize("button", [{"type": "explore-export"}, {"type": "explore-export", "table": ["x"]}])
def test_an_export_button_that_names_nothing_exports_nothing(site: Site, button: dict) -> None:
    """A button whose id does not fit the callback's pattern (keys missing, a list for a value) is refused by the
    guard before the callback runs."""
    body = _body(site, "explore-download.data", {"explore-view.data": MARCH_VIEW})
    body["inputs"] = [[{"id": button, "property": "n_clicks", "value": 1}]]
    body["changedPropIds"] = [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    refused = _post(site, body)
    assert refused.status_code == 400 and set(refused.get_json()) == {"error"}


FULL_WIDTH = ["＝1+1", "＋SUM(A1:A2)", "－2+3", "＠cmd", "﹦1+1", "﹢1", "﹣1", "﹫cmd"]


def test_csv_neutralises_full_width_formula_prefixes_like_ascii_ones() -> None:
    rows = [{"text": text} for text in FULL_WIDTH]
    parsed = list(csv.reader(io.StringIO(csv_text(rows))))
    assert parsed == [["text"], *([f"'{text}"] for text in FULL_WIDTH)]
    assert neutralised("Ｈuế") == "Ｈuế" and neutralised("1+1") == "1+1"  # other full-width letters stay as they are


def test_xlsx_keeps_full_width_formula_prefixes_as_text() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([{"text": text} for text in FULL_WIDTH]))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == FULL_WIDTH and {cell.data_type for cell in cells} == {"s"}


# --- requests Dash itself cannot answer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/nope/x.js",
        "/_dash-component-suites/os/path.js",
        "/_dash-component-suites/dash/nope.js",
        "/_dash-component-suites/dash/../../etc/passwd",
        "/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.min.js",
        "/_dash-component-suites/dash_mantine_components/x.js",
    ],
)
def test_an_unknown_script_is_404(site: Site, path: str) -> None:
    response = site.client.get(path)
    assert response.status_code == 404 and "not found" in response.text.lower(), response.text[:200]
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # the guard's headers still come


def test_a_known_script_is_still_served(site: Site) -> None:
    script = next(p for p in site.client.get("/explore").text.split('"') if "/_dash-component-suites/dash/" in p)
    assert site.client.get(script).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"output": "explore-nope.data"},
        {"output": "explore-download.data"},
        {"output": "explore-download.data", "inputs": "x", "state": []},
        {"output": "explore-download.data", "inputs": [], "state": []},
        {"output": "explore-download.data", "inputs": [[]], "state": [{}, {}], "changedPropIds": []},
        {"output": "explore-download.data", "inputs": [{"id": "x", "property": "n_clicks"}], "state": [None, None]},
        {"output": "explore-download.data", "inputs": [[5]], "state": [{"id": "a"}, {"id": "b", "property": 1}]},
        {"output": "explore-download.data", "inputs": [[]], "state": [], "changedPropIds": 5},
        {"output": "explore-download.data", "outputs": 5, "inputs": [[]], "state": [{}, {}], "changedPropIds": []},
    ],
)
def test_a_malformed_callback_request_is_400(site: Site, body: dict) -> None:
    response = _post(site, body)
    assert response.status_code == 400, response.text[:300]
    assert set(response.get_json()) == {"error"}


@pytest.mark.parametrize(
    "change",
    [
        {"outputs": {"id": "explore-other", "property": "data"}},
        {"outputs": [{"id": "explore-download", "property": "data"}]},
        {"changedPropIds": ["{not json.n_clicks"]},
        {"changedPropIds": ["no-property"]},
        {"changedPropIds": [5]},
    ],
)
def test_a_callback_request_naming_other_outputs_or_odd_changes_is_400(site: Site, change: dict) -> None:
    response = _post(site, _body(site, "explore-download.data", {}) | change)
    assert response.status_code == 400 and set(response.get_json()) == {"error"}, response.text[:300]


def test_a_well_formed_callback_request_is_still_answered(site: Site) -> None:
    assert _render(site, MARCH_VIEW)["explore-table"]["rowData"]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
_VIEW_KEYS = ("preset", "from", "to", "first", "last", "lang", "by", "kpi", "unit", "channel", "applicant_type")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(view=st.dictionaries(st.sampled_from(_VIEW_KEYS), _JSON | _DAYS, max_size=5), page=_JSON)
def test_no_stored_view_or_page_breaks_the_explorer(site: Site, view: dict, page: object) -> None:
    assert _render(site, view)["explore-summary"]["children"]
    assert _drill(site, SELECTION, page, view)["explore-drill-title"]["children"]


def _page(site: Site, path: str, search: str) -> dict:
    router = next(k for k in site.app.callback_map if "_pages_content" in k)
    response = _post(site, _body(site, router, {"_pages_location.pathname": path, "_pages_location.search": search}))
    assert response.status_code == 200
    return response.get_json()


def _component(tree: object, component_id: str) -> dict | None:
    """The props of the component with ``component_id`` in a page's JSON."""
    if isinstance(tree, list):
        return next((found for item in tree if (found := _component(item, component_id))), None)
    if not isinstance(tree, dict):
        return None
    if tree.get("props", {}).get("id") == component_id:
        return tree["props"]
    return next((found for value in tree.values() if (found := _component(value, component_id))), None)


@pytest.mark.parametrize(
    ("search", "named"),
    [
        ("?unit=99999", ["99999"]),
        ("?agency=NOPE&by=unit", ["NOPE"]),
        ("?field=X&procedure=Y", ["X", "Y"]),
        ("?unit=48", ["48"]),  # another province's code
        ("?channel=9&unit=19753", ["9"]),  # no such channel; the known commune stays
    ],
)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_url_with_an_unknown_code_shows_the_default_view_and_says_so(
    site: Site, search: str, named: list[str], lang: str
) -> None:
    page = _page(site, "/explore", f"{search}&lang={lang}")
    notice = _component(page, "explore-notice")
    assert notice is not None and notice["hide"] is False
    text = json.dumps(notice, ensure_ascii=False)
    assert all(code in text for code in named)
    assert ("không có trong kho dữ liệu" if lang == "vi" else "not in the warehouse") in text.lower()
    stored = _component(page, "explore-view")["data"]  # type: ignore[index]
    assert all(stored[name] is None for name in ("agency", "field", "procedure", "channel"))
    assert stored["unit"] == ("19753" if "unit=19753" in search else None)
    assert stored["by"] == ("unit" if "by=unit" in search else "agency")  # what is known stays


def test_a_url_with_known_codes_shows_no_notice(site: Site) -> None:
    page = _page(site, "/explore", "?unit=19753&agency=UBND-19753&field=HT&procedure=1.001234")
    assert _component(page, "explore-notice")["hide"] is True  # type: ignore[index]
    assert _component(page, "explore-view")["data"]["unit"] == "19753"  # type: ignore[index]


def test_a_stored_view_with_an_unknown_code_shows_why_and_no_zeros(site: Site) -> None:
    shown = _render(site, MARCH_VIEW | {"unit": "99999"})
    assert "99999" in shown["explore-error"]["children"] and shown["explore-error"]["hide"] is False
    assert shown["explore-tiles"]["children"] == [] and shown["explore-table"]["rowData"] == []


def _route(site: Site, path: str, search: str) -> int:
    router = next(k for k in site.app.callback_map if "_pages_content" in k)
    body = _body(site, router, {"_pages_location.pathname": path, "_pages_location.search": search})
    return _post(site, body).status_code


@pytest.mark.parametrize(
    ("path", "search"),
    [
        ("/explore", "?preset=custom&from=9999-12-31&to=9999-12-31"),
        ("/explore", "?channel=" + "9" * 5000),
        ("/wall", "?date=9999-12-31"),
        ("/wall", "?date=0001-01-01"),
        ("/wall", "?rotate=" + "9" * 5000),
        ("/wall/rankings", "?date=9999-12-31"),
        ("/wall/rankings", "?date=0001-01-01"),
        ("/wall/risk", "?date=9999-12-31"),
        ("/wall/risk", "?date=2999-12-31"),
        ("/wall/risk", "?rotate=" + "9" * 5000),
    ],
)
def test_odd_query_strings_still_show_the_page(site: Site, path: str, search: str) -> None:
    assert _route(site, path, search) == 200


@pytest.mark.parametrize(
    "options",
    [None, 5, "x", [], {"date": ["2025-03-01"]}, {"date": "9999-12-31", "lang": {"a": 1}, "map": ["received"]}],
)
@pytest.mark.parametrize("output", ["wall-tiles.children", "wall-agency-table.children"])
def test_the_wall_refreshes_whatever_options_its_page_keeps(site: Site, output: str, options: object) -> None:
    """A wall-screen's stored options are client data too: checked again, or the default wall."""
    stores = {"wall-options.data": options, "wall-state.data": [1]}
    shown = _call(site, output, stores, None)
    assert shown is not None and shown["response"]


# --- the pure parts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"preset": "custom", "from": "0001-01-01", "to": "0001-01-31"},
        {"preset": "custom", "from": "2999-12-31", "to": "9999-12-31"},
        {"preset": "custom", "from": "2015-01-01", "to": "2025-12-31"},  # eleven years
        {"preset": "custom", "from": "２０２５-03-01", "to": "2025-03-31"},
        {"channel": "9" * 5000},
        {"channel": "٣"},
        {"applicant_type": 2.0},
        {"kpi": ["received"]},
        {"by": {"a": 1}},
        {"preset": ["custom"]},
    ],
)
def test_view_values_out_of_range_fall_back_to_the_default(params: dict) -> None:
    assert parse(params) == View()


def test_a_view_of_ten_years_is_kept() -> None:
    view = parse({"preset": "custom", "from": "2016-01-01", "to": "2025-12-31"})
    assert (view.first, view.last) == (date(2016, 1, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    "make",
    [
        lambda: Period.inclusive(date.max, date.max),
        lambda: Period.inclusive(date(9999, 12, 1), date(9999, 12, 31)),
        lambda: Period.containing(date.max, "day"),
        lambda: Period.containing(date.max, "week"),
        lambda: Period.containing(date(9999, 12, 5), "month"),
        lambda: Period.containing(date(9999, 12, 5), "year"),
        lambda: Period.inclusive(date.min, date.min).previous(),
        lambda: Period.containing(date.min, "month").previous(),
    ],
)
def test_periods_past_the_calendar_are_a_clear_error(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IOCError, match="calendar"):
        make()
