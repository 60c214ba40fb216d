"""The explorer in headless Chromium: filters and cross-filters change every chart, the URL holds the view, exports
match the table, a number drills down to its dossiers."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from browser import grid
from browser.conftest import (
    console_errors,
    map_drawn,
    requests_leaving_loopback,
    screenshot,
    set_viewport,
    sign_in,
)
from ioc.kpi.periods import Period
from ioc.kpi.registry import KPIS
from ioc.warehouse import schema
from ioc.warehouse.engine import make_engine

READY = """
return document.querySelectorAll('#explore-tiles > div').length === 7
    && document.querySelectorAll('#explore-bars .bars .point').length > 0
    && document.querySelectorAll('#explore-table .ag-body .ag-cell').length > 0;
"""


@pytest.fixture(autouse=True)
def _as_an_analyst(dashboard, browser) -> None:  # type: ignore[no-untyped-def]
    sign_in(browser, dashboard, "analyst")


def _open(driver: WebDriver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(READY) and map_drawn(d, "explore-map"))


def _received(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "#explore-tiles > div p:nth-child(2)").text


def _graph_data(driver: WebDriver, graph_id: str) -> list:
    return driver.execute_script(
        f"return document.querySelector('#{graph_id} .js-plotly-plot').data.map(t => [t.x, t.y, t.z]);"
    )


def _table(driver: WebDriver, table_id: str = "explore-table") -> list[list[str]]:
    return grid.table(driver, table_id)


def _choose(driver: WebDriver, select_id: str, label: str) -> None:
    driver.find_element(By.ID, select_id).click()
    option = WebDriverWait(driver, 10).until(
        lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == label), None)
    )
    option.click()


def _last_month(dashboard) -> Period:  # type: ignore[no-untyped-def]
    """A whole month with data: the one after the simulator's first."""
    return Period.containing(dashboard.first_day + timedelta(days=40), "month")


def test_a_filter_changes_every_chart_and_the_url(dashboard, browser):
    _open(browser, f"{dashboard.url}/explore")
    before = (_received(browser), _graph_data(browser, "explore-bars"), _graph_data(browser, "explore-map"))
    _choose(browser, "explore-filter-channel", "Trực tuyến")
    WebDriverWait(browser, 20).until(lambda d: "channel=2" in d.current_url and _received(d) != before[0])
    WebDriverWait(browser, 20).until(lambda d: _graph_data(d, "explore-bars") != before[1])
    WebDriverWait(browser, 20).until(lambda d: _graph_data(d, "explore-map") != before[2])
    assert "Kênh nộp: Trực tuyến" in browser.find_element(By.ID, "explore-summary").text
    screenshot(browser, "explore-channel")
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []


def test_clicking_a_commune_on_the_map_filters_everything_and_clear_undoes_it(dashboard, browser):
    _open(browser, f"{dashboard.url}/explore")
    province_received = _received(browser)
    # A commune with a value, and where its centre is on the screen, as maplibre projects it.
    target = browser.execute_script(
        """
        const gd = document.querySelector('#explore-map .js-plotly-plot');
        const trace = gd.data[1];
        const i = trace.z.findIndex(v => v !== null);
        const feature = trace.geojson.features.find(f => f.id === trace.locations[i]);
        const ring = feature.geometry.coordinates[0];
        const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length;
        const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
        const map = gd._fullLayout.map._subplot.map;
        const point = map.project([lon, lat]);
        const box = map.getCanvas().getBoundingClientRect();
        return {code: trace.locations[i], x: point.x - box.width / 2, y: point.y - box.height / 2};
        """
    )
    canvas = browser.find_element(By.CSS_SELECTOR, "#explore-map canvas.maplibregl-canvas")
    ActionChains(browser).move_to_element_with_offset(canvas, round(target["x"]), round(target["y"])).click().perform()
    WebDriverWait(browser, 20).until(lambda d: f"unit={target['code']}" in d.current_url)
    WebDriverWait(browser, 20).until(lambda d: _received(d) != province_received)
    assert browser.find_element(By.ID, "explore-filter-unit").get_attribute(
        "value"
    )  # the commune's name shows in the filter
    browser.find_element(By.ID, "explore-filter-clear").click()
    WebDriverWait(browser, 20).until(lambda d: "unit=" not in d.current_url and _received(d) == province_received)
    assert browser.find_element(By.ID, "explore-filter-unit").get_attribute("value") == ""
    assert console_errors(browser) == []


