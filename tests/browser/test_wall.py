"""The wall-screen in headless Chromium: both screen sizes, nothing from outside, no scrollbars, no personal data,
rotation between its pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select

from browser.conftest import (
    console_errors,
    map_drawn,
    requests_leaving_loopback,
    screenshot,
    set_viewport,
    sign_in,
)
from ioc.config import load_settings, now_local
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
    # The rankings show each of their pages for the rotation's 5 s, then "Chính quyền số", the index, the dossiers at
    # risk, then the wall.
    WebDriverWait(browser, 60).until(lambda d: d.current_url.split("?")[0] == f"{dashboard.url}/wall/digital")
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#wall-digital-tiles .digital-tile"))
    assert "rotate=5" in browser.current_url
    WebDriverWait(browser, 15).until(lambda d: d.current_url.split("?")[0] == f"{dashboard.url}/wall/index")
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#wall-index-bars .index-bar"))
    WebDriverWait(browser, 15).until(lambda d: d.current_url.split("?")[0] == f"{dashboard.url}/wall/risk")
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, "wall-risk-total"))
    WebDriverWait(browser, 15).until(lambda d: d.current_url.split("?")[0] == f"{dashboard.url}/wall")
    _wait_drawn(browser)
    assert console_errors(browser) == []


SHOWN_PAGE = """
const page = [...document.querySelectorAll('#wall-unit-table .wall-page')].find(p => p.offsetParent !== null);
if (!page) { return null; }
const panel = page.closest('.panel').getBoundingClientRect();
const rows = [...page.querySelectorAll('tbody tr')];
return {
    position: page.querySelector('.wall-page-position').textContent,
    names: rows.map(r => r.cells[0].textContent),
    fits: rows.every(r => r.getBoundingClientRect().bottom <= panel.bottom + 0.5),
    bottoms: [rows.length ? rows[rows.length - 1].getBoundingClientRect().bottom : 0, panel.bottom, rows.length],
    height: page.querySelector('.wall-page-position').getBoundingClientRect().height,
};
"""


def test_the_rankings_page_turns_through_every_commune_and_never_shows_the_province(dashboard, browser):
    set_viewport(browser, 1920, 1080)
    last_month = now_local().date().replace(day=1) - timedelta(days=1)  # a whole month: every commune has dossiers
    browser.get(f"{dashboard.url}/wall/rankings?rotate=5&date={last_month.isoformat()}")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(SHOWN_PAGE))
    first = browser.execute_script(SHOWN_PAGE)
    assert first["position"].startswith("Trang 1/"), first["position"]
    count = int(first["position"].split("/")[1])
    assert count >= 2, "the test province's communes should need more than one page"
    seen = {1: first}
    for number in range(2, count + 1):  # the page timer turns the pages: no clicks
        WebDriverWait(browser, 15).until(
            lambda d, n=number: (d.execute_script(SHOWN_PAGE) or {}).get("position") == f"Trang {n}/{count}"
        )
        seen[number] = browser.execute_script(SHOWN_PAGE)
    assert all(page["fits"] for page in seen.values()), [page["bottoms"] for page in seen.values()]
    assert min(page["height"] for page in seen.values()) >= 0.02 * 1080  # the position is legible from 5 m
    names = [name for page in seen.values() for name in page["names"]]
    engine = make_engine(f"sqlite:///{dashboard.env['IOC_DATA_DIR']}/ioc.db")
    with engine.connect() as connection:
        units = dict(connection.execute(select(schema.Unit.code, schema.Unit.name)).all())
        level = dict(connection.execute(select(schema.Unit.code, schema.Unit.level)).all())
    engine.dispose()
    communes = sorted(name for code, name in units.items() if level[code] == "commune")
    assert sorted(names) == communes  # every commune once, across the pages
    assert next(name for code, name in units.items() if level[code] == "province") not in names
    assert console_errors(browser) == []


def test_a_day_to_come_or_before_the_data_shows_today_and_says_so(dashboard, browser):
    set_viewport(browser, 1920, 1080)
    today = now_local().date()
    engine = make_engine(f"sqlite:///{dashboard.env['IOC_DATA_DIR']}/ioc.db")
    daily = schema.DOSSIER_DAILY_AGENCY
    with engine.connect() as connection:
        first = connection.execute(select(func.min(daily.c.day)).where(daily.c.received > 0)).scalar_one()
    engine.dispose()
    # A day to come, this year so far: today's figures, and this year against a previous year the simulator never
    # reached is no comparable data.
    browser.get(f"{dashboard.url}/wall?date=2030-01-01&period=year")
    _wait_drawn(browser)
    period = browser.find_element(By.ID, "wall-period").text
    assert period == f"Từ 01/01/{today.year} đến {today:%d/%m/%Y}\nNgày 01/01/2030 chưa đến — hiển thị hôm nay"
    changes = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".tile .tile-change")]
    assert changes == ["không có số liệu so sánh"] * 7
    # The day before the first data: today, and why.
    before = first - timedelta(days=1)
    browser.get(f"{dashboard.url}/wall?date={before.isoformat()}")
    _wait_drawn(browser)
    period = browser.find_element(By.ID, "wall-period").text
    notice = f"Ngày {before:%d/%m/%Y} trước ngày có dữ liệu đầu tiên ({first:%d/%m/%Y}) — hiển thị hôm nay"
    assert period.endswith(f"đến {today:%d/%m/%Y}\n{notice}")
    # The first day itself is replayed, without a notice.
    browser.get(f"{dashboard.url}/wall?date={first.isoformat()}&lang=en")
    _wait_drawn(browser)
    assert browser.find_element(By.ID, "wall-period").text.endswith(f"{first:%d/%m/%Y}")
    assert not browser.find_elements(By.CSS_SELECTOR, ".wall-date-notice")
    assert console_errors(browser) == []
