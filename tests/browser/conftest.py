"""Browser tests: the real dashboard under gunicorn on loopback, fed by the simulator over HTTP, in headless Debian
Chromium driven by selenium. Screenshots go to ``tests/artifacts/screens`` (ignored by git)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from helpers import REPO, clean_environment, run_ioc
from ioc.config import now_local
from ioc.simulator import SimulatorConfig, running_simulator

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
)
SCREENS = REPO / "tests" / "artifacts" / "screens"
NETWORK_SCHEMES = ("http", "https", "ws", "wss")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: Names holding HTML and script, given to the busiest agency and procedure and to some applicants: every page must
#: show them as text and never run them (window.__xss stays undefined).
HOSTILE_AGENCY = '<img src=x onerror="window.__xss=1">Sở <b>Thử</b>'
HOSTILE_PROCEDURE = '<script>window.__xss=2</script>Thủ tục "thử" & <i>nghiệm</i>'
HOSTILE_APPLICANT = '<svg onload="window.__xss=3">Nguyễn <b>Văn</b> Độc'


def _give_hostile_names(env: dict[str, str]) -> None:
    from sqlalchemy import text

    from ioc.warehouse.engine import make_engine

    engine = make_engine(f"sqlite:///{env['IOC_DATA_DIR']}/ioc.db")
    busiest = "SELECT {0} FROM dossier GROUP BY {0} ORDER BY count(*) DESC LIMIT 1"
    with engine.begin() as connection:
        agency = connection.execute(
            text(
                "SELECT agency_code FROM dossier JOIN agency ON agency.code = agency_code"
                " WHERE agency.kind = 'department' GROUP BY agency_code ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()
        procedure = connection.execute(text(busiest.format("procedure_code"))).scalar_one()
        connection.execute(
            text("UPDATE agency SET name = :n, name_en = :n WHERE code = :c"), {"n": HOSTILE_AGENCY, "c": agency}
        )
        connection.execute(
            text("UPDATE procedure SET name = :n WHERE code = :c"), {"n": HOSTILE_PROCEDURE, "c": procedure}
        )
        connection.execute(text("UPDATE dossier SET applicant_name = :n WHERE id % 3 = 0"), {"n": HOSTILE_APPLICANT})
    engine.dispose()


#: One account per role in the browser tests' warehouse; each password is the role's name and this.
PASSWORD_SUFFIX = "-browser-test-password"


@dataclass(frozen=True)
class Dashboard:
    url: str
    env: dict[str, str]
    first_day: date
    display_url: str

    @staticmethod
    def username(role: str) -> str:
        return f"test-{role}"


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """A warehouse filled from the simulator (about three months), and the dashboard serving it (``ioc serve``)."""
    data_dir = tmp_path_factory.mktemp("browser-warehouse")
    env = {"IOC_DATA_DIR": str(data_dir), "IOC_PROVINCE": "46"}
    assert run_ioc("init", env=env).returncode == 0
    first_day = (now_local().date().replace(day=1) - timedelta(days=62)).replace(day=1)
    with running_simulator(SimulatorConfig(start=first_day, daily_volume=120, seed=7)) as simulator:
        added = run_ioc("collector", "add", "sim", "--kind", "dossier-sync", "--url", f"{simulator}/api/hoso", env=env)
        assert added.returncode == 0, added.stderr
        collected = run_ioc("collector", "run", "sim", env=env)
        assert collected.returncode == 0, collected.stderr
    for role in ("leader", "analyst", "admin"):
        secret = {"TEST_PASSWORD": role + PASSWORD_SUFFIX}
        added = run_ioc(
            "user", "add", Dashboard.username(role), "--role", role, "--password-env", "TEST_PASSWORD", env=env | secret
        )
        assert added.returncode == 0, added.stderr
    _give_hostile_names(env)
    token = run_ioc("display-token", "create", "browser-tests", env=env)
    assert token.returncode == 0, token.stderr
    port = _free_port()
    log = (data_dir / "dashboard.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "ioc", "serve", "--port", str(port), "--workers", "1", "--no-access-log"],
        env=clean_environment(env),
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    display_url = token.stdout.strip().replace("http://127.0.0.1:8050", url)
    try:
        deadline = time.monotonic() + 90  # a loaded machine (2 cores, many runs) may take a minute to import
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (data_dir / "dashboard.log").read_text()
            assert time.monotonic() < deadline, "the dashboard did not answer within 90 s"
            time.sleep(0.2)
        yield Dashboard(url, env, first_day, display_url)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture
def browser(downloads: Path) -> Iterator[WebDriver]:
    """Headless Debian Chromium with its console and network logged; CI must have it, elsewhere it may be missing."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = "Debian chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    profile = downloads.parent / f"profile-{time.monotonic_ns()}"
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1600,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def sign_in(driver: WebDriver, dashboard: Dashboard, role: str) -> None:
    """Sign in as the test account with ``role`` through the sign-in form, or, for ``"display"``, open the wall's
    display link as a wall-screen does."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    if role == "display":
        driver.get(dashboard.display_url)
        WebDriverWait(driver, 20).until(lambda d: urlsplit(d.current_url).path.startswith("/wall"))  # its playlist
        return
    driver.get(f"{dashboard.url}/login")
    driver.find_element(By.ID, "username").send_keys(dashboard.username(role))
    driver.find_element(By.ID, "password").send_keys(role + PASSWORD_SUFFIX)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: urlsplit(d.current_url).path != "/login")


def set_viewport(driver: WebDriver, width: int, height: int, mobile: bool = False) -> None:
    """Make the page's viewport exactly ``width`` × ``height`` CSS pixels (``mobile``: as a phone lays pages out)."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def console_errors(driver: WebDriver) -> list[str]:
    """Console messages at error level (warnings such as the software-WebGL notice are not errors)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requests_leaving_loopback(driver: WebDriver) -> list[str]:
    """Every network URL (http, https, ws, wss) the browser asked for whose host is not 127.0.0.1."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(urlsplit(message["params"]["request"]["url"]))
    return [url.geturl() for url in urls if url.scheme in NETWORK_SCHEMES and url.hostname != "127.0.0.1"]


MAP_DRAWN = """
const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
return !!(sub && sub.map && sub.map.loaded() && sub.map.areTilesLoaded()
    && sub.map.queryRenderedFeatures().length > 0);
"""


def map_drawn(driver: WebDriver, graph_id: str) -> bool:
    """Whether the map in the graph ``graph_id`` has drawn its units (maplibre reports rendered features)."""
    return bool(driver.execute_script(MAP_DRAWN, f"#{graph_id}"))


def screenshot(driver: WebDriver, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENS / f"{name}.png"))
