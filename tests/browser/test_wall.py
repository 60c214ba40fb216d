"""The wall-screen in headless Chromium: both screen sizes, nothing from outside, no scrollbars, no personal data,
rotation between its pages."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from browser.conftest import (
    console_errors,
    map_drawn,
    requests_leaving_loopback,
    screenshot,
    set_viewport,
    sign_in,
)
from ioc.config import load_settings
from ioc.warehouse import schema
from ioc.warehouse.engine import make_engine

DRAWN = """
return document.querySelectorAll('.tile').length === 7
    && document.querySelector('#wall-map canvas') !== null
    && document.querySelectorAll('#wall-trend .bars .point').length > 0
    && document.querySelectorAll('#wall-rankings li').length > 0;
"""


@pytest.fixture(autouse=True)
def _as_a_wall_screen(dashboard, browser) -> None:  # type: ignore[no-untyped-def]
    sign_in(browser, dashboard, "display")


def _wait_drawn(driver: WebDriver) -> None:
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(DRAWN) and map_drawn(d, "wall-map"))


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_wall_fills_the_screen_with_nothing_from_outside(dashboard, browser, width, height, monkeypatch):
    set_viewport(browser, width, height)
    browser.get(f"{dashboard.url}/wall")
    _wait_drawn(browser)
    screenshot(browser, f"wall-{width}x{height}")

    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []
    scroll = browser.execute_script(
        "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight, innerWidth, innerHeight];"
    )
    assert scroll[0] <= scroll[2] and scroll[1] <= scroll[3], f"the wall scrolls: {scroll}"
    wall = browser.execute_script(
        "const r = document.getElementById('wall').getBoundingClientRect(); return [r.right, r.bottom];"
    )
    assert wall[0] <= width + 1 and wall[1] <= height + 1, "the wall is larger than the screen"
    corners = browser.execute_script(
        """const w = document.getElementById('wall');
        return [[0.02, 0.02], [0.98, 0.02], [0.02, 0.97], [0.6, 0.6], [0.98, 0.9]].map(
            ([x, y]) => w.contains(document.elementFromPoint(x * innerWidth, y * innerHeight)));"""
    )
    assert all(corners), f"parts of the screen do not show the wall: {corners}"
    # Legible from 5 m: a tile's figure is at least 4.5 % of the screen's height (≈ 49 px on 1080 lines).
    figure_height = browser.execute_script(
        "return document.querySelector('.tile-value').getBoundingClientRect().height;"
    )
    assert figure_height >= 0.045 * height
    text = browser.find_element(By.ID, "wall").text
    assert "Hồ sơ tiếp nhận" in text and "Cập nhật lúc" in text

    monkeypatch.setenv("IOC_DATA_DIR", dashboard.env["IOC_DATA_DIR"])
    engine = make_engine(load_settings().warehouse_url)
    with engine.connect() as connection:
        names = (
            connection.execute(
                select(schema.Dossier.applicant_name).where(schema.Dossier.applicant_name.is_not(None)).limit(200)
            )
            .scalars()
            .all()
        )
    engine.dispose()
    page = browser.page_source
    assert names and not [name for name in names if name in page], "an applicant's name is on the wall"


def test_wall_numbers_are_vietnamese_and_english_on_request(dashboard, browser):
    set_viewport(browser, 1920, 1080)
    browser.get(f"{dashboard.url}/wall")
    _wait_drawn(browser)
    received = browser.find_element(By.CSS_SELECTOR, ".tile .tile-value").text
    assert "," not in received  # counts group thousands with "." in Vietnamese
    rate = browser.find_elements(By.CSS_SELECTOR, ".tile .tile-value")[2].text
    assert rate.endswith(" %") and "," in rate  # 92,70 %
    browser.get(f"{dashboard.url}/wall?lang=en")
    _wait_drawn(browser)
    assert "Dossiers received" in browser.find_element(By.ID, "wall").text
    assert "." in browser.find_elements(By.CSS_SELECTOR, ".tile .tile-value")[2].text


def test_wall_rotates_between_its_pages(dashboard, browser):
    set_viewport(browser, 1920, 1080)
    browser.get(f"{dashboard.url}/wall?rotate=5")
    _wait_drawn(browser)
    WebDriverWait(browser, 15).until(lambda d: d.current_url.startswith(f"{dashboard.url}/wall/rankings"))
    assert "rotate=5" in browser.current_url
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#wall-agency-table tbody tr"))
    WebDriverWait(browser, 15).until(lambda d: d.current_url.split("?")[0] == f"{dashboard.url}/wall")
    _wait_drawn(browser)
    assert console_errors(browser) == []