def test_the_url_holds_the_whole_view(dashboard, browser):
    month = _last_month(dashboard)
    query = f"preset=custom&from={month.start}&to={month.last_day}&channel=2&by=field&kpi=online_rate"
    _open(browser, f"{dashboard.url}/explore?{query}")
    assert browser.find_element(By.ID, "explore-filter-channel").get_attribute("value") == "Trực tuyến"
    assert browser.find_element(By.ID, "explore-filter-dates").text.replace(" ", "") == (
        f"{month.start:%d/%m/%Y}–{month.last_day:%d/%m/%Y}"
    )
    headers = grid.headers(browser, "explore-table")
    assert "Lĩnh vực" in headers
    shown = _table(browser)
    time.sleep(1)
    assert browser.current_url.endswith(query), "loading a view must not rewrite its URL"
    browser.refresh()
    _open(browser, browser.current_url)
    assert _table(browser) == shown
    # A change made on the page is in the URL, so a reload keeps it.
    browser.find_element(By.XPATH, "//*[@id='explore-by']//label[normalize-space()='Xã, phường']").click()
    WebDriverWait(browser, 20).until(lambda d: "by=unit" in d.current_url)
    WebDriverWait(browser, 20).until(lambda d: _table(d) != shown)
    by_unit = _table(browser)
    browser.refresh()
    _open(browser, browser.current_url)
    assert _table(browser) == by_unit


def test_a_link_with_an_unknown_commune_shows_the_default_view_and_a_notice(dashboard, browser):
    month = _last_month(dashboard)
    query = f"preset=custom&from={month.start}&to={month.last_day}"
    _open(browser, f"{dashboard.url}/explore?{query}")
    default = _received(browser)
    _open(browser, f"{dashboard.url}/explore?{query}&unit=99999")
    notice = browser.find_element(By.ID, "explore-notice")
    assert notice.is_displayed() and "Không có trong kho dữ liệu: Xã, phường '99999'" in notice.text
    assert browser.find_element(By.ID, "explore-filter-unit").get_attribute("value") == ""
    assert _received(browser) == default != "0"  # the whole selection, not the zeros of a commune that is not there
    assert not console_errors(browser)


def _number(text: str) -> float | None:
    return None if text in ("", "–") else float(text.replace(".", "").replace(",", "."))


def test_the_commune_bars_show_every_commune_in_a_panel_that_scrolls(dashboard, browser):
    month = _last_month(dashboard)
    _open(browser, f"{dashboard.url}/explore?preset=custom&from={month.start}&to={month.last_day}&by=unit")
    shown = browser.execute_script(
        """const panel = document.querySelector('.bars-scroll');
        const plot = document.querySelector('#explore-bars .js-plotly-plot');
        return {bars: plot.data[0].y, title: plot.layout.title.text,
                scrolls: panel.scrollHeight > panel.clientHeight, height: panel.clientHeight};"""
    )
    engine = make_engine(f"sqlite:///{dashboard.env['IOC_DATA_DIR']}/ioc.db")
    with engine.connect() as connection:
        units = connection.execute(select(schema.Unit.name, schema.Unit.level)).all()
    engine.dispose()
    communes = {name for name, level in units if level == "commune"}  # a whole month: each has dossiers resolved
    assert sorted(shown["bars"]) == sorted(communes)  # every commune once, and not the province's own row
    assert shown["title"] == f"Tất cả {len(communes)}"
    assert shown["scrolls"] and shown["height"] <= 640
    assert console_errors(browser) == []


