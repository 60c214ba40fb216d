"""The tables on dash-ag-grid in headless Chromium (issue 17, item 6): a column sorts and filters, the header stays
while the rows scroll under it, the export button writes a CSV (whose cells cannot run as formulas), ag-grid speaks
Vietnamese, and the explorer's dossier list names agencies, units and procedures and labels their status."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from browser import grid
from browser.conftest import console_errors, requests_leaving_loopback, screenshot, sign_in
from helpers import run_ioc
from ioc.kpi.periods import Period
from layouts.i18n import t

TABLE = "explore-table"


def _explore(driver: WebDriver, dashboard, by: str) -> None:  # type: ignore[no-untyped-def]
    month = Period.containing(dashboard.first_day + timedelta(days=40), "month")
    driver.get(f"{dashboard.url}/explore?preset=custom&from={month.start}&to={month.last_day}&by={by}&kpi=received")
    WebDriverWait(driver, 30).until(lambda d: len(grid.rows(d, TABLE)) > 5)


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def _header(driver: WebDriver, grid_id: str, column: str):  # type: ignore[no-untyped-def]
    return driver.find_element(By.CSS_SELECTOR, f"#{grid_id} .ag-header-cell[col-id='{column}'] .ag-header-cell-label")


def test_a_column_sorts_as_numbers_and_filters_by_text(dashboard, browser):
    sign_in(browser, dashboard, "analyst")
    _explore(browser, dashboard, "unit")
    _header(browser, TABLE, "received").click()  # ascending
    sorted_as = "#{grid} .ag-header-cell[col-id='received'][aria-sort='{way}']"
    WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, sorted_as.format(grid=TABLE, way="ascending"))
    )
    values = [_number(row["received"]) for row in grid.rows(browser, TABLE)]
    assert len(values) > 5 and values == sorted(values)  # as numbers: "1.234" after "987"
    _header(browser, TABLE, "received").click()  # descending
    WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, sorted_as.format(grid=TABLE, way="descending"))
    )
    descending = [_number(row["received"]) for row in grid.rows(browser, TABLE)]
    assert descending == sorted(descending, reverse=True) and descending[0] >= values[-1]
    # The name column's filter under its header keeps the rows that contain the text typed.
    names = [row["name"] for row in grid.rows(browser, TABLE)]
    wanted = next(name for name in names if name.startswith("Phường"))
    field = browser.find_element(By.CSS_SELECTOR, f"#{TABLE} .ag-floating-filter[col-id='name'] input")
    field.send_keys(wanted)
    WebDriverWait(browser, 10).until(lambda d: [r["name"] for r in grid.rows(d, TABLE)] == [wanted])
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys("không có xã nào tên này")
    WebDriverWait(browser, 10).until(lambda d: grid.rows(d, TABLE) == [])
    WebDriverWait(browser, 10).until(lambda d: "Không có dòng nào khớp bộ lọc" in d.find_element(By.ID, TABLE).text)
    screenshot(browser, "grid-filtered")
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []


def test_the_header_stays_while_the_rows_scroll(dashboard, browser):
    sign_in(browser, dashboard, "analyst")
    _explore(browser, dashboard, "unit")
    measure = f"""
    const grid = document.getElementById('{TABLE}');
    const header = grid.querySelector('.ag-header').getBoundingClientRect();
    const body = grid.querySelector('.ag-body-viewport');
    const first = [...grid.querySelectorAll('.ag-center-cols-container .ag-row')]
        .filter(row => row.getBoundingClientRect().bottom > header.bottom)
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)[0];
    return {{top: header.top, height: header.height, scroll: body.scrollTop,
             room: body.scrollHeight - body.clientHeight, first: first.getAttribute('row-index'),
             page: window.scrollY}};"""
    browser.execute_script(f"document.getElementById('{TABLE}').scrollIntoView({{block: 'start'}});")
    before = browser.execute_script(measure)
    assert before["room"] > 200, before  # more rows than the grid's height: its body scrolls
    browser.execute_script(f"document.querySelector('#{TABLE} .ag-body-viewport').scrollTop = 400;")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(measure)["first"] != before["first"])
    after = browser.execute_script(measure)
    assert after["scroll"] >= 400 and after["page"] == before["page"]
    assert (after["top"], after["height"]) == (before["top"], before["height"])  # the header did not move
    assert grid.headers(browser, TABLE)[:2] == ["Mã", "Xã, phường"]
    screenshot(browser, "grid-scrolled")


def test_the_export_button_writes_the_rows_as_csv_with_formulas_quoted(dashboard, browser, downloads: Path):
    formula = {"TEST_PASSWORD": "csv-formula-password-1"}
    added = run_ioc("user", "add", "csv.formula", "--role", "analyst", "--password-env", "TEST_PASSWORD",
                    "--full-name", '=HYPERLINK("http://evil.example")', env=dashboard.env | formula)  # fmt: skip
    assert added.returncode == 0, added.stderr
    sign_in(browser, dashboard, "admin")
    browser.get(f"{dashboard.url}/admin/users")
    listed = lambda d: any(r.get("username") == "csv.formula" for r in grid.rows(d, "admin-users-table"))  # noqa: E731
    WebDriverWait(browser, 30).until(listed)
    before = set(downloads.iterdir())
    button = browser.find_element(By.XPATH, "//button[normalize-space()='Xuất CSV']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)  # not under the page's header
    button.click()
    done = lambda _: [p for p in set(downloads.iterdir()) - before if p.name == "ioc-admin-users-table.csv"]  # noqa: E731
    try:
        (path,) = WebDriverWait(browser, 30).until(done)
    except TimeoutException:
        listed = sorted(p.name for p in downloads.iterdir())
        probe = browser.execute_script(
            "return [typeof (window.dash_clientside || {}).ioc_grid, typeof window.dash_ag_grid,"
            " document.querySelectorAll('button').length, location.pathname];"
        )
        raise AssertionError(f"no CSV: {listed} {console_errors(browser)} {probe}") from None
    WebDriverWait(browser, 10).until(lambda _: path.stat().st_size > 0)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == grid.headers(browser, "admin-users-table")
    assert rows[0][0] == t("vi", "admin.users.column.username")
    written = next(row for row in rows if row[0] == "csv.formula")
    assert written[1] == '\'=HYPERLINK("http://evil.example")'  # a spreadsheet shows it as text, never runs it
    assert {row[0] for row in rows[1:]} >= {"csv.formula", dashboard.username("admin")}
    assert console_errors(browser) == []


def test_the_dossier_list_shows_names_and_status_labels(dashboard, browser):
    sign_in(browser, dashboard, "analyst")
    _explore(browser, dashboard, "agency")
    grid.cell(browser, TABLE, "received", index=0).click()
    WebDriverWait(browser, 20).until(lambda d: len(grid.rows(d, "explore-drill-table")) > 0)
    rows = grid.rows(browser, "explore-drill-table")
    labels = {t("vi", f"status.{code}") for code in range(1, 11)}
    for row in rows:
        assert row["agency_name"] and row["agency_name"] != row["agency_code"], row
        assert row["unit_name"] and row["unit_name"] != row["unit_code"], row
        assert row["procedure_name"] and row["procedure_name"] != row["procedure_code"], row
        assert row["status"] in labels, row
    assert "Trạng thái" in grid.headers(browser, "explore-drill-table")
    # The list pages on the server: the pager's second page is another 25 dossiers.
    pages = browser.find_elements(By.CSS_SELECTOR, "#explore-drill-page button")
    assert len(pages) > 3
    first = [row["source_key"] for row in rows]
    browser.find_element(By.XPATH, "//*[@id='explore-drill-page']//button[normalize-space()='2']").click()
    WebDriverWait(browser, 20).until(lambda d: [r["source_key"] for r in grid.rows(d, "explore-drill-table")] != first)
    screenshot(browser, "grid-drill")
    assert console_errors(browser) == []
