"""The wall's tiles hold their values whatever their length: a province whose counts run to seven digits and whose
on-time rate is 100,00 %, at 1920×1080 and 3840×2160, early in a month (last month's figure beside each tile too)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import update

from browser.conftest import Dashboard, _free_port, console_errors, screenshot, set_viewport, sign_in
from helpers import REPO, clean_environment, run_ioc
from ioc.collecting.store import add_collector
from ioc.config import now_local
from ioc.dossiers.events import MEASURES
from ioc.records import DossierRecord
from ioc.warehouse import schema
from ioc.warehouse.engine import make_engine
from ioc.warehouse.load import load_page

#: Every count in the warehouse is multiplied by this: the 4 dossiers of this month stand for 1.234.568.
SCALE = 308_642
AGGREGATES = (
    schema.DOSSIER_DAILY,
    schema.DOSSIER_DAILY_AGENCY,
    schema.DOSSIER_MONTHLY,
    schema.DOSSIER_MONTHLY_AGENCY,
    schema.DOSSIER_DAILY_FIELD,
    schema.DOSSIER_MONTHLY_FIELD,
    schema.DOSSIER_TOTAL,
    schema.DOSSIER_TOTAL_AGENCY,
)

FIT = """
return Array.from(document.querySelectorAll('.tile-value, .tile-beside')).map(function (e) {
    var tile = e.closest('.tile').getBoundingClientRect(), box = e.getBoundingClientRect();
    return [e.textContent, e.scrollWidth, e.clientWidth, box.left >= tile.left - 0.5 && box.right <= tile.right + 0.5,
            getComputedStyle(e).textOverflow];
});
"""


def _record(key: str, received: datetime, finished: datetime | None, due: datetime) -> DossierRecord:
    return DossierRecord(
        source_key=key,
        procedure_code="1.001234",
        procedure_name="Đăng ký khai sinh",
        field_code="HT",
        field_name="Hộ tịch",
        channel=2,
        applicant_name="Người Thử",
        applicant_type=1,
        agency_code="UBND-19753",
        unit_code="19753",
        received_at=received,
        due_at=due,
        status=10 if finished else 4,
        finished_at=finished,
        returned_at=None,
        paid_online=True,
        digitised=True,
        source_updated_at=received,
    )


def _million_dossier_warehouse(data_dir: Path, env: dict[str, str]) -> None:
    """Online, paid online, digitised and resolved on time (every rate 100,00 %) this month and last, and some of
    last month's still pending past their due day; then every count multiplied by :data:`SCALE` in every aggregate
    alike, so the aggregates stay additive and consistent with each other."""
    now = now_local().replace(tzinfo=None, microsecond=0)
    month = now.replace(day=1, hour=0, minute=0, second=0)
    last_month = (month - timedelta(days=1)).replace(day=1)
    records = [_record(f"now-{i}", month, month + timedelta(seconds=30), month + timedelta(days=5)) for i in range(4)]
    records += [
        _record(f"then-{i}", last_month + timedelta(hours=9), last_month + timedelta(hours=10), month) for i in range(6)
    ]
    records += [
        _record(f"late-{i}", last_month + timedelta(hours=9), None, last_month + timedelta(days=3)) for i in range(3)
    ]
    engine = make_engine(f"sqlite:///{data_dir}/ioc.db")
    with engine.begin() as connection:
        collector_id = add_collector(connection, "sim", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, records, [], now)
        for table in AGGREGATES:
            connection.execute(update(table).values({m: table.c[m] * SCALE for m in MEASURES}))
    engine.dispose()


@pytest.fixture(scope="module")
def large_wall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    data_dir = tmp_path_factory.mktemp("large-warehouse")
    env = {"IOC_DATA_DIR": str(data_dir), "IOC_PROVINCE": "46"}
    assert run_ioc("init", env=env).returncode == 0
    _million_dossier_warehouse(data_dir, env)
    token = run_ioc("display-token", "create", "tile-test", env=env)
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
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (data_dir / "dashboard.log").read_text()
            assert time.monotonic() < deadline, "the dashboard did not answer within 30 s"
            time.sleep(0.2)
        first_day = now_local().date().replace(day=1)
        yield Dashboard(url, env, first_day, token.stdout.strip().replace("http://127.0.0.1:8050", url))
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_every_tile_value_fits_its_tile(large_wall, browser: WebDriver, width, height):
    set_viewport(browser, width, height)
    sign_in(browser, large_wall, "display")
    browser.get(f"{large_wall.url}/wall")  # the wall itself, not following the link's playlist to its other pages
    WebDriverWait(browser, 30).until(lambda d: len(d.execute_script(FIT)) >= 7)
    time.sleep(0.5)  # the fit step runs as the tiles are drawn
    screenshot(browser, f"wall-tiles-{width}x{height}")
    measured = browser.execute_script(FIT)
    texts = [text for text, *_ in measured]
    assert "100,00 %" in texts and any(len(text.replace(".", "")) >= 7 for text in texts), texts
    assert [m for m in measured if not (m[1] <= m[2] and m[3])] == [], "values wider than their tiles"
    assert all(m[4] != "ellipsis" for m in measured)
    assert console_errors(browser) == []