def test_the_xlsx_export_opens_and_matches_the_table(dashboard, browser, downloads: Path):
    month = _last_month(dashboard)
    _open(browser, f"{dashboard.url}/explore?preset=custom&from={month.start}&to={month.last_day}&by=agency")
    headers = grid.headers(browser, "explore-table")
    shown = _table(browser)
    before = set(downloads.iterdir())
    browser.find_element(By.XPATH, "//button[normalize-space()='XLSX'][ancestor::*[.//*[@id='explore-table']]]").click()
    WebDriverWait(browser, 20).until(
        lambda _: [p for p in set(downloads.iterdir()) - before if p.suffix == ".xlsx" and p.stat().st_size > 0]
    )
    (path,) = [p for p in set(downloads.iterdir()) - before if p.suffix == ".xlsx"]
    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == headers
    assert len(rows) - 1 >= len(shown)
    scale = [100 if kpi.is_rate else 1 for kpi in KPIS]  # rates are stored as shares, shown as percentages
    for cells, exported in zip(shown, rows[1:], strict=False):
        assert list(exported[:2]) == cells[:2]
        values = [None if v is None else round(float(v) * k, 2) for v, k in zip(exported[2:], scale, strict=True)]
        assert values == [_number(c) for c in cells[2:]]


def _drill_names(driver: WebDriver) -> list[str]:
    return [row.get("applicant_name", "") for row in grid.rows(driver, "explore-drill-table")]


def test_a_number_drills_down_to_its_dossiers_with_names_masked(dashboard, browser):
    month = _last_month(dashboard)
    _open(browser, f"{dashboard.url}/explore?preset=custom&from={month.start}&to={month.last_day}&by=agency")
    cell = grid.cell(browser, "explore-table", "received", index=1)
    expected = cell.text
    cell.click()
    WebDriverWait(browser, 20).until(lambda d: len(_table(d, "explore-drill-table")) > 0)
    title = browser.find_element(By.ID, "explore-drill-title").text
    assert title.endswith(f": {expected} hồ sơ"), title
    names = _drill_names(browser)
    assert names and all("*" in name for name in names if name)
    # A figure above the charts drills down too: the whole selection's resolved dossiers.
    tile = browser.find_elements(By.CSS_SELECTOR, "#explore-tiles > div")[1]
    resolved = tile.find_element(By.CSS_SELECTOR, "p:nth-child(2)").text
    tile.click()
    WebDriverWait(browser, 20).until(lambda d: "toàn bộ lựa chọn" in d.find_element(By.ID, "explore-drill-title").text)
    assert browser.find_element(By.ID, "explore-drill-title").text.endswith(f": {resolved} hồ sơ")
    assert console_errors(browser) == []


def test_an_admin_sees_applicants_names_in_full(dashboard, browser):
    browser.delete_all_cookies()
    sign_in(browser, dashboard, "admin")
    month = _last_month(dashboard)
    _open(browser, f"{dashboard.url}/explore?preset=custom&from={month.start}&to={month.last_day}&by=agency")
    grid.cell(browser, "explore-table", "received", index=1).click()
    WebDriverWait(browser, 20).until(lambda d: len(_table(d, "explore-drill-table")) > 0)
    names = [name for name in _drill_names(browser) if name]
    assert names and not any("*" in name for name in names)


@pytest.mark.parametrize("path", ["/wall", "/explore"])
def test_pages_fit_a_phone(dashboard, browser, path):
    set_viewport(browser, 390, 844, mobile=True)
    browser.get(f"{dashboard.url}{path}")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".tile, #explore-tiles > div"))
    time.sleep(1)
    width = browser.execute_script("return [document.documentElement.scrollWidth, innerWidth];")
    assert width[0] <= width[1], f"{path} scrolls sideways on a phone: {width}"
    screenshot(browser, f"phone{path.replace('/', '-')}")
    assert console_errors(browser) == []


def test_a_page_whose_session_ended_shows_the_sign_in_form_at_its_next_update(dashboard, browser):
    _open(browser, f"{dashboard.url}/explore")
    browser.delete_cookie("ioc_session")  # as if signed out elsewhere, disabled, or past 12 hours
    _choose(browser, "explore-filter-channel", "Trực tuyến")  # the update is refused with 401: the page reloads
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "password"))
    assert urlsplit(browser.current_url).path == "/explore"  # signing in again comes back here


#: Texts of a graph (legend, ticks, titles, bar labels) under its mode bar, as drawn; the mode bar's own box.
UNDER_MODE_BAR = """
const graph = document.getElementById(arguments[0]);
const bar = graph.querySelector('.modebar');
const groups = [...graph.querySelectorAll('.modebar-group')];
if (!bar || !groups.length || groups.some(g => getComputedStyle(g).opacity !== '1')) { return null; }
const r = bar.getBoundingClientRect();
const texts = [...graph.querySelectorAll('svg text')].map(t => [t.textContent, t.getBoundingClientRect()]);
return texts.filter(([text, b]) => text && b.width && b.right > r.left && b.left < r.right && b.bottom > r.top
    && b.top < r.bottom).map(([text]) => text);
"""
NO_COMPARISON = "không có số liệu so sánh"
NO_MATCH = "Không có hồ sơ nào khớp"


def _tile_changes(driver: WebDriver) -> list[str]:
    return [p.text for p in driver.find_elements(By.CSS_SELECTOR, "#explore-tiles > div p:nth-child(3)")]


def _no_match_pair(dashboard) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A commune and another commune's people's committee: a selection no dossier matches."""
    engine = make_engine(f"sqlite:///{dashboard.env['IOC_DATA_DIR']}/ioc.db")
    with engine.connect() as connection:
        agencies = connection.execute(
            select(schema.Agency.code, schema.Agency.unit_code).where(schema.Agency.level == "commune").limit(2)
        ).all()
        (_, unit), (agency, _) = agencies
        matching = connection.execute(
            select(schema.Dossier.id).where(schema.Dossier.unit_code == unit, schema.Dossier.agency_code == agency)
        ).first()
    engine.dispose()
    assert matching is None
    return unit, agency


def test_the_explorer_says_what_it_cannot_show(dashboard, browser):
    # The month is compared with the month before, which the warehouse covers.
    _open(browser, f"{dashboard.url}/explore")
    assert NO_COMPARISON not in _tile_changes(browser)[0]
    # This year against a previous year the collector never reached: no comparable data, not "+9.488".
    _open(browser, f"{dashboard.url}/explore?preset=year")
    assert _tile_changes(browser) == [NO_COMPARISON] * 7
    # The mode bar, shown while the pointer is on a graph, covers none of the graph's labels.
    for graph_id in ("explore-trend", "explore-bars", "explore-map"):
        graph = browser.find_element(By.ID, graph_id)
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", graph)
        ActionChains(browser).move_to_element(graph).perform()
        WebDriverWait(browser, 10).until(lambda d, g=graph_id: d.execute_script(UNDER_MODE_BAR, g) is not None)
        covered = browser.execute_script(UNDER_MODE_BAR, graph_id)
        assert covered == [], f"the mode bar of {graph_id} covers {covered}"
    # A selection no dossier matches says so in place of the trend, the bars and the table, and nothing pages.
    unit, agency = _no_match_pair(dashboard)
    browser.get(f"{dashboard.url}/explore?unit={unit}&agency={agency}")
    message = WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "explore-table-empty"))
    WebDriverWait(browser, 30).until(lambda d: message.is_displayed())
    assert message.text == NO_MATCH
    assert not browser.find_element(By.ID, "explore-table").is_displayed()
    for graph_id in ("explore-trend", "explore-bars"):
        shown = browser.execute_script(
            """const plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
            return [plot.layout.annotations.map(a => a.text), plot.querySelectorAll('.ytick').length];""",
            graph_id,
        )
        assert shown == [[NO_MATCH], 0], graph_id  # no −1…1 axis
    browser.find_element(By.CSS_SELECTOR, "#explore-tiles > div").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "explore-drill-title").text.endswith(": 0 hồ sơ"))
    pagers = browser.find_elements(By.CSS_SELECTOR, "#explore-drill-page button, #explore-table .ag-paging-button")
    active = [b for b in pagers if b.is_displayed() and b.is_enabled() and b.get_attribute("aria-disabled") != "true"]
    assert active == [], [b.text for b in active]
    assert console_errors(browser) == []
