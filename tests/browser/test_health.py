"""Data health in headless Chromium: ``/wall/health`` on a wall-screen's display link and the admin overview at
``/admin`` show the simulator collector's row with its five lights, drawn in their colours, with no console error and
nothing from outside loopback."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser.conftest import console_errors, requests_leaving_loopback, screenshot, set_viewport, sign_in

#: Each light of a row: its class and the colour its dot is drawn in.
LIGHTS = """
return [...document.querySelectorAll(arguments[0] + ' .health-light')].map(light => ({
    light: [...light.classList].find(name => name.startsWith('light-')),
    colour: getComputedStyle(light.querySelector('.health-dot')).backgroundColor,
    word: light.textContent,
}));
"""
COLOURS = {
    "light-green": "rgb(47, 158, 68)",
    "light-amber": "rgb(240, 140, 0)",
    "light-red": "rgb(224, 49, 49)",
    "light-none": "rgb(134, 142, 150)",
}
WORDS = {"light-green": "Tốt", "light-amber": "Cần chú ý", "light-red": "Báo động", "light-none": "Không đánh giá"}


def _lights(browser, selector: str) -> list[dict]:  # type: ignore[no-untyped-def]
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(LIGHTS, selector))
    return browser.execute_script(LIGHTS, selector)


def _assert_lights_drawn(lights: list[dict]) -> None:
    assert len(lights) == 5  # overall and the four checks
    for light in lights:
        assert light["colour"] == COLOURS[light["light"]], light
        assert light["word"] == WORDS[light["light"]], light
    assert any(light["light"] != "light-none" for light in lights)  # the simulator's source is judged


def test_the_wall_health_page_shows_each_source_with_its_lights(dashboard, browser):
    sign_in(browser, dashboard, "display")
    set_viewport(browser, 1920, 1080)
    browser.get(f"{dashboard.url}/wall/health")
    row = '#wall-health-table tr[id*=\'"collector":"sim",\']'
    _assert_lights_drawn(_lights(browser, row))
    text = browser.find_element(By.ID, "wall").text
    assert "SỨC KHỎE DỮ LIỆU" in text and "Nguồn dữ liệu" in text and "sim" in text  # the title in capitals
    background = browser.execute_script("return getComputedStyle(document.querySelector('#wall')).backgroundColor")
    assert background == "rgb(16, 17, 19)"  # the wall's dark style
    fits = "return document.documentElement.scrollHeight <= window.innerHeight + 1"
    assert browser.execute_script(fits)
    screenshot(browser, "wall-health")
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []


def test_the_admin_overview_shows_the_health_table_above_the_cards(dashboard, browser):
    sign_in(browser, dashboard, "admin")
    browser.get(f"{dashboard.url}/admin")
    row = '#admin-health-table tr[id*=\'"collector":"sim",\']'
    _assert_lights_drawn(_lights(browser, row))
    runs = browser.find_element(By.CSS_SELECTOR, f"{row} .health-source a").get_attribute("href")
    assert runs.endswith("/admin/runs?collector=sim&lang=vi")
    table = browser.find_element(By.ID, "admin-health-table").location["y"]
    cards = browser.find_element(By.CSS_SELECTOR, 'a[href^="/admin/collectors"]').location["y"]
    assert table < cards
    screenshot(browser, "admin-health")
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []
