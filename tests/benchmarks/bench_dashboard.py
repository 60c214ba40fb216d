"""Dashboard benchmark: the real app under gunicorn and a real headless Chromium, over a 10-million-dossier warehouse.

    .venv/bin/python tests/benchmarks/bench_dashboard.py [--db PATH] [--dossiers 10000000]

Warehouse: ``--db`` is reused when it holds at least ``--dossiers`` dossiers, otherwise built there (and kept) by
``bench_kpi``'s build; without ``--db`` it is built in a temporary folder and deleted at the end. Its data cover
2021-01-01 .. 2025-12-31, "today" being 2025-12-20, so every view below names its days (the presets follow the
clock). Filter codes are ``bench_kpi.pick_codes``' busy commune, agency, field and procedure.

Server: ``python -m gunicorn --workers 1 --bind 127.0.0.1:PORT app:server`` (sync worker, cwd the repository,
IOC_DATABASE_URL and IOC_PROVINCE=46 set) with its access log giving each request's handling time (``%(D)s``) and
``--no-control-socket`` (so as not to take another gunicorn's socket). Browser: Chromium through chromedriver,
``--headless --no-sandbox --disable-gpu --disable-background-networking --disable-dev-shm-usage``, viewport set to
exactly 1920×1080 CSS px with ``Emulation.setDeviceMetricsOverride``, WebGL from the software fallback.

1. Callback latency. A script injected before each page's own tags the browser's ``/_dash-update-component``
   POSTs with a header ``X-Bench-Seq``; the access log reports it, so each POST's server time (gunicorn's
   handling time, queueing excluded) is matched to the callback it carries (read from the POST body in Chrome's
   performance log). "browser" is Chrome's sendStart → receiveHeadersEnd of the same POSTs: the server time plus any
   wait behind another request of the page in the single worker. On a fresh worker of its own, 20 explorer views as
   URLs, each loaded (page layout, render, drill) and followed by the clicks an analyst makes (a table cell → the
   drill-down and its next page, a bar, a commune on the map, a month of the trend, another breakdown, an export):
   the cold pass is each view's first visit after the worker started (KPI answers are cached in-process per data
   version), the warm pass the same URLs and clicks again. Chromium shares the 2 cores with the worker, so the same
   POST bodies are then replayed one at a time to another fresh worker, no browser running (cold, then warm):
   the server's time alone. Target: p95 ≤ 150 ms over all callbacks, cold and warm.
   The wall's layout function (``layouts.wall.content``) runs as the page-content callback of ``/wall``, timed the
   same way in step 2; its 60-second refresh callback sends nothing unless the data changed, so its full path is
   timed in a spawned process instead: ``content`` cold (first call after ``create_app``) and warm, and
   ``refresh_overview`` with a stale state.
2. Wall first visit. ``/wall?date=2025-12-20``, from navigation start (``performance.now()`` = 0) until every
   ``.tile`` is there, the map's SVG and canvas are there and its MapLibre map is loaded, the trend's bars and line
   are drawn and the rankings are listed (checked every 10 ms by the injected script, the time taken a frame later);
   also when the tiles, ``window.Plotly``, the trend and the map were there. Each visit: a fresh worker and a fresh
   browser, signed in on a page that loads no script (``/login?next=/healthz``), so its cache is empty: the first
   visit; then the worker restarted on the same port, the same browser: the first visit with a warm cache (a wall
   screen after the app restarted). Both for IOC's partial plotly.js and for the baseline, Dash's full plotly.js
   (the browser refuses IOC's bundle and its start script, so dcc.Graph loads the full one when the first graph needs
   it, as before IOC served its own), ``ROUNDS`` times each, interleaved (A B, B A, A B): min / median / max, and the
   JavaScript bytes transferred (Resource Timing). Then, on a fresh worker, one browser: a visit and 5 more (p50/max).
   Target ≤ 2 s (the medians). ``--wall-only`` stops after this step (about 3 minutes).
3. Worker memory: VmRSS and VmHWM (peak) of the gunicorn worker (not the master) from ``/proc``, after all of the
   above (the explorer's worker also loads the wall 5 times at its end). Target ≤ 300 MB.

Runs 2 (the wall) first, then 1; each step starts its own workers and browsers. Prints a summary with PASS/FAIL
per target and exits 0: a benchmark, not a test. Takes about 6 minutes on the 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_kpi  # noqa: E402

from ioc import auth  # noqa: E402
from ioc.config import now_local  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")
CHROME_FLAGS += ("--disable-dev-shm-usage", "--window-size=1920,1080")
WALL_URL = "/wall?date=2025-12-20"
WALL_OPTIONS = {"lang": "vi", "date": "2025-12-20", "map": "on_time_rate", "rotate": None}
WALL_REPEATS = 5
#: The wall's first visits: each variant ROUNDS times, interleaved. The baseline's browser refuses IOC's plotly.js
#: bundle and the script that starts it, so dcc.Graph loads Dash's full plotly.js once the first graph needs it, as
#: the wall did before IOC served its own.
ROUNDS = 3
VARIANTS = {
    "full plotly.js (before)": ("*/assets/plotly-start.js*", "*/assets/vendor/plotly-ioc.min.js*"),
    "IOC's partial plotly.js": (),
}
IN_PROCESS_REPEATS = 10
#: A page is done when no callback has been in flight for this long.
QUIET_MS = 400
TIMEOUT_S = 60
CALLBACK_TARGET_MS = 150
WALL_TARGET_MS = 2000
RSS_TARGET_MB = 300
#: The callback a POST carries, by its output (Dash's "output" field of the body).
CALLBACKS = {
    "explore-summary.children": "render",
    "explore-view.data": "choose_view",
    "explore-filter-preset.value": "cross_filter",
    "explore-drill-target.data": "choose_drill",
    "explore-drill-title.children": "drill",
    "explore-download.data": "export",
    "wall-tiles.children": "refresh_overview",
    "wall-agency-table.children": "refresh_rankings",
}

#: Injected before each page's scripts: tags and counts callback POSTs; on the wall, notes when it is fully drawn.
PAGE_SCRIPT = """
(function () {
  const state = {inflight: 0, started: 0, last: 0, tag: Math.round(performance.timeOrigin * 1000) % 1e12, marks: {}};
  window.__bench = state;
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    if (!url.includes("_dash-update-component")) { return fetch.apply(this, arguments); }
    init = Object.assign({}, init || {});
    const headers = new Headers(init.headers || {});
    headers.set("X-Bench-Seq", state.tag + "-" + (++state.started));
    init.headers = headers;
    state.inflight += 1;
    state.last = performance.now();
    return fetch.call(this, input, init).finally(function () {
      state.inflight -= 1;
      state.last = performance.now();
      if (state.marks.response === undefined) { state.marks.response = performance.now(); }
    });
  };
  if (!location.pathname.startsWith("/wall")) { return; }
  function mark(name, ok) { if (ok && state.marks[name] === undefined) { state.marks[name] = performance.now(); } }
  function check() {
    const tiles = document.querySelectorAll(".tile").length >= 7;
    const map = document.querySelector("#wall-map .js-plotly-plot");
    let mapLoaded = false;
    try { mapLoaded = map._fullLayout.map._subplot.map.loaded(); } catch (e) { mapLoaded = false; }
    const mapDrawn = !!map && !!map.querySelector(".main-svg") && !!map.querySelector("canvas") && mapLoaded;
    const trend = document.querySelector("#wall-trend .js-plotly-plot");
    const trendDrawn = !!trend && trend.querySelectorAll(".bars").length >= 2
      && trend.querySelectorAll(".scatterlayer .trace").length >= 1;
    const ranked = !!document.querySelector("#wall-rankings li");
    mark("tiles", tiles); mark("map", mapDrawn); mark("trend", trendDrawn); mark("plotly", !!window.Plotly);
    if (tiles && mapDrawn && trendDrawn && ranked) {
      clearInterval(timer);
      requestAnimationFrame(function () { state.marks.drawn = performance.now(); });
    }
  }
  const timer = setInterval(check, 10);
})();
"""


# ---------------------------------------------------------------- warehouse


def ensure_warehouse(path: Path, dossiers: int, folder: str) -> None:
    """Reuse ``path`` when it holds enough dossiers; build it with ``bench_kpi``'s build otherwise."""
    if bench_kpi.existing_dossiers(path) >= dossiers:
        print(f"reusing {path}")
        return
    print(f"building {dossiers:,} dossiers into {path} (about 10 minutes for 10 million) …", flush=True)
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    bench_kpi.ioc_init(folder, url)
    load_s, rebuild_s, _ = bench_kpi.build_in_spawned_process(url, dossiers)
    print(f"built in {load_s + rebuild_s:,.0f} s")


BENCH_USER = "bench-analyst"
BENCH_PASSWORD = "benchmark-analyst-password"


def ensure_user(database: str) -> None:
    """The analyst the browser signs in as (its password reset on a reused warehouse)."""
    engine = make_engine(database)
    with engine.begin() as connection:
        if any(user["username"] == BENCH_USER for user in auth.list_users(connection)):
            auth.set_password(connection, BENCH_USER, BENCH_PASSWORD, "bench", now_local())
        else:
            auth.add_user(connection, BENCH_USER, "analyst", BENCH_PASSWORD, "bench", now_local())
    engine.dispose()


def explorer_views(codes: dict[str, str]) -> list[tuple[str, dict[str, str], tuple[str, ...]]]:
    """(name, URL parameters, clicks after the load) of 20 typical explorer views around 2025-12-20."""
    month = {"from": "2025-12-01", "to": "2025-12-20"}
    november = {"from": "2025-11-01", "to": "2025-11-30"}
    quarter = {"from": "2025-10-01", "to": "2025-12-20"}
    last_quarter = {"from": "2025-07-01", "to": "2025-09-30"}
    year = {"from": "2025-01-01", "to": "2025-12-31"}
    year_to_date = {"from": "2025-01-01", "to": "2025-12-20"}
    last_30 = {"from": "2025-11-21", "to": "2025-12-20"}
    days_45 = {"from": "2025-10-20", "to": "2025-12-04"}
    year_2024 = {"from": "2024-01-01", "to": "2024-12-31"}
    unit, agency, field_, procedure = codes["unit"], codes["agency"], codes["field"], codes["procedure"]
    return [
        ("month to date by agency", month | {"by": "agency"}, ("cell", "next page", "export drill")),
        ("month to date by commune", month | {"by": "unit"}, ("map",)),
        ("month to date by field", month | {"by": "field"}, ("bar",)),
        ("month to date by channel", month | {"by": "channel"}, ("by agency",)),
        ("November by procedure", november | {"by": "procedure"}, ("bar", "cell")),
        ("November by agency", november | {"by": "agency"}, ("trend",)),
        ("quarter to date by agency", quarter | {"by": "agency"}, ("cell",)),
        ("last quarter (Q3) by commune", last_quarter | {"by": "unit"}, ("map",)),
        ("year 2025 by commune", year | {"by": "unit"}, ("export",)),
        ("year 2025 by field", year | {"by": "field"}, ("bar",)),
        ("year to date by agency", year_to_date | {"by": "agency"}, ("cell",)),
        ("last 30 days by agency", last_30 | {"by": "agency"}, ("by unit",)),
        ("month, one commune, by field", month | {"unit": unit, "by": "field"}, ("cell",)),
        ("month, one agency, by channel", month | {"agency": agency, "by": "channel"}, ("trend",)),
        ("quarter, one field, by commune", quarter | {"field": field_, "by": "unit"}, ("map",)),
        ("November, one procedure, by commune", november | {"procedure": procedure, "by": "unit"}, ("cell",)),
        ("month, online, by agency", month | {"channel": "2", "by": "agency"}, ("bar",)),
        ("year 2025, businesses, by agency", year | {"applicant_type": "2", "by": "agency"}, ("by field",)),
        ("45 days, commune online, by field", days_45 | {"unit": unit, "channel": "2", "by": "field"}, ("export",)),
        ("year 2024 by agency, online rate", year_2024 | {"kpi": "online_rate"}, ("trend",)),
    ]  # fmt: skip


