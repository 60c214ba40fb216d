"""In headless Chromium, the admin's collector form offers every installed kind with its own options model: a third
party's kinds (``plugin_kinds``, installed through the ``ioc.collectors`` entry point on the dashboard's
``PYTHONPATH``) beside dossier-sync; the URL field only for a kind read from its URL; the options pre-filled from the
kind's defaults with its fields described; options that are not JSON refused with the line and column."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from plugin_kinds import FOLDER_KIND, plant_kinds
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from browser import grid
from browser.conftest import PASSWORD_SUFFIX, Dashboard, _free_port, console_errors, screenshot, sign_in
from collectors.dossier_sync import DossierSync
from helpers import REPO, clean_environment, run_ioc

FOLDER_LABEL = f"{FOLDER_KIND} — Files in a folder (test)"
BROKEN = '{\n"path": "/srv/drop"\n"pattern": "*.xlsx"\n}'


@pytest.fixture(scope="module")
def kinds_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """An empty warehouse with an admin, served by ``ioc serve`` with the third party's kinds installed."""
    data_dir = tmp_path_factory.mktemp("kinds-warehouse")
    site = plant_kinds(tmp_path_factory.mktemp("kinds-site"))
    env = {"IOC_DATA_DIR": str(data_dir), "IOC_PROVINCE": "46", "PYTHONPATH": str(site)}
    assert run_ioc("init", env=env).returncode == 0
    secret = {"TEST_PASSWORD": "admin" + PASSWORD_SUFFIX}
    added = run_ioc("user", "add", Dashboard.username("admin"), "--role", "admin", "--password-env", "TEST_PASSWORD",
                    env=env | secret)  # fmt: skip
    assert added.returncode == 0, added.stderr
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
        yield Dashboard(url, env, date.today(), "")
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _wait(driver: WebDriver, condition, timeout: float = 20):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, timeout).until(condition)


def _text(driver: WebDriver, element_id: str) -> str:
    found = driver.find_elements(By.ID, element_id)
    return (found[0].get_attribute("textContent") or "").strip() if found else ""


def _value(driver: WebDriver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).get_attribute("value") or ""


def _type(driver: WebDriver, element_id: str, text: str) -> None:
    field = _wait(driver, lambda d: next((e for e in d.find_elements(By.ID, element_id) if e.is_displayed()), None))
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)


def _choose_kind(driver: WebDriver, label: str) -> None:
    driver.find_element(By.ID, "admin-collectors-form-kind").click()
    option = _wait(
        driver, lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == label), None)
    )
    option.click()


def _url_shown(driver: WebDriver) -> bool:
    return driver.find_element(By.ID, "admin-collectors-form-url").is_displayed()


def test_the_form_follows_the_chosen_kinds_location_and_options(kinds_dashboard, browser):
    sign_in(browser, kinds_dashboard, "admin")
    browser.get(f"{kinds_dashboard.url}/admin/collectors")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#admin-collectors-table .ag-header-cell"))
    browser.find_element(By.ID, "admin-collectors-add").click()
    _wait(browser, lambda d: d.find_element(By.ID, "admin-collectors-form-name").is_displayed())

    # A kind in its options: no URL field, its defaults in the editor and its fields described.
    _choose_kind(browser, FOLDER_LABEL)
    _wait(browser, lambda d: not _url_shown(d))
    _wait(browser, lambda d: '"path": "data/drop"' in _value(d, "admin-collectors-form-options"))
    assert '"sheets": [' in _value(browser, "admin-collectors-form-options")
    help_text = _text(browser, "admin-collectors-form-options-fields")
    assert "Thư mục theo dõi (the folder watched)" in help_text and "array of string" in help_text

    # dossier-sync reads its URL: the field is back, and the options are dossier-sync's own.
    _choose_kind(browser, f"dossier-sync — {DossierSync.description}")
    _wait(browser, lambda d: _url_shown(d))
    _wait(browser, lambda d: '"page_size"' in _value(d, "admin-collectors-form-options"))

    # Back to the folder kind; options that are not JSON are refused saying where and what.
    _choose_kind(browser, FOLDER_LABEL)
    _wait(browser, lambda d: not _url_shown(d))
    _type(browser, "admin-collectors-form-name", "drop")
    _type(browser, "admin-collectors-form-options", BROKEN)
    browser.find_element(By.ID, "admin-collectors-form-options").send_keys(Keys.TAB)  # the editor checks on leaving
    _wait(browser, lambda d: "dòng 3, cột 1" in _text(d, "admin-collectors-form-options-error"))
    browser.find_element(By.ID, "admin-collectors-form-save").click()
    _wait(browser, lambda d: _text(d, "admin-collectors-form-error") == "Chưa lưu: hãy sửa các ô được đánh dấu.")
    assert "dòng 3, cột 1" in _text(browser, "admin-collectors-form-options-error")
    assert "thiếu dấu phẩy" in _text(browser, "admin-collectors-form-options-error")
    error = browser.find_element(By.ID, "admin-collectors-form-options-error")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", error)
    screenshot(browser, "admin-collectors-options-not-json")

    # Fixed, it is saved without a URL.
    _type(browser, "admin-collectors-form-options", '{"path": "/srv/drop"}')
    browser.find_element(By.ID, "admin-collectors-form-save").click()
    _wait(browser, lambda d: _text(d, "admin-collectors-message") == "Đã lưu bộ thu thập drop.")
    # every row's data: the grid draws only the rows in view, and earlier tests may have added collectors above it
    _wait(browser, lambda d: any(row.get("name") == "drop" for row in grid.all_rows(d, "admin-collectors-table")))
    cells = next(row for row in grid.all_rows(browser, "admin-collectors-table") if row.get("name") == "drop")
    assert (cells["name"], cells["kind"], cells["url"]) == ("drop", FOLDER_KIND, "–")
    assert console_errors(browser) == []
