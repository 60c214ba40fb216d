"""The explorer's Decision 766 panel in headless Chromium: the grid (dash-ag-grid, under the Content-Security-Policy)
lists communes with names, and choosing one lists the late dossiers behind its progress component; no console error."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser.conftest import console_errors, requests_leaving_loopback, set_viewport, sign_in


def test_the_index_grid_drills_down_to_the_late_dossiers(dashboard, browser):
    sign_in(browser, dashboard, "analyst")
    set_viewport(browser, 1600, 1000)
    browser.get(f"{dashboard.url}/explore?preset=last_30")
    rows = "#explore-index-grid .ag-center-cols-container .ag-row"
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, rows))
    headers = browser.find_element(By.ID, "explore-index-grid").text
    assert "Tiến độ giải quyết" in headers and "Tên" in headers
    first = browser.find_elements(By.CSS_SELECTOR, rows)[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", first)
    first.find_elements(By.CSS_SELECTOR, ".ag-cell")[0].click()
    title = browser.find_element(By.ID, "explore-index-drill-title")
    WebDriverWait(browser, 30).until(lambda d: "hồ sơ trễ hạn" in title.text and "Chọn một dòng" not in title.text)
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []
