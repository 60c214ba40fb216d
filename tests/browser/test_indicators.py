"""Indicators in headless Chromium: the explorer's picker shows a collected (non-dossier) indicator by unit, agency and
month with its map and export; ``/wall/digital`` shows the "4 không" with data, and "chưa đặt" where no target is set;
an indicator added on the admin page, once values for it load, appears in the explorer with no code change."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from browser import grid
from browser.conftest import console_errors, map_drawn, requests_leaving_loopback, screenshot, set_viewport, sign_in
from ioc.collecting.store import add_collector
from ioc.indicators.load import load_values
from ioc.indicators.model import IndicatorValue, parse_period
from ioc.kpi.periods import Period
from ioc.units import communes
from ioc.warehouse.engine import make_engine

#: Communes with paperless-document figures: 3 of them, sent electronically 90 of 100, 45 of 90 and 10 of 80.
DOCUMENTS = ((90, 100), (45, 90), (10, 80))


def _month(dashboard) -> Period:  # type: ignore[no-untyped-def]
    """A whole month before this one (inside the simulator's data)."""
    return Period.containing(dashboard.first_day + timedelta(days=40), "month")


def _load(dashboard, name: str, values: list[IndicatorValue]) -> None:  # type: ignore[no-untyped-def]
    """Values into the dashboard's warehouse through the real sink, as a collector's run would."""
    engine = make_engine(f"sqlite:///{dashboard.env['IOC_DATA_DIR']}/ioc.db")
    try:
        with engine.begin() as connection:
            collector = add_collector(connection, name, "dossier-sync", f"http://127.0.0.1:9/{name}")
            load_values(connection, collector.id, None, values, datetime.now())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def documents(dashboard) -> list[str]:  # type: ignore[no-untyped-def]
    """docs_sent_electronic for three communes, last whole month and the month before it."""
    codes = [commune.code for commune in communes("46")[:3]]
    month = _month(dashboard)
    before = Period.containing(month.start - timedelta(days=1), "month")
    values = [
        IndicatorValue("docs_sent_electronic", code, "", parse_period(f"{m.start:%Y-%m}"), None, n, d)
        for code, (n, d) in zip(codes, DOCUMENTS, strict=True)
        for m in (before, month)
    ]
    _load(dashboard, "qlvb-browser", values)
    return codes


def _choose(driver: WebDriver, select_id: str, typed: str, label: str) -> None:
    box = driver.find_element(By.ID, select_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.click()
    box.send_keys(typed)
    option = WebDriverWait(driver, 10).until(
        lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == label), None)
    )
    option.click()


def _table(driver: WebDriver) -> list[list[str]]:
    """The indicator table's cells, read in one go in the page (it is redrawn while the view changes)."""
    return grid.table(driver, "explore-indicator-table")


def _summary(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "explore-indicator-summary").text


def test_the_explorer_picks_a_collected_indicator_by_unit_and_month_with_its_map_and_export(
    dashboard, browser, documents, downloads: Path
):
    sign_in(browser, dashboard, "analyst")
    month = _month(dashboard)
    browser.get(f"{dashboard.url}/explore?preset=custom&from={month.start}&to={month.last_day}")
    WebDriverWait(browser, 30).until(lambda d: "Chọn một chỉ tiêu" in _summary(d))
    _choose(browser, "explore-indicator-code", "gửi điện tử", "Tỷ lệ văn bản đi gửi điện tử (docs_sent_electronic)")
    WebDriverWait(browser, 20).until(lambda d: "indicator=docs_sent_electronic" in d.current_url)
    # 145 of 270 in the province: 53,70 % (never the 50,83 % an average of the communes' rates would give).
    WebDriverWait(browser, 20).until(lambda d: "53,70 %" in _summary(d))
    assert "Mục tiêu: chưa đặt" in _summary(browser)
    WebDriverWait(browser, 20).until(lambda d: len(_table(d)) == 3)
    assert [row[2] for row in _table(browser)] == ["90,00 %", "50,00 %", "12,50 %"]
    WebDriverWait(browser, 30).until(lambda d: map_drawn(d, "explore-indicator-map"))
    z = browser.execute_script("return document.querySelector('#explore-indicator-map .js-plotly-plot').data[1].z;")
    assert sorted(v for v in z if v is not None) == [12.5, 50.0, 90.0]
    screenshot(browser, "explore-indicator")

    # By month: the URL keeps it, a reload shows the same view.
    browser.find_element(By.XPATH, "//*[@id='explore-indicator-by']//label[normalize-space()='Theo tháng']").click()
    WebDriverWait(browser, 20).until(lambda d: "indicator_by=month" in d.current_url)
    WebDriverWait(browser, 20).until(lambda d: _table(d) and _table(d)[0][1] == f"{month.start:%m/%Y}")
    browser.get(browser.current_url)
    WebDriverWait(browser, 30).until(lambda d: _table(d) and _table(d)[0][1] == f"{month.start:%m/%Y}")

    before = set(downloads.iterdir())
    browser.find_element(By.ID, "explore-indicator-csv").click()
    WebDriverWait(browser, 20).until(
        lambda _: [p for p in set(downloads.iterdir()) - before if p.suffix == ".csv" and p.stat().st_size > 0]
    )
    (path,) = [p for p in set(downloads.iterdir()) - before if p.suffix == ".csv"]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Mã", "Theo tháng", "Tỷ lệ văn bản đi gửi điện tử (%)", "Tử số", "Mẫu số"]
    assert rows[1][:2] == [f"{month.start:%Y-%m}", f"{month.start:%m/%Y}"] and float(rows[1][2]) == 53.7
    assert [float(rows[1][3]), float(rows[1][4])] == [145, 270]
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []


DIGITAL_DRAWN = """
return document.querySelectorAll('#wall-digital-tiles .digital-tile').length === 6
    && document.querySelectorAll('#wall-digital-tiles .digital-trend .js-plotly-plot').length === 6;
"""


def _tile(driver: WebDriver, code: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'[id*=\'"indicator":"{code}"\']').text


def test_the_digital_wall_shows_the_four_nots_with_data_and_not_set(dashboard, browser, documents):
    sign_in(browser, dashboard, "display")
    set_viewport(browser, 1920, 1080)
    month = _month(dashboard)
    browser.get(f"{dashboard.url}/wall/digital?date={month.last_day}")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(DIGITAL_DRAWN))
    screenshot(browser, "wall-digital-1920x1080")
    text = browser.find_element(By.ID, "wall").text
    assert "CHÍNH QUYỀN SỐ" in text.upper() and "Cập nhật lúc" in text
    documents_tile = _tile(browser, "docs_sent_electronic")
    assert "53,70 %" in documents_tile and f"tháng {month.start:%m/%Y}" in documents_tile
    assert "Mục tiêu: chưa đặt" in documents_tile  # a shipped indicator has no target until an admin sets one
    assert "Mục tiêu: 80,00 %" in _tile(browser, "online_rate")  # a dossier KPI keeps its shipped target
    assert "Mục tiêu: chưa đặt" in _tile(browser, "feedback_on_time")
    # The trend of the paperless tile has its two months; legible from 5 m like the other wall pages.
    points = browser.execute_script(
        """const tile = document.querySelector("[id*='docs_sent_electronic']");
        return tile.querySelector('.js-plotly-plot').data[0].y.filter(v => v !== null);"""
    )
    assert points == [53.7, 53.7]
    height = browser.execute_script(
        "return document.querySelector('.digital-tile .tile-value').getBoundingClientRect().height;"
    )
    assert height >= 0.045 * 1080
    scroll = browser.execute_script(
        "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight, innerWidth, innerHeight];"
    )
    assert scroll[0] <= scroll[2] and scroll[1] <= scroll[3], f"the wall scrolls: {scroll}"
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []


def test_an_indicator_added_on_the_admin_page_appears_in_the_explorer_once_loaded(dashboard, browser):
    sign_in(browser, dashboard, "admin")
    browser.get(f"{dashboard.url}/admin/indicators")
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#admin-indicators-table .ag-body .ag-cell")
    )
    fields = {
        "code": "docs_digitised_browser",
        "name_vi": "Văn bản được số hóa <b>thử</b>",
        "name_en": "Documents digitised",
        "unit": "văn bản",
    }
    for name, value in fields.items():
        browser.find_element(By.ID, f"admin-indicators-{name}").send_keys(value)
    browser.find_element(By.ID, "admin-indicators-add").click()
    WebDriverWait(browser, 20).until(
        lambda d: "Đã thêm chỉ tiêu docs_digitised_browser" in d.find_element(By.ID, "admin-indicators-message").text
    )
    WebDriverWait(browser, 20).until(  # the grid draws only the rows in view: ask it for all of them
        lambda d: any(
            "docs_digitised_browser" in map(str, row.values()) for row in grid.all_rows(d, "admin-indicators-table")
        )
    )
    month = _month(dashboard)
    _load(
        dashboard,
        "so-hoa-browser",
        [IndicatorValue("docs_digitised_browser", "46", "", parse_period(f"{month.start:%Y-%m}"), 4321)],
    )
    browser.get(f"{dashboard.url}/explore?preset=custom&from={month.start}&to={month.last_day}")
    WebDriverWait(browser, 30).until(lambda d: "Chọn một chỉ tiêu" in _summary(d))
    _choose(browser, "explore-indicator-code", "số hóa", "Văn bản được số hóa <b>thử</b> (docs_digitised_browser)")
    WebDriverWait(browser, 20).until(lambda d: "4.321 văn bản" in _summary(d))
    assert "indicator=docs_digitised_browser" in urlsplit(browser.current_url).query
    assert browser.execute_script("return window.__xss") is None
    assert console_errors(browser) == []