# ---------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """The real app under gunicorn, one sync worker; ``log`` is its access log (method path status bytes µs tag)."""

    url: str
    database: str
    folder: Path
    process: subprocess.Popen | None = None
    output: IO[str] | None = None
    log: Path = field(init=False)
    port: int = field(init=False)

    def start(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log = self.folder / f"access-{self.port}.log"
        env = {**os.environ, "IOC_DATABASE_URL": self.database, "IOC_PROVINCE": bench_kpi.PROVINCE}
        env["IOC_DATA_DIR"] = str(self.folder)  # one signing key for every worker: the browser stays signed in
        command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--no-control-socket", "--access-logfile", str(self.log)]
        command += ["--access-logformat", "%(m)s %(U)s %(s)s %(B)s %(D)s %({x-bench-seq}i)s", "app:server"]
        self.output = (self.folder / f"gunicorn-{self.port}.log").open("w")
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=self.output, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                    response.read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start: {Path(self.output.name).read_text()}") from None
                time.sleep(0.2)

    def worker(self) -> int:
        assert self.process
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return int(children[0])

    def memory_mb(self) -> tuple[float, float]:
        """The worker's (VmRSS, VmHWM) in MB."""
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{self.worker()}/status").read_text().splitlines() if ":" in line
        )
        return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024

    def times(self, tags: list[str]) -> dict[str, tuple[str, int, float]]:
        """Tagged POSTs of the access log: tag → (path, bytes, server ms), waiting a little for ``tags`` to show
        (gunicorn writes a line after the response is sent)."""
        deadline = time.monotonic() + 5
        while True:
            found = {}
            for line in self.log.read_text().splitlines():
                method, path, _status, size, micros, tag = line.split(" ")
                if method == "POST" and tag != "-":
                    found[tag] = (path, int(size) if size.isdigit() else 0, int(micros) / 1000)
            if all(tag in found for tag in tags) or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def get_times(self, path: str) -> list[float]:
        return [int(line.split(" ")[4]) / 1000 for line in self.log.read_text().splitlines() if f"GET {path} " in line]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.output:
            self.output.close()
            report_errors(Path(self.output.name))
            self.output = None


