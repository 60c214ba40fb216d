"""A wall-screen at a playlist link in headless Chromium: it turns through its pages in order, a reload resumes at the
clock's place in the cycle, and a new red alert brings the alert page forward once (not again after a reload)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from browser.conftest import Dashboard, console_errors, sign_in
from helpers import run_ioc

SHOWN_KEY = "ioc.wall.redShown"
RED_URL = "http://127.0.0.1:9/api/hoso"
#: Every red alert the server reports now, marked as shown, so the rotation alone decides the page.
FORGET_RED = """
const done = arguments[arguments.length - 1];
fetch('/wall/playlist.json?playlist=' + encodeURIComponent(arguments[0]))
    .then(r => r.json())
    .then(a => { localStorage.setItem(arguments[1], JSON.stringify(a.red)); done(a.red); });
"""

#: Run before a page's own scripts on every document: /wall/playlist.json answers with no red alert, so the rotation
#: alone decides the page — the browser tests share one dashboard, where another module's collector may fail, or the
#: backlog turn red, at any moment and bring the alert page forward out of turn.
NO_RED = """
(function () {
  var before = window.fetch.bind(window);
  window.fetch = function (resource, options) {
    var answer = before(resource, options);
    var url = typeof resource === 'string' ? resource : resource.url;
    if (url.indexOf('/wall/playlist.json') === -1) { return answer; }
    return answer.then(function (response) {
      if (!response.ok) { return response; }
      return response.clone().json().then(function (body) {
        body.red = [];
        return new Response(JSON.stringify(body), {status: response.status, headers: response.headers});
      });
    });
  };
})();
"""


@pytest.fixture
def no_red(browser: WebDriver) -> Iterator[None]:
    """For the test's pages, the server reports no red alert (:data:`NO_RED`)."""
    added = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": NO_RED})
    try:
        yield
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]})


def _link(dashboard: Dashboard, name: str, *pages: str) -> str:
    """A new display link with the playlist ``pages`` (PAGE=SECONDS), as its address on this dashboard."""
    created = run_ioc("display-token", "create", name, env=dashboard.env)
    assert created.returncode == 0, created.stderr
    args = [arg for page in pages for arg in ("--page", page)]
    saved = run_ioc("display-token", "playlist", name, *args, env=dashboard.env)
    assert saved.returncode == 0, saved.stderr
    return dashboard.url + urlsplit(created.stdout.strip())._replace(scheme="", netloc="").geturl()


@pytest.fixture(scope="module")
def three_pages(dashboard: Dashboard) -> str:
    return _link(dashboard, "playlist-three", "/wall/rankings=5", "/wall/digital=5", "/wall=5")


def _path(driver: WebDriver) -> str:
    return urlsplit(driver.current_url).path


def _due(pages: list[str], seconds: int, at: float) -> str:
    return pages[int(at % (seconds * len(pages))) // seconds]


def _watch(driver: WebDriver, seconds: float) -> Iterator[tuple[float, str]]:
    end = time.time() + seconds
    while time.time() < end:
        yield time.time(), _path(driver)
        time.sleep(0.2)


def _open_without_red(driver: WebDriver, link: str, name: str) -> None:
    driver.get(link)
    WebDriverWait(driver, 20).until(lambda d: _path(d).startswith("/wall"))
    driver.execute_async_script(FORGET_RED, name, SHOWN_KEY)
    driver.get(link)  # the link again: the page due now, with no red alert new to this screen


PAGES = ["/wall/rankings", "/wall/digital", "/wall"]


def test_a_playlist_of_three_pages_turns_through_them_in_order_on_the_clock(dashboard, browser, three_pages, no_red):
    browser.get(three_pages)
    seen = list(_watch(browser, 22))
    order = [path for i, (_, path) in enumerate(seen) if i == 0 or seen[i - 1][1] != path]
    assert set(order) == set(PAGES), order
    for before, after in itertools.pairwise(order):
        assert PAGES[(PAGES.index(before) + 1) % 3] == after, order
    # Each page is on screen when the clock says (allowing a second and a half around each change).
    off = [(at, path) for at, path in seen if path != _due(PAGES, 5, at) and path != _due(PAGES, 5, at - 1.5)]
    assert len(off) <= 2, off
    query = parse_qs(urlsplit(browser.current_url).query)
    assert query["playlist"] == ["playlist-three"]
    assert console_errors(browser) == []


def test_a_reload_mid_cycle_resumes_at_the_clock_position(dashboard, browser, three_pages, no_red):
    browser.get(three_pages)
    for _ in range(2):
        while not 1.5 < time.time() % 5 < 2.5:  # mid-page, well away from a change
            time.sleep(0.05)
        browser.refresh()
        expected = _due(PAGES, 5, time.time())
        WebDriverWait(browser, 3, 0.1).until(lambda d, page=expected: _path(d) == page)
        time.sleep(2.6)
    assert console_errors(browser) == []


@contextmanager
def _failing_collector(dashboard: Dashboard) -> Iterator[None]:
    """A new red alert: a collector whose latest run failed (nothing listens on port 9); removed afterwards."""
    env = dashboard.env
    added = run_ioc("collector", "add", "playlist-red", "--kind", "dossier-sync", "--url", RED_URL, env=env)
    assert added.returncode == 0, added.stderr
    try:
        assert run_ioc("collector", "run", "playlist-red", env=env).returncode != 0
        yield
    finally:
        assert run_ioc("collector", "remove", "playlist-red", env=env).returncode == 0


def test_a_new_red_alert_brings_the_alert_page_forward_once(dashboard, browser):
    link = _link(dashboard, "playlist-alert", "/wall/rankings=5", "/wall/digital=5")
    _open_without_red(browser, link, "playlist-alert")
    assert "/wall" not in {path for _, path in _watch(browser, 6)}  # no alert is new: the playlist alone
    with _failing_collector(dashboard):
        browser.refresh()
        WebDriverWait(browser, 5, 0.1).until(lambda d: _path(d) == "/wall")
        WebDriverWait(browser, 10, 0.1).until(lambda d: _path(d) in ("/wall/rankings", "/wall/digital"))
        shown = browser.execute_script("return JSON.parse(localStorage.getItem(arguments[0]))", SHOWN_KEY)
        assert any(key.endswith(":collector_failing:collector:playlist-red") for key in shown), shown
        browser.refresh()  # remembered across a reload: not shown again
        assert "/wall" not in {path for _, path in _watch(browser, 8)}
    assert console_errors(browser) == []


def _choose(driver: WebDriver, input_id: str, label: str) -> None:
    """Pick ``label`` in the Mantine select ``input_id`` (the open dropdown's option)."""
    field = driver.find_element(By.ID, input_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.click()
    option = f"//*[@role='option'][normalize-space()={label!r}]"

    def shown(d: WebDriver) -> list:
        return [element for element in d.find_elements(By.XPATH, option) if element.is_displayed()]

    WebDriverWait(driver, 10).until(shown)
    shown(driver)[0].click()


def _playlist_field(driver: WebDriver, kind: str, index: int) -> WebElement:
    """The ``index``-th row's ``kind`` field of the playlist editor, found afresh (rows are redrawn on each change)."""
    return driver.find_element(
        By.XPATH, f"//input[contains(@id, '\"admin-playlist-{kind}\"') and contains(@id, '\"index\":{index}')]"
    )


def _type(driver: WebDriver, kind: str, index: int, text: str) -> None:
    field = WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: _playlist_field(d, kind, index)
    )
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)
    WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: _playlist_field(d, kind, index).get_attribute("value").removesuffix(" s") == text  # "15 s"
    )


