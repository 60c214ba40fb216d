"""The admin page Names in headless Chromium, signed in as an admin: a portal collector's unmatched names are
listed; mapping one in the form loads its waiting records and leaves the other listed; no console error, nothing
requested off loopback."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from browser import grid
from browser.conftest import Dashboard, console_errors, requests_leaving_loopback, screenshot, sign_in
from helpers import run_ioc
from ioc.simulator import SimulatorConfig, running_simulator
from ioc.simulator.portal766 import EXTRA_UNITS

NAME = "portal-names"


def _names(driver: WebDriver) -> list[str]:
    return [row["name"] for row in grid.rows(driver, "admin-names-table") if "name" in row]


def _choose(driver: WebDriver, select_id: str, typed: str, label: str) -> None:
    field = driver.find_element(By.ID, select_id)
    field.click()
    field.send_keys(typed)
    option = WebDriverWait(driver, 10).until(
        lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == label), None)
    )
    option.click()


def test_an_admin_maps_an_unmatched_portal_name(browser: WebDriver, dashboard: Dashboard):
    with running_simulator(SimulatorConfig(seed=11)) as simulator:
        added = run_ioc(
            "collector", "add", NAME, "--kind", "portal-766", "--url", simulator,
            "--option", "root_department_id=sim-46", env=dashboard.env,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        ran = run_ioc("collector", "run", NAME, "--since", "2026-08-01", "--until", "2026-08-31", env=dashboard.env)
        assert ran.returncode == 0, ran.stderr
    try:
        sign_in(browser, dashboard, "admin")
        browser.get(f"{dashboard.url}/admin/names?collector={NAME}&lang=vi")
        # the simulator's two extra units, and the department the browser tests renamed to a hostile name
        WebDriverWait(browser, 30).until(lambda d: set(EXTRA_UNITS) < set(_names(d)))
        listed = _names(browser)
        assert listed == sorted(listed, key=str.casefold)
        screenshot(browser, "admin-names")
        mapped = sorted(EXTRA_UNITS, key=str.casefold)[0]
        _choose(browser, "admin-names-name", "Ban", mapped)
        _choose(browser, "admin-names-target", "TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh (TTPVHCC)")
        browser.find_element(By.ID, "admin-names-map").click()
        message = f'Đã ánh xạ "{mapped}"; 18 bản ghi đang chờ đã được nạp.'
        WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "admin-names-message").text == message)
        WebDriverWait(browser, 30).until(lambda d: _names(d) == [name for name in listed if name != mapped])
        screenshot(browser, "admin-names-mapped")
        assert console_errors(browser) == []
        assert requests_leaving_loopback(browser) == []
    finally:
        assert run_ioc("collector", "remove", NAME, env=dashboard.env).returncode == 0