def report_errors(log: Path) -> None:
    """The server's errors, if any: how many tracebacks, and how the first one ended."""
    lines = log.read_text(errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    if starts:
        last = next((line for line in lines[starts[0] + 1 :] if line and not line.startswith(" ")), "?")
        print(f"  ! the server logged {len(starts)} tracebacks ({log.name}); the first ends: {last[:200]}")


# ---------------------------------------------------------------- browser


@dataclass
class Call:
    """One callback POST: which callback, in which pass, after what, its server and browser times, its body."""

    name: str
    phase: str
    where: str
    server_ms: float | None
    browser_ms: float | None
    body: str = ""
    status: int = 0


class Browser:
    """Headless Chromium, its performance log read into :class:`Call` records per page."""

    def __init__(self, blocked: tuple[str, ...] = ()) -> None:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROME_FLAGS:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.set_page_load_timeout(TIMEOUT_S)
        self.cdp("Emulation.setDeviceMetricsOverride", width=1920, height=1080, deviceScaleFactor=1, mobile=False)
        self.cdp("Page.addScriptToEvaluateOnNewDocument", source=PAGE_SCRIPT)
        self.cdp("Browser.setDownloadBehavior", behavior="deny")
        if blocked:
            self.cdp("Network.enable")
            self.cdp("Network.setBlockedURLs", urls=list(blocked))
        self.requests: dict[str, dict] = {}  # Chrome's requestId → tag, callback, browser ms

    def sign_in(self, url: str, next_: str = "/") -> None:
        """Sign in as the benchmark's analyst through the form (cookies hold for every port of 127.0.0.1), landing on
        ``next_`` (``/healthz`` loads no script: the browser's cache stays empty of them)."""
        self.driver.get(f"{url}/login?{urlencode({'next': next_})}")
        self.driver.find_element(By.ID, "username").send_keys(BENCH_USER)
        self.driver.find_element(By.ID, "password").send_keys(BENCH_PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        deadline = time.monotonic() + TIMEOUT_S
        while "/login" in self.driver.current_url and time.monotonic() < deadline:
            time.sleep(0.05)

    def session_headers(self) -> dict[str, str]:
        """The signed-in session's cookies and CSRF header, for requests sent without the browser."""
        cookies = {cookie["name"]: cookie["value"] for cookie in self.driver.get_cookies()}
        jar = "; ".join(f"{name}={value}" for name, value in cookies.items())
        return {"Cookie": jar, "X-CSRFToken": cookies.get("_csrf_token", "")}

    def cdp(self, command: str, **params: object) -> dict:
        return self.driver.execute_cdp_cmd(command, params)

    def js(self, script: str, *args: object):  # type: ignore[no-untyped-def]
        return self.driver.execute_script(script, *args)

    def read_log(self) -> None:
        """Fold the performance log's callback POSTs into ``requests``."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                request = params["request"]
                tag = {k.lower(): v for k, v in request.get("headers", {}).items()}.get("x-bench-seq")
                if request["method"] == "POST" and tag:
                    body = request.get("postData") or "{}"
                    name = callback_name(json.loads(body))
                    self.requests[params["requestId"]] = {"tag": tag, "name": name, "ms": None, "body": body}
            elif message["method"] == "Network.responseReceived" and params["requestId"] in self.requests:
                self.requests[params["requestId"]]["status"] = params["response"]["status"]
                timing = params["response"].get("timing") or {}
                if timing:
                    ms = timing["receiveHeadersEnd"] - timing["sendStart"]
                    self.requests[params["requestId"]]["ms"] = ms

    def take_calls(self, phase: str, where: str, server: Server) -> list[Call]:
        """The callbacks since the last call, with their server times from the access log."""
        self.read_log()
        times = server.times([r["tag"] for r in self.requests.values()])
        calls = []
        for r in self.requests.values():
            hit = times.get(r["tag"])
            server_ms = hit[2] if hit else None
            calls.append(Call(r["name"], phase, where, server_ms, r["ms"], r["body"], r.get("status", 0)))
        self.requests = {}
        return calls

    def wait_quiet(self, started_before: int, what: str) -> bool:
        """Until a callback more than ``started_before`` went out and none has been in flight for QUIET_MS."""
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            state = self.js(
                "const s = window.__bench; return s && [s.started, s.inflight, performance.now() - s.last];"
            )
            if state and state[0] > started_before and state[1] == 0 and state[2] >= QUIET_MS:
                return True
            time.sleep(0.05)
        print(f"  ! {what}: no callback finished within {TIMEOUT_S} s", flush=True)
        return False

    def started(self) -> int:
        return int(self.js("return window.__bench ? window.__bench.started : 0;") or 0)

    def quit(self) -> None:
        self.driver.quit()


def callback_name(body: dict) -> str:
    output = str(body.get("output", ""))
    if "_pages_content.children" in output:
        inputs = [i for i in body.get("inputs", []) if isinstance(i, dict)]
        path = next((i.get("value") for i in inputs if i.get("property") == "pathname"), "?")
        return f"page layout {path}"
    return next((name for marker, name in CALLBACKS.items() if marker in output), output[:40])


# ---------------------------------------------------------------- explorer


def click(browser: Browser, action: str) -> bool:
    """One analyst's click on the explorer; False when the page had nothing to click."""
    driver = browser.driver
    if action == "cell":
        cells = driver.find_elements(By.CSS_SELECTOR, '#explore-table td[data-dash-column="on_time_rate"]')
        target = cells[0] if cells else None
    elif action == "next page":
        buttons = driver.find_elements(By.CSS_SELECTOR, "#explore-drill-table button.next-page")
        target = buttons[0] if buttons and buttons[0].is_enabled() else None
    elif action in ("export", "export drill"):
        buttons = driver.find_elements(By.XPATH, "//button[normalize-space()='CSV']")
        target = buttons[0 if action == "export" else 1] if len(buttons) == 2 else None
    elif action == "bar":
        bars = driver.find_elements(By.CSS_SELECTOR, "#explore-bars .point path")
        target = bars[len(bars) // 2] if bars else None
    elif action == "trend":
        bars = driver.find_elements(By.CSS_SELECTOR, "#explore-trend .bars .point path")
        target = bars[len(bars) // 3] if bars else None
    elif action.startswith("by "):
        labels = driver.find_elements(By.CSS_SELECTOR, f'#explore-by label[for$="-{action[3:]}"]')
        target = labels[0] if labels else None
    elif action == "map":
        # A click on a commune: MapLibre draws on a canvas, so the graph is sent the click plotly would emit.
        return bool(
            browser.js(
                """
                const gd = document.querySelector("#explore-map .js-plotly-plot");
                if (!gd || !gd.data || !gd.data[1] || !gd.data[1].locations.length) { return false; }
                const i = Math.floor(gd.data[1].locations.length / 3), location = gd.data[1].locations[i];
                gd.emit("plotly_click", {points: [{curveNumber: 1, pointNumber: i, location: location}]});
                return true;
                """
            )
        )
    else:
        raise ValueError(action)
    if target is None:
        return False
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", target)
    ActionChains(driver).move_to_element(target).click().perform()
    return True


def explore_pass(browser: Browser, server: Server, views: list, phase: str) -> list[Call]:
    calls: list[Call] = []
    for name, params, actions in views:
        url = f"{server.url}/explore?{urlencode({'preset': 'custom'} | params)}"
        browser.driver.get(url)
        if browser.wait_quiet(2, f"{phase} {name}: load"):
            summary = browser.js("const e = document.getElementById('explore-summary'); return e && e.innerText;")
            if not summary:
                print(f"  ! {phase} {name}: nothing rendered", flush=True)
        calls += browser.take_calls(phase, f"{name}: load", server)
        for action in actions:
            before = browser.started()
            if click(browser, action):
                browser.wait_quiet(before, f"{phase} {name}: {action}")
            else:
                print(f"  ! {phase} {name}: nothing to click for {action!r}", flush=True)
            calls += browser.take_calls(phase, f"{name}: {action}", server)
    return calls


def replay(server: Server, calls: list[Call], phase: str, session: dict[str, str]) -> list[Call]:
    """The same POST bodies sent again one at a time, no browser running: the server's time alone."""
    replayed = []
    for i, call in enumerate(calls):
        tag = f"{phase}-{i}"
        headers = {"Content-Type": "application/json", "X-Bench-Seq": tag, **session}
        request = urllib.request.Request(f"{server.url}/_dash-update-component", call.body.encode(), headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        replayed.append(Call(call.name, phase, call.where, None, None, status=status))
    times = server.times([f"{phase}-{i}" for i in range(len(replayed))])
    for i, call in enumerate(replayed):
        hit = times.get(f"{phase}-{i}")
        call.server_ms = hit[2] if hit else None
    return replayed


# ---------------------------------------------------------------- wall


def wall_visit(browser: Browser, server: Server) -> dict[str, float]:
    """Marks (ms from navigation start) of one visit to the wall: first callback answer, tiles, trend, map, drawn."""
    browser.driver.get(server.url + WALL_URL)
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        marks = browser.js("return window.__bench && window.__bench.marks;") or {}
        if "drawn" in marks:
            return {k: float(v) for k, v in marks.items()}
        time.sleep(0.02)
    print(f"  ! the wall was not fully drawn within {TIMEOUT_S} s: {marks}", flush=True)
    return {k: float(v) for k, v in marks.items()} | {"drawn": float("nan")}


def wall_in_process(database: str) -> dict[str, object]:
    """In a fresh (spawned) process: create_app, then the wall's content and refresh path cold and warm."""
    os.environ |= {"IOC_DATABASE_URL": database, "IOC_PROVINCE": bench_kpi.PROVINCE}
    started = time.perf_counter()
    from layouts.shell import create_app

    create_app()
    from layouts import wall

    timings: dict[str, object] = {"create_app": (time.perf_counter() - started) * 1000}

    def timed(function, *args: object) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        function(*args)
        return (time.perf_counter() - started) * 1000

    timings["content cold"] = timed(wall.content, WALL_OPTIONS)
    timings["content warm"] = [timed(wall.content, WALL_OPTIONS) for _ in range(IN_PROCESS_REPEATS)]
    timings["refresh_overview warm"] = [
        timed(wall.refresh_overview, 1, WALL_OPTIONS, {}) for _ in range(IN_PROCESS_REPEATS)
    ]
    timings["overview_layout warm"] = [
        timed(lambda: wall.overview_layout(date=WALL_OPTIONS["date"])) for _ in range(IN_PROCESS_REPEATS)
    ]
    status = Path("/proc/self/status").read_text()
    timings["hwm_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
    return timings


# ---------------------------------------------------------------- report


def spread(values: list[float]) -> str:
    if not values:
        return f"{'–':>9} {'–':>9} {'–':>9}"
    p = bench_kpi.percentile
    return f"{p(values, 0.5):>6,.0f} ms {p(values, 0.95):>6,.0f} ms {max(values):>6,.0f} ms"


def print_calls(title: str, calls: list[Call], phases: tuple[str, str]) -> None:
    names = sorted({c.name for c in calls}, key=lambda n: (n.startswith("page"), n))
    print()
    print(f"{title:<28} {'n':>4}  {'cold p50':>9} {'cold p95':>9} {'cold max':>9}   "
          f"{'n':>4}  {'warm p50':>9} {'warm p95':>9} {'warm max':>9}")  # fmt: skip
    for name in [*names, "all"]:
        row = f"{name:<28}"
        for phase in phases:
            values = [c.server_ms for c in calls if c.phase == phase and name in (c.name, "all") and c.server_ms]
            row += f" {len(values):>4}  {spread(values)}  "
        print(row.rstrip())


def server_p95(calls: list[Call], phase: str) -> float:
    return bench_kpi.percentile([c.server_ms for c in calls if c.phase == phase and c.server_ms is not None], 0.95)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ---------------------------------------------------------------- phases


def wall_inside(database: str) -> None:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        inner = pool.submit(wall_in_process, database).result()
    print()
    print(f"wall in-process (spawned)          create_app {inner['create_app']:,.0f} ms, "
          f"process peak RSS {inner['hwm_mb']:,.0f} MB")  # fmt: skip
    print(f"  content(options) cold            {inner['content cold']:>7,.1f} ms")
    for key in ("content warm", "refresh_overview warm", "overview_layout warm"):
        values: list[float] = inner[key]  # type: ignore[assignment]
        print(f"  {key:<32} {statistics.median(values):>7,.1f} ms p50 {max(values):>7,.1f} ms max")


def page_js(browser: Browser) -> dict[str, float]:
    """The bytes of JavaScript files the page had over the wire (Resource Timing's ``transferSize``: a few hundred
    for a file revalidated, 0 for one from the cache)."""
    transferred = browser.js(
        """
        const js = performance.getEntriesByType("resource").filter(e => new URL(e.name).pathname.endsWith(".js"));
        return js.reduce((n, e) => n + e.transferSize, 0);
        """
    )
    return {"js_transferred": float(transferred)}


def first_visit(server: Server, blocked: tuple[str, ...]) -> tuple[dict[str, float], dict[str, float], list[Call]]:
    """A fresh worker and a fresh browser (signed in on a page without scripts, so its cache is empty): the wall's
    first visit; then the worker restarted on the same port and the same browser: the first visit with a warm cache.
    Marks (ms from navigation start) and JavaScript bytes of both, and their callbacks."""
    server.start()
    browser = Browser(blocked)
    try:
        browser.sign_in(server.url, next_="/healthz")
        empty = wall_visit(browser, server) | page_js(browser)
        calls = browser.take_calls("cold", "wall, fresh worker, empty cache", server)
        server.stop()
        server.start(server.port)
        warm = wall_visit(browser, server) | page_js(browser)
        calls += browser.take_calls("cold", "wall, fresh worker, warm cache", server)
    finally:
        browser.quit()
        server.stop()
    return empty, warm, calls


def spread3(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    """min / median / max."""
    low, mid, high = min(values) / scale, statistics.median(values) / scale, max(values) / scale
    return f"{low:,.{digits}f} / {mid:,.{digits}f} / {high:,.{digits}f}"


def wall_first_visits(server: Server, results: list) -> list[Call]:
    """The wall's first visit, empty cache and warm, IOC's bundle and the baseline, interleaved, ROUNDS of each."""
    visits: dict[tuple[str, str], list[dict[str, float]]] = {}
    calls: list[Call] = []
    names = list(VARIANTS)
    for round_ in range(ROUNDS):
        for name in names if round_ % 2 == 0 else names[::-1]:  # A B, B A, A B: neither always goes first
            empty, warm, visit_calls = first_visit(server, VARIANTS[name])
            visits.setdefault((name, "empty"), []).append(empty)
            visits.setdefault((name, "warm"), []).append(warm)
            calls += visit_calls
            print(f"  round {round_ + 1}, {name}: empty cache drawn {empty['drawn']:,.0f} ms, "
                  f"warm cache {warm['drawn']:,.0f} ms", flush=True)  # fmt: skip
    print()
    print(f"wall first visit at 1920×1080, ms from navigation start, min / median / max of {ROUNDS} (interleaved); "
          "each on a fresh worker")  # fmt: skip
    keys = (("response", "answer"), ("tiles", "tiles"), ("plotly", "plotly ready"), ("trend", "trend"),
            ("map", "map"), ("drawn", "all drawn"))  # fmt: skip
    for (name, cache), marks in visits.items():
        print(f"  {name}, {cache} cache:")
        for key, label in keys:
            values = [m.get(key, float("nan")) for m in marks]
            print(f"    {label:<28} {spread3(values):>24} ms")
        transferred = spread3([m["js_transferred"] for m in marks], 1e6, 2)
        print(f"    {'JavaScript transferred':<28} {transferred:>24} MB")
    target = f"≤ {WALL_TARGET_MS:,} ms"
    for cache in ("empty", "warm"):
        ours = statistics.median(m["drawn"] for m in visits[(names[1], cache)])
        before = statistics.median(m["drawn"] for m in visits[(names[0], cache)])
        print(f"  {cache} cache, all drawn, median: {ours:,.0f} ms with IOC's bundle, {before:,.0f} ms with the full "
              f"plotly.js: {ours / before:.2f}×")  # fmt: skip
        results.append((f"wall first visit, {cache} cache (median)", f"{ours:,.0f} ms", target, ours <= WALL_TARGET_MS))
        results.append(("  the same, full plotly.js (before)", f"{before:,.0f} ms", "", before <= WALL_TARGET_MS))
    return calls


def wall_pass(server: Server, results: list) -> tuple[list[Call], tuple[float, float]]:
    """The wall's first visits (:func:`wall_first_visits`); then on a fresh worker, one browser, a visit and
    WALL_REPEATS more. Their callbacks, and the worker's memory after them."""
    calls = wall_first_visits(server, results)
    server.start()
    browser = Browser()
    try:
        browser.sign_in(server.url)
        wall_visit(browser, server)
        viewport = browser.js("return [innerWidth, innerHeight, devicePixelRatio];")
        warm = [wall_visit(browser, server) for _ in range(WALL_REPEATS)]
        again = browser.take_calls("warm", "wall", server)
    finally:
        browser.quit()
    again[0].phase = "cold"  # the first visit's page layout: the only callback the wall sends
    memory = server.memory_mb()
    server.stop()
    drawn = [m["drawn"] for m in warm]
    print(f"  the same worker and browser, {WALL_REPEATS} visits more, viewport {viewport[0]}×{viewport[1]} px "
          f"×{viewport[2]}: all drawn p50 {statistics.median(drawn):,.0f} ms, max {max(drawn):,.0f} ms; "
          f"worker RSS {memory[0]:,.0f} MB, peak {memory[1]:,.0f} MB")  # fmt: skip
    target = f"≤ {WALL_TARGET_MS:,} ms"
    results.append(("wall visits after the first, p50", f"{statistics.median(drawn):,.0f} ms", target,
                    statistics.median(drawn) <= WALL_TARGET_MS))  # fmt: skip
    results.append(("wall visits after the first, max", f"{max(drawn):,.0f} ms", target, max(drawn) <= WALL_TARGET_MS))
    return calls + again, memory


def run(database: str, views: list, folder: Path, wall_only: bool = False) -> None:
    results: list[tuple[str, str, str, bool]] = []
    wall_inside(database)
    server = Server("", database, folder)
    browser: Browser | None = None
    try:
        wall_calls, wall_memory = wall_pass(server, results)
        if wall_only:
            print_results(results)
            return

        # The explorer: another fresh worker, the cold pass then the warm pass; then the wall again on that worker.
        server.start()
        browser = Browser()
        browser.sign_in(server.url)
        started = time.monotonic()
        calls = explore_pass(browser, server, views, "cold")
        cold_s = time.monotonic() - started
        calls += explore_pass(browser, server, views, "warm")
        for _ in range(WALL_REPEATS):
            wall_visit(browser, server)
        wall_again = browser.take_calls("warm", "wall after the explorer", server)
        wall_again[0].phase = "cold"
        calls += wall_again
        memory = server.memory_mb()
        layouts, pages = server.get_times("/_dash-layout"), server.get_times("/explore")
        server.stop()
        session = browser.session_headers()
        browser.quit()
        browser = None

        # The same POSTs replayed one at a time on a third fresh worker, no browser running.
        server.start()
        sent = [c for c in calls if c.phase == "cold"]
        replayed = replay(server, sent, "cold", session) + replay(server, sent, "warm", session)
        server.stop()
    finally:
        if browser:
            with contextlib.suppress(WebDriverException):
                browser.quit()
        server.stop()

    every = wall_calls + calls
    print()
    print(
        f"explorer: {len(views)} views, cold pass {cold_s:,.0f} s; GET /_dash-layout p50 "
        f"{statistics.median(layouts):,.1f} ms, GET /explore p50 {statistics.median(pages):,.1f} ms (server)"
    )
    print_calls("server ms, browser-driven", every, ("cold", "warm"))
    for phase in ("cold", "warm"):
        values = [c.browser_ms for c in every if c.phase == phase and c.browser_ms is not None]
        print(f"{'all, as the browser saw it':<28} {len(values):>4}  {spread(values)}   ({phase}: sendStart → "
              "headers, so + waits behind the page's other POSTs)")  # fmt: skip
    unmatched = [c for c in every if c.server_ms is None]
    if unmatched:
        print(f"POSTs without an access-log line: {len(unmatched)}")
    for label, source in (("browser-driven", every), ("replayed", replayed)):
        for c in source:
            if c.status >= 400:
                print(f"  ! HTTP {c.status} {label}: {c.name} ({c.phase}, {c.where})")
    print("slowest (browser-driven): " + "; ".join(
        f"{c.name} {c.server_ms:,.0f} ms ({c.phase}, {c.where})"
        for c in sorted(every, key=lambda c: -(c.server_ms or 0))[:6]
    ))  # fmt: skip
    print_calls("server ms, replayed alone", replayed, ("cold", "warm"))
    print()
    print(f"worker memory after the explorer and the wall: RSS {memory[0]:,.0f} MB, peak (VmHWM) {memory[1]:,.0f} MB; "
          f"wall-only worker: RSS {wall_memory[0]:,.0f} MB, peak {wall_memory[1]:,.0f} MB")  # fmt: skip

    target = f"≤ {CALLBACK_TARGET_MS} ms"
    for label, source in (("browser-driven", every), ("replayed alone", replayed)):
        for phase in ("cold", "warm"):
            p95 = server_p95(source, phase)
            results.append((f"callback p95, {phase}, {label}", f"{p95:,.0f} ms", target, p95 <= CALLBACK_TARGET_MS))
    target = f"≤ {RSS_TARGET_MB} MB"
    results.append(("worker RSS after all", f"{memory[0]:,.0f} MB", target, memory[0] <= RSS_TARGET_MB))
    peak = max(memory[1], wall_memory[1])
    results.append(("worker peak RSS (VmHWM)", f"{peak:,.0f} MB", target, peak <= RSS_TARGET_MB))
    print_results(results)


def print_results(results: list[tuple[str, str, str, bool]]) -> None:
    print()
    print(f"{'target':<40} {'measured':>10}  {'target':>12}  result")
    for name, measured, target, ok in results:
        print(f"{name:<40} {measured:>10}  {target:>12}  {verdict(ok) if target else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="SQLite warehouse, reused or built (default: built in a temp folder)")
    parser.add_argument("--dossiers", type=int, default=10_000_000)
    parser.add_argument("--wall-only", action="store_true", help="only step 2, the wall (about 2 minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ioc-bench-dashboard-") as folder:
        path = (args.db or Path(folder) / "ioc.db").resolve()
        ensure_warehouse(path, args.dossiers, folder)
        database = f"sqlite:///{path}"
        bench_kpi.ioc_init(folder, database)  # migrates a reused warehouse to this IOC's schema
        ensure_user(database)
        engine = make_engine(database)
        codes = bench_kpi.pick_codes(engine)
        with engine.connect() as connection:
            dossiers = bench_kpi.count(connection, "dossier")
        engine.dispose()
        print(f"warehouse {path}: {dossiers:,} dossiers; filters used: unit {codes['unit']}, agency "
              f"{codes['agency']}, field {codes['field']}, procedure {codes['procedure']}")  # fmt: skip
        run(database, explorer_views(codes), Path(folder), args.wall_only)


if __name__ == "__main__":
    main()
