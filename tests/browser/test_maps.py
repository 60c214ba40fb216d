"""Maps that read, in headless Chromium: the wall's map is dark, each map shows its mainland whole inside its frame at
the map's real size (a wall at 1920×1080, a phone at 390×844), and Đà Nẵng's mainland is fitted with Hoàng Sa in the
inset. Pixels come from the browser's own screenshot; positions from maplibre's ``project``."""

from __future__ import annotations

import base64
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import dash
import pytest
from dash import _callback as dash_registry
from dash import dcc, html
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from browser.conftest import console_errors, map_drawn, requests_leaving_loopback, screenshot, set_viewport, sign_in
from ioc.mapview import Bounds, fit, split_mainland
from layouts import figures
from tests.test_mapview import code_named, province

ASSETS = Path(__file__).resolve().parents[2] / "layouts" / "assets"

#: Per map subplot of a graph: its size in px, the box its figure asks to fit, projected by maplibre, and its zoom.
PROJECTED = """
const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
const fit = gd && gd.layout && gd.layout.meta && gd.layout.meta.fit;
if (!fit) { return null; }
const out = {};
for (const key of ['map', 'map2']) {
  const sub = fit[key] && gd._fullLayout[key] && gd._fullLayout[key]._subplot;
  if (!sub) { continue; }
  const map = sub.map, box = map.getContainer(), b = fit[key].bounds;
  const sw = map.project([b[0], b[1]]), ne = map.project([b[2], b[3]]);
  const r = box.getBoundingClientRect();
  out[key] = {width: box.clientWidth, height: box.clientHeight, left: sw.x, bottom: sw.y, right: ne.x, top: ne.y,
              zoom: map.getZoom(), padding: fit[key].padding, bounds: b, rect: [r.left, r.top, r.width, r.height]};
}
return out;
"""


def projected(driver: WebDriver, graph_id: str) -> dict:
    return driver.execute_script(PROJECTED, f"#{graph_id}") or {}


def fitted(view: dict) -> bool:
    """The box lies inside the frame, and fills it in width or height but for the padding (not over-zoomed, nor
    left tiny)."""
    w, h, pad = view["width"], view["height"], view["padding"]
    inside = view["left"] >= -1 and view["right"] <= w + 1 and view["top"] >= -1 and view["bottom"] <= h + 1
    fills = (
        abs((view["right"] - view["left"]) - (1 - 2 * pad) * w) < 2
        or abs((view["bottom"] - view["top"]) - (1 - 2 * pad) * h) < 2
    )
    return inside and fills


def wait_fitted(driver: WebDriver, graph_id: str) -> dict:
    WebDriverWait(driver, 30).until(lambda d: map_drawn(d, graph_id))
    WebDriverWait(driver, 10).until(lambda d: (v := projected(d, graph_id)) and all(fitted(x) for x in v.values()))
    return projected(driver, graph_id)


def pixels(driver: WebDriver, rect: list[float]) -> tuple[int, int, list[bytes]]:
    """The screen's pixels in ``rect`` (left, top, width, height in CSS px) as rows of RGB(A) bytes, from a PNG
    screenshot decoded here (8-bit RGB or RGBA, the five PNG filters)."""
    left, top, width, height = rect
    clip = {"x": left, "y": top, "width": width, "height": height, "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip})
    data = base64.b64decode(shot["data"])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, header = 8, b"", b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        at += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    w, h, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    step = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), w * step, [], bytearray(w * step)
    for y in range(h):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - step] if i >= step else 0
            b, c = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return w, step, rows


def luminance(row: bytes, x: int, step: int) -> float:
    red, green, blue = row[x * step : x * step + 3]
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_the_walls_map_is_dark_and_shows_its_mainland_whole_at_1920x1080(dashboard, browser):
    sign_in(browser, dashboard, "display")
    set_viewport(browser, 1920, 1080)
    browser.get(f"{dashboard.url}/wall")
    view = wait_fitted(browser, "wall-map")["map"]
    # maplibre's own fitting agrees with ioc.mapview.fit at the map's real size (a world of 512·2^zoom px).
    west, south, east, north = view["bounds"]
    assert view["zoom"] == pytest.approx(
        fit(Bounds(west, south, east, north), view["width"], view["height"], view["padding"]).zoom, abs=1e-3
    )
    screenshot(browser, "wall-map-1920x1080")
    width, step, rows = pixels(browser, view["rect"])
    edge = [luminance(row, x, step) for row in (rows[2], rows[-3]) for x in range(0, width, 7)]
    edge += [luminance(row, x, step) for row in rows[::7] for x in (2, width - 3)]
    assert max(edge) < 0.2, f"the map's background is not dark at its edges (brightest {max(edge):.2f})"
    everywhere = [luminance(row, x, step) for row in rows[::5] for x in range(0, width, 5)]
    assert sum(v > 0.9 for v in everywhere) / len(everywhere) < 0.02  # no white box
    assert console_errors(browser) == [] and requests_leaving_loopback(browser) == []


