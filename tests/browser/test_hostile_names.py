"""Names holding HTML and script (an agency, a procedure, applicants) show as text on every page, in tables, figure
labels and the dossier list, and never run."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from browser import grid
from browser.conftest import HOSTILE_AGENCY, HOSTILE_APPLICANT, HOSTILE_PROCEDURE, console_errors, screenshot, sign_in

SHOWN = "return document.querySelectorAll('#explore-table .ag-body .ag-cell').length > 0"


def _no_script_ran(driver: WebDriver) -> None:
    assert driver.execute_script("return window.__xss") is None
    assert driver.find_elements(By.CSS_SELECTOR, "#_pages_content img[src='x'], #_pages_content svg[onload]") == []


def _cells(driver: WebDriver, table: str, column: str) -> list[str]:
    return [row.get(column, "") for row in grid.rows(driver, table)]


def _labels(driver: WebDriver) -> list[str]:
    script = "return [...document.querySelectorAll('#explore-bars .ytick text')].map(t => t.textContent);"
    return driver.execute_script(script)


def test_hostile_names_are_text_in_tables_labels_and_dossier_lists(dashboard, browser):
    sign_in(browser, dashboard, "admin")  # an admin sees applicants' names in full
    browser.get(f"{dashboard.url}/explore?preset=last_30_days&by=agency&kpi=received")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(SHOWN))
    names = _cells(browser, "explore-table", "name")
    assert HOSTILE_AGENCY in names, " | ".join(names)
    assert HOSTILE_AGENCY in _labels(browser)  # plotly shows the tags as characters
    grid.cell(browser, "explore-table", "received", index=names.index(HOSTILE_AGENCY)).click()
    WebDriverWait(browser, 20).until(lambda d: HOSTILE_APPLICANT in _cells(d, "explore-drill-table", "applicant_name"))
    _no_script_ran(browser)
    screenshot(browser, "hostile-names-explore")

    browser.get(f"{dashboard.url}/explore?preset=last_month&by=procedure&kpi=received")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(SHOWN))
    assert HOSTILE_PROCEDURE in _labels(browser)  # the busiest procedure: among the bars of the most received
    _no_script_ran(browser)

    browser.get(f"{dashboard.url}/wall/rankings")
    WebDriverWait(browser, 30).until(lambda d: HOSTILE_AGENCY in d.find_element(By.TAG_NAME, "body").text)
    _no_script_ran(browser)
    assert console_errors(browser) == []
