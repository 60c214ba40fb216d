"""The dashboard serves IOC's partial plotly.js (``layouts/plotly_bundle.py``) and the pages draw with it alone: every
page starts it from its own tag, the server gives it a year-long cache under a URL naming its content, and the wall
and the explorer draw every graph without ever asking for Dash's full plotly.js."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import httpx
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from browser.conftest import Dashboard, console_errors, map_drawn, sign_in
from layouts import plotly_bundle

FULL_PLOTLY = "/_dash-component-suites/plotly/package_data/plotly.min.js"
START_TAG = re.compile(r'<script src="(/assets/plotly-start\.js\?v=\w+)" data-bundle="([^"]+)" data-pages="([^"]+)">')


def _wall_page(dashboard: Dashboard) -> str:
    with httpx.Client(timeout=20, follow_redirects=True) as client:  # a wall-screen's display link, then the wall
        response = client.get(dashboard.display_url)
    assert response.status_code == 200 and urlsplit(str(response.url)).path.startswith("/wall")  # where its cycle is
    return response.text


def test_every_page_starts_the_bundle_before_dash_renders(dashboard: Dashboard) -> None:
    page = _wall_page(dashboard)
    found = START_TAG.search(page)
    assert found, "the page has no plotly-start.js tag naming the bundle"
    start, bundle, pages = found.groups()
    assert bundle.startswith("/assets/vendor/plotly-ioc.min.js?v=")
    assert pages.split() == list(plotly_bundle.GRAPH_PAGES)
    assert page.index(start) < page.index("dash_renderer"), "the bundle must be under way before Dash renders"
    assert "/assets/vendor/" not in page.replace(bundle, ""), "no other file of the bundle's folder is in the page"
    assert "plotly-start.js" not in page.replace(start, ""), "the start script is in the page once"


def test_the_bundle_and_its_start_are_served_to_anyone_and_cached_for_a_year(dashboard: Dashboard) -> None:
    start, bundle, _ = START_TAG.search(_wall_page(dashboard)).groups()  # type: ignore[union-attr]
    with httpx.Client(base_url=dashboard.url, timeout=20) as signed_out:
        for url, asset in ((bundle, plotly_bundle.BUNDLE), (start, plotly_bundle.START)):
            response = signed_out.get(url)
            assert response.status_code == 200, url
            assert response.content == (plotly_bundle.ASSETS / asset).read_bytes()
            assert "javascript" in response.headers["Content-Type"]
            cache = response.headers["Cache-Control"]
            assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache, cache
            revalidated = signed_out.get(url, headers={"If-None-Match": response.headers["ETag"]})
            assert revalidated.status_code == 304 and "immutable" in revalidated.headers["Cache-Control"]
            other = signed_out.get(url.partition("?")[0] + "?v=0000000000000000")  # not this content's URL
            assert "immutable" not in other.headers.get("Cache-Control", "")


def _requested(driver: WebDriver) -> list[str]:
    paths = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            paths.append(urlsplit(message["params"]["request"]["url"]).path)
    return paths


TRACES = "return window.Plotly ? Object.keys(window.Plotly.PlotSchema.get().traces).sort() : null;"
GRAPHS_DRAWN = """
// The graphs with traces (a panel with nothing chosen yet draws an empty one), each drawn.
const graphs = [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd.data && gd.data.length > 0);
return graphs.length >= arguments[0] && graphs.every(gd => gd.querySelector('.main-svg') !== null);
"""


def _draws_with_the_bundle_alone(driver: WebDriver, url: str, graphs: int, map_id: str) -> None:
    driver.get_log("performance")  # what went before
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: map_drawn(d, map_id) and d.execute_script(GRAPHS_DRAWN, graphs))
    assert driver.execute_script(TRACES) == sorted(plotly_bundle.TRACES)
    requested = _requested(driver)
    assert "/assets/vendor/plotly-ioc.min.js" in requested
    assert FULL_PLOTLY not in requested, "Dash's full plotly.js was loaded"
    assert console_errors(driver) == []


def test_the_wall_draws_with_the_bundle_alone(dashboard: Dashboard, browser: WebDriver) -> None:
    sign_in(browser, dashboard, "display")
    _draws_with_the_bundle_alone(browser, f"{dashboard.url}/wall", 2, "wall-map")  # the map and the trend


def test_the_explorer_draws_with_the_bundle_alone(dashboard: Dashboard, browser: WebDriver) -> None:
    sign_in(browser, dashboard, "analyst")
    _draws_with_the_bundle_alone(browser, f"{dashboard.url}/explore", 3, "explore-map")  # the map, bars, trend