def test_the_explorers_map_on_a_phone_is_fitted_not_over_zoomed(dashboard, browser):
    sign_in(browser, dashboard, "analyst")
    set_viewport(browser, 390, 844, mobile=True)
    browser.get(f"{dashboard.url}/explore")
    view = wait_fitted(browser, "explore-map")["map"]
    assert view["width"] <= 390
    screenshot(browser, "explore-map-phone")
    assert console_errors(browser) == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def da_nang_page() -> Iterator[str]:
    """A page with Đà Nẵng's real commune map as the wall draws it (dark, labelled) in a box of 90 % × 60 % of the
    viewport, served by a real Dash server on loopback with IOC's map_fit.js and Dash's own local plotly.js."""
    layer = province("48")
    codes = [f["id"] for f in layer["features"]]
    names = {f["id"]: f["properties"]["fullName"] for f in layer["features"]}
    rows = [{"unit": code, "on_time_rate": 60.0 + 40.0 * i / len(codes)} for i, code in enumerate(codes)]
    figure = figures.choropleth(layer, rows, "on_time_rate", names, "vi", dark=True, scale=1.4, labels=True)
    # Dash hands the callbacks registered at import to the first app that serves a request: keep them for the
    # dashboard's modules that other tests in this process read (tests/test_admin_settings.py's contract).
    kept = (
        dict(dash_registry.GLOBAL_CALLBACK_MAP),
        list(dash_registry.GLOBAL_CALLBACK_LIST),
        list(dash_registry.GLOBAL_INLINE_SCRIPTS),
    )
    app = dash.Dash(
        __name__, assets_folder=str(ASSETS), assets_ignore=r"^(?!map_fit\.js$)", assets_path_ignore=["vendor"]
    )
    app.layout = html.Div(
        dcc.Graph(id="map", figure=figure, responsive=True, style={"height": "100%", "width": "100%"}),
        id="box",
        style={"width": "90vw", "height": "60vh", "background": "#1a1b1e"},
    )
    port = _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        dash_registry.GLOBAL_CALLBACK_MAP.clear()
        dash_registry.GLOBAL_CALLBACK_MAP.update(kept[0])
        dash_registry.GLOBAL_CALLBACK_LIST[:] = kept[1]
        dash_registry.GLOBAL_INLINE_SCRIPTS[:] = kept[2]


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (390, 844)])
def test_da_nangs_mainland_is_whole_and_centred_and_hoang_sa_in_the_inset(da_nang_page, browser, width, height):
    set_viewport(browser, width, height, mobile=width < 600)
    browser.get(da_nang_page)
    views = wait_fitted(browser, "map")
    layer = province("48")
    split = split_mainland(layer)
    main, inset = views["map"], views["map2"]
    assert main["bounds"] == split.bounds.as_list()  # the mainland, without Hoàng Sa
    assert abs((main["left"] + main["right"]) / 2 - main["width"] / 2) < 2  # centred
    assert abs((main["top"] + main["bottom"]) / 2 - main["height"] / 2) < 2
    hoang_sa = code_named(layer, "Đặc khu Hoàng Sa")
    in_inset = browser.execute_script(
        "const gd = document.querySelector('#map .js-plotly-plot');"
        "return gd.data.filter(t => t.subplot === 'map2').map(t => t.locations);"
    )
    assert in_inset == [[hoang_sa], [hoang_sa]] and inset["width"] < main["width"]
    labels = browser.execute_script(
        "return [...document.querySelectorAll('#map .annotation-text')].map(e => e.textContent);"
    )
    assert any(text.startswith("Tốt nhất") for text in labels) and any(text.startswith("Kém nhất") for text in labels)
    screenshot(browser, f"da-nang-map-{width}x{height}")
    assert requests_leaving_loopback(browser) == []