def test_an_admin_orders_a_links_pages_and_sets_its_seconds_and_period(dashboard, browser):
    _link(dashboard, "playlist-admin", "/wall=30", "/wall/rankings=40")
    sign_in(browser, dashboard, "admin")
    browser.get(f"{dashboard.url}/admin/displays")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "admin-playlist-link"))
    _choose(browser, "admin-playlist-link", "playlist-admin")
    current = "Đang chiếu: /wall (30 s) → /wall/rankings (40 s) — một vòng 70 giây."
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "admin-playlist-current").text == current)
    redrawn = WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,))
    redrawn.until(lambda d: _playlist_field(d, "page", 0).get_attribute("value") == "/wall")
    down = "//button[contains(@id, '\"admin-playlist-down\"') and contains(@id, '\"index\":0')]"
    browser.find_element(By.XPATH, down).click()  # /wall after /wall/rankings
    redrawn.until(lambda d: _playlist_field(d, "page", 0).get_attribute("value") == "/wall/rankings")
    _type(browser, "seconds", 1, "15")
    _choose(browser, "admin-playlist-period", "Tháng trước (trọn tháng)")
    browser.find_element(By.ID, "admin-playlist-save").click()
    saved = "Đang chiếu: /wall/rankings (40 s) → /wall (15 s) — một vòng 55 giây."
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "admin-playlist-current").text == saved)
    printed = run_ioc("display-token", "playlist", "playlist-admin", env=dashboard.env).stdout.split()
    assert printed == ["/wall/rankings?period=last_month=40", "/wall?period=last_month=15"]
    _type(browser, "seconds", 1, "2")
    browser.find_element(By.ID, "admin-playlist-save").click()
    refused = "Số giây mỗi trang phải là số nguyên từ 5 đến 3600."
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "admin-playlist-saved").text == refused)
    assert console_errors(browser) == []


def test_a_saved_view_plays_on_the_wall_as_a_read_only_page(dashboard, browser, no_red):
    from ioc import playlists
    from ioc.config import now_local
    from ioc.warehouse.engine import make_engine

    engine = make_engine(f"sqlite:///{dashboard.env['IOC_DATA_DIR']}/ioc.db")
    try:
        playlists.save_view(engine, "Trực tuyến theo xã", "kpi=online_rate&by=unit", "test-analyst", now_local())
    finally:
        engine.dispose()
    page = playlists.view_page("Trực tuyến theo xã")
    # an hour on the view (5 s on the other page): its map draws and is read well inside its turn, whenever it starts
    link = _link(dashboard, "playlist-view", f"{page}=3600", "/wall/digital=5")
    browser.get(link)
    WebDriverWait(browser, 20).until(lambda d: _path(d) in ("/wall/view", "/wall/digital"))
    WebDriverWait(browser, 20, 0.1).until(lambda d: _path(d) == "/wall/view")
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#wall-view-map canvas"))
    assert browser.find_element(By.ID, "wall-view-name").text == "Trực tuyến theo xã"
    assert "%" in browser.find_element(By.ID, "wall-view-value").text
    assert browser.find_elements(By.CSS_SELECTOR, "#wall-view-bars .bars .point")
    assert console_errors(browser) == []


def _network(driver: WebDriver, offline: bool) -> None:
    driver.execute_cdp_cmd("Network.enable", {})
    conditions = {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", conditions)


def test_a_network_cut_keeps_the_page_on_screen_and_the_playlist_picks_up_after(dashboard, browser, no_red):
    pages = ["/wall/rankings", "/wall/digital"]
    link = _link(dashboard, "playlist-offline", "/wall/rankings=5", "/wall/digital=5")
    browser.get(link)
    WebDriverWait(browser, 10, 0.1).until(lambda d: _path(d) == _due(pages, 5, time.time()))
    while not 1.5 < time.time() % 5 < 3:  # cut mid-page, its content drawn, not while the next one is asked for
        time.sleep(0.05)
    WebDriverWait(browser, 3, 0.1).until(lambda d: d.find_elements(By.ID, "wall"))
    _network(browser, offline=True)
    try:
        held = _path(browser)
        watched = list(_watch(browser, 9))  # at least one change of page falls in the cut
        assert {path for _, path in watched} == {held}
        assert browser.find_element(By.ID, "wall").text.strip()  # the page is still drawn, not an error page
    finally:
        _network(browser, offline=False)
    WebDriverWait(browser, 25, 0.2).until(lambda d: _path(d) != held)  # tried again with backoff, and went on
    WebDriverWait(browser, 10, 0.1).until(lambda d: _path(d) == _due(pages, 5, time.time()))
