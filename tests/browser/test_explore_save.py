"""An analyst saves the explorer's view on screen by name, and a wall-screen plays it (``/wall/view?name=…``)."""

from __future__ import annotations

from urllib.parse import quote

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser.conftest import console_errors, sign_in


def test_an_analyst_saves_the_view_and_the_wall_plays_it(dashboard, browser):
    sign_in(browser, dashboard, "analyst")
    browser.get(f"{dashboard.url}/explore?preset=last_month&by=unit&kpi=online_rate")
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "explore-save-name"))
    name = "Trực tuyến theo xã"
    browser.find_element(By.ID, "explore-save-name").send_keys(name)
    browser.find_element(By.ID, "explore-save-button").click()
    done = WebDriverWait(browser, 30).until(
        lambda d: (e := d.find_element(By.ID, "explore-save-done")).is_displayed() and e.text and e
    )
    assert f"Đã lưu góc nhìn {name}" in done.text
    browser.get(f"{dashboard.url}/wall/view?name={quote(name)}")
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "wall"))
    assert "Chưa có dữ liệu" not in browser.find_element(By.ID, "wall").text
    assert console_errors(browser) == []
