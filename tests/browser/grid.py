"""Reading and clicking the app's dash-ag-grid grids in headless Chromium: rows as shown (the pinned columns' cells
and the scrolled ones joined by row), the headers in order, a cell by its column and text."""

from __future__ import annotations

import time

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

#: The grid's rendered rows, each ``{col-id: text}``, in the order shown; pinned and scrolled halves joined.
_ROWS = """
const grid = document.getElementById(arguments[0]);
if (!grid) { return []; }
const rows = new Map();
for (const row of grid.querySelectorAll('.ag-body .ag-row[row-index]')) {
    const index = Number(row.getAttribute('row-index'));
    const cells = rows.get(index) || {};
    for (const cell of row.querySelectorAll('.ag-cell[col-id]')) {
        cells[cell.getAttribute('col-id')] = cell.textContent.trim();
    }
    rows.set(index, cells);
}
return [...rows.keys()].sort((a, b) => a - b).map(key => rows.get(key));
"""
_HEADERS = """
const grid = document.getElementById(arguments[0]);
if (!grid) { return []; }
return [...grid.querySelectorAll('.ag-header-row-column .ag-header-cell[col-id]')].map(cell => [
    cell.getAttribute('col-id'), (cell.querySelector('.ag-header-cell-text') || cell).textContent.trim()]);
"""


def rows(driver: WebDriver, grid_id: str) -> list[dict[str, str]]:
    """The rows the grid shows, by column id."""
    return driver.execute_script(_ROWS, grid_id)


def headers(driver: WebDriver, grid_id: str) -> list[str]:
    """The column headers, left to right."""
    return [text for _, text in driver.execute_script(_HEADERS, grid_id)]


def table(driver: WebDriver, grid_id: str) -> list[list[str]]:
    """The rows the grid shows as lists of cell texts, in the headers' order."""
    order = [column for column, _ in driver.execute_script(_HEADERS, grid_id)]
    return [[row.get(column, "") for column in order] for row in rows(driver, grid_id) if row]


def has_rows(driver: WebDriver, grid_id: str) -> bool:
    return bool(driver.find_elements(By.CSS_SELECTOR, f"#{grid_id} .ag-body .ag-cell"))


def cells(driver: WebDriver, grid_id: str, column: str) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, f"#{grid_id} .ag-body .ag-cell[col-id='{column}']")


def cell(driver: WebDriver, grid_id: str, column: str, text: str | None = None, index: int | None = None) -> WebElement:
    """The cell of ``column`` whose text is ``text``, or in the row shown at ``index`` (0 first)."""
    if index is not None:
        selector = f"#{grid_id} .ag-body .ag-row[row-index='{index}'] .ag-cell[col-id='{column}']"
        return driver.find_element(By.CSS_SELECTOR, selector)
    found = [c for c in cells(driver, grid_id, column) if c.text.strip() == text]
    if not found:
        raise AssertionError(f"no cell {text!r} in {grid_id}.{column}")
    return found[0]


def click(driver: WebDriver, grid_id: str, column: str, text: str) -> None:
    """Click the cell of ``column`` whose text is ``text`` (found again if the grid draws its rows anew meanwhile)."""
    for _ in range(20):
        try:
            cell(driver, grid_id, column, text).click()
            return
        except (StaleElementReferenceException, AssertionError):
            time.sleep(0.3)
    cell(driver, grid_id, column, text).click()


#: Every row's data in the grid, rendered or not (ag-grid draws only the rows in view), through dash-ag-grid's API.
_ALL_ROWS = """
let api = null;
try { api = window.dash_ag_grid && window.dash_ag_grid.getApi(arguments[0]); } catch (e) { return null; }
if (!api) { return null; }
const rows = [];
api.forEachNode(node => rows.push(node.data));
return rows;
"""


def all_rows(driver: WebDriver, grid_id: str) -> list[dict]:
    """Every row of the grid's data, also those scrolled out of view (none while the grid is not ready)."""
    return driver.execute_script(_ALL_ROWS, grid_id) or []
