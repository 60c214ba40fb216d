"""A wall-screen at a playlist link on the first day of a month (``?date=`` replays it): every page it turns to has
figures on screen — tiles with numbers, a map with values, rankings with names — because early in a month the wall
shows the last complete month beside this one. On the old wall the rankings said "Chưa có dữ liệu" and the map was
grey."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from selenium.webdriver.support.ui import WebDriverWait

from browser.conftest import console_errors, screenshot
from browser.test_playlist import _link, _open_without_red
from ioc.config import now_local

EMPTY = "Chưa có dữ liệu"  # the wall's "no data" (translation ``no_data``)
PAGES = ("/wall", "/wall/rankings", "/wall/index")
SECONDS = 15  # long enough for a page to load and draw on a loaded machine
#: How many communes the wall's map shows with a value.
MAP_VALUES = """
const plot = document.querySelector('#wall-map .js-plotly-plot');
if (!plot || !plot.data) { return -1; }
return plot.data.filter((t, i) => i % 2 === 1 && t.z).flatMap(t => Array.from(t.z)).filter(v => v !== null).length;
"""


#: What the page shows, read in one script (the page may be swapped for the next one meanwhile).
SHOWN = """
const wall = document.getElementById('wall');
const points = document.getElementById('wall-index-points');
return {
    text: wall ? wall.innerText : '',
    tiles: Array.from(document.querySelectorAll('.tile-value')).map(e => e.innerText),
    points: points ? points.innerText : null,
};
"""


def test_a_playlist_on_the_first_of_a_month_shows_nothing_empty(dashboard, browser):
    first = now_local().date().replace(day=1).isoformat()
    name = "first-of-month"
    link = _link(dashboard, name, *(f"{page}={SECONDS}" for page in PAGES)) + f"&date={first}"
    _open_without_red(browser, link, name)
    seen: dict[str, str] = {}
    deadline = time.time() + SECONDS * len(PAGES) * 3 + 30
    while len(seen) < len(PAGES) and time.time() < deadline:
        path = urlsplit(browser.current_url).path
        query = urlsplit(browser.current_url).query
        if path in PAGES and path not in seen and f"date={first}" in query:
            WebDriverWait(browser, 30).until(lambda d: d.execute_script(SHOWN)["text"].strip())
            time.sleep(1.5)  # the figures drawn
            shown, values = browser.execute_script(SHOWN), browser.execute_script(MAP_VALUES)
            if urlsplit(browser.current_url).path != path:
                continue
            seen[path] = shown["text"]
            screenshot(browser, f"first-of-month{path.replace('/', '-')}")
            if path == "/wall":
                assert shown["tiles"] and all(any(c.isdigit() for c in v) for v in shown["tiles"]), shown["tiles"]
                assert values > 0, "the map has no commune with a value"
            if path == "/wall/index":
                assert shown["points"] and any(c.isdigit() for c in shown["points"]), shown["points"]
        time.sleep(0.3)
    assert set(seen) == set(PAGES), f"the playlist did not show every page: {sorted(seen)}"
    for path, text in seen.items():
        assert EMPTY not in text, (path, [line for line in text.splitlines() if EMPTY in line])
    assert console_errors(browser) == []
