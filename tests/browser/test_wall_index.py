"""``/wall/index`` in headless Chromium as a wall-screen: the total, six group bars, the trend and the portal's
published scores beside IOC's (flagged where they differ), at both screen sizes, nothing from outside, no scrolling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from browser.conftest import console_errors, requests_leaving_loopback, screenshot, set_viewport, sign_in
from ioc.collecting.store import add_collector, list_collectors
from ioc.config import load_settings, now_local
from ioc.indicators.load import load_values
from ioc.indicators.model import IndicatorValue, parse_period
from ioc.warehouse import schema
from ioc.warehouse.engine import make_engine

DRAWN = """
return document.querySelectorAll('#wall-index-bars .index-bar').length === 6
    && document.querySelectorAll('#wall-index-trend .scatterlayer .trace').length > 0
    && document.querySelector('#wall-index-points') !== null;
"""


@pytest.fixture
def published(dashboard, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The portal's published scores for this month and the last (early in a month the page shows the last): a total
    (99) far from anything IOC can compute."""
    monkeypatch.setenv("IOC_DATA_DIR", dashboard.env["IOC_DATA_DIR"])
    engine = make_engine(load_settings().warehouse_url)
    unit = schema.Unit.__table__
    today = now_local().date()
    months = [parse_period(day.strftime("%Y-%m")) for day in (today, today.replace(day=1) - timedelta(days=1))]
    with engine.begin() as connection:
        province = connection.execute(select(unit.c.code).where(unit.c.level == "province")).scalar_one()
        existing = {config.name: config for config in list_collectors(connection)}.get("published-766")
        owner = existing or add_collector(connection, "published-766", "dossier-sync", "http://127.0.0.1:9/api/x")
        values = [
            IndicatorValue(code, province, "", month, points)
            for month in months
            for code, points in (("portal766.total", 99.0), ("portal766.progress", 19.5))
        ]
        load_values(connection, owner.id, None, values, now_local())
    engine.dispose()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_the_index_wall_shows_the_total_six_bars_and_the_portal_beside_iocs(
    dashboard, browser, published, width, height
):
    sign_in(browser, dashboard, "display")
    set_viewport(browser, width, height)
    browser.get(f"{dashboard.url}/wall/index")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(DRAWN))
    screenshot(browser, f"wall-index-{width}x{height}")

    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []
    scroll = browser.execute_script(
        "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight, innerWidth, innerHeight];"
    )
    assert scroll[0] <= scroll[2] and scroll[1] <= scroll[3], f"the page scrolls: {scroll}"
    text = browser.find_element(By.ID, "wall").text
    assert "điểm IOC tính được (trên 100)" in text and "Tiến độ giải quyết" in text and "Mức độ hài lòng" in text
    total = browser.find_element(By.ID, "wall-index-portal-total").text
    assert "Cổng DVCQG: 99,00" in total and "lệch" in total  # IOC computes at most 36 of the 100 points
    assert "Cổng DVCQG: 19,50" in browser.find_element(By.ID, "wall-index-portal-progress").text
    assert "Cổng DVCQG: chưa thu thập" in browser.find_element(By.ID, "wall-index-portal-satisfaction").text
    assert browser.find_elements(By.CSS_SELECTOR, "#wall-index-gaps li")
    # Every ranked name has its points on screen beside it, however long the name.
    values = browser.execute_script(
        """const panel = document.getElementById('wall-index-rankings').getBoundingClientRect();
        return [...document.querySelectorAll('#wall-index-rankings .ranking-value')].map(v => {
            const r = v.getBoundingClientRect(); return r.width > 0 && r.right <= panel.right + 0.5; });"""
    )
    assert values and all(values), values
    # Legible from 5 m: the total is at least 4.5 % of the screen's height.
    height_shown = browser.execute_script(
        "return document.getElementById('wall-index-points').getBoundingClientRect().height;"
    )
    assert height_shown >= 0.045 * height
