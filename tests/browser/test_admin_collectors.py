"""An admin in headless Chromium sets up a collector, schedules it, runs it, watches it finish, reads its history and
quarantine, fixes its configuration, re-processes what it rejected and sees the records loaded — all in the browser."""

from __future__ import annotations

import re
import time
from datetime import date, datetime

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from browser import grid
from browser.conftest import console_errors, requests_leaving_loopback, screenshot, sign_in
from ioc.simulator import Simulator, SimulatorConfig, running_simulator
from layouts.formatting import number

#: A month long past (it never overlaps the other browser tests' data), 20 dossiers a day, none malformed.
SIMULATED = SimulatorConfig(start=date(2020, 1, 1), now=datetime(2020, 2, 1, 12), daily_volume=20, malformed_rate=0.0)
NAME = "browser-sim"
WRONG_OPTIONS = '{"page_size": 100, "field_map": {"MaDVHC": "MaDonVi"}}'
RIGHT_OPTIONS = '{"page_size": 100}'
#: Options a comma short, on their third line (the editor keeps the line breaks typed).
MISSING_COMMA = '{\n  "page_size": 100,\n  "field_map": {"MaDVHC": "MaDonVi"} "x": 1\n}'


#: Keeps what the run panel shows (the "starting" line and the panel, each when visible) after every change of either,
#: in ``window.__panels``; the request that starts a run waits half a second, and what is shown meanwhile is kept too.
WATCH_PANEL = """
window.__panels = [];
const shown = (id) => {
  const element = document.getElementById(id);
  return element && element.offsetParent !== null ? element.textContent : '';
};
const keep = () => window.__panels.push(shown('admin-collectors-launching') + shown('admin-collectors-progress'));
const observer = new MutationObserver(keep);
const watched = {childList: true, subtree: true, characterData: true, attributeFilter: ['style']};
observer.observe(document.getElementById('admin-collectors-progress'), watched);
observer.observe(document.getElementById('admin-collectors-launching'), {attributeFilter: ['style']});
const send = window.fetch;
window.fetch = function (...request) {
  const body = request[1] && request[1].body;
  if (typeof body === 'string' && body.includes('admin-collectors-run.n_clicks')) {
    return new Promise((wait) => setTimeout(wait, 500)).then(() => { keep(); return send.apply(this, request); });
  }
  return send.apply(this, request);
};
"""


def _run_ids(text: str) -> list[str]:
    """The run numbers (``#12``) a panel's text shows."""
    return re.findall(r"#(\d+)", text)


def _wait(driver: WebDriver, condition, timeout: float = 30):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, timeout).until(condition)


def _text(driver: WebDriver, element_id: str) -> str:
    """An element's text as written (``textContent``: not upper-cased by a style), or "" if it is not there."""
    found = driver.find_elements(By.ID, element_id)
    return (found[0].get_attribute("textContent") or "").strip() if found else ""


def _type(driver: WebDriver, element_id: str, text: str) -> None:
    """Replace an input's text as a person would (React sees every key)."""
    field = _wait(driver, lambda d: next((e for e in d.find_elements(By.ID, element_id) if e.is_displayed()), None))
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)


def _click_text(driver: WebDriver, text: str, within: str = "body") -> None:
    xpath = f"//{within}//*[self::button or self::label or self::a][normalize-space()='{text}']"
    _wait(driver, lambda d: next((e for e in d.find_elements(By.XPATH, xpath) if e.is_displayed()), None)).click()


def _rows(driver: WebDriver, table_id: str) -> list[dict[str, str]]:
    """A grid's rows as shown, by column id."""
    return grid.rows(driver, table_id)


def _row(driver: WebDriver, table_id: str, column: str, value: str) -> dict[str, str] | None:
    return next((row for row in _rows(driver, table_id) if row.get(column) == value), None)


def _choose_row(driver: WebDriver, table_id: str, column: str, value: str) -> None:
    xpath = f"//*[@id='{table_id}']//div[contains(@class, 'ag-cell')][@col-id='{column}'][normalize-space()='{value}']"
    for _ in range(10):
        try:
            _wait(driver, lambda d: d.find_elements(By.XPATH, xpath))[0].click()
            return
        except StaleElementReferenceException:  # the grid drew its rows again
            time.sleep(0.2)
    raise AssertionError(f"the grid {table_id} kept being redrawn")


def _open_collectors(driver: WebDriver, url: str) -> None:
    driver.get(f"{url}/admin/collectors")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#admin-collectors-table .ag-header-cell"))


def _fill_form(driver: WebDriver, name: str, url: str, schedule: str, options: str) -> None:
    _type(driver, "admin-collectors-form-name", name)
    _type(driver, "admin-collectors-form-url", url)
    _click_text(driver, "Theo cron", "*[@id='admin-collectors-form-schedule-type']")
    _type(driver, "admin-collectors-form-schedule", schedule)
    _type(driver, "admin-collectors-form-options", options)


def test_an_admin_runs_watches_and_fixes_a_collector_from_the_browser(dashboard, browser):
    total = Simulator(SIMULATED).truth(datetime(2000, 1, 1), datetime(2030, 1, 1)).total
    shown_total = number(total, "vi")
    with running_simulator(SIMULATED) as simulator:
        sign_in(browser, dashboard, "admin")
        _open_collectors(browser, dashboard.url)

        # Added with a field_map that sends the unit code to a field the source lacks, on a cron schedule.
        browser.find_element(By.ID, "admin-collectors-add").click()
        _fill_form(browser, NAME, f"{simulator}/api/hoso", "*/30 * * * *", WRONG_OPTIONS)
        browser.find_element(By.ID, "admin-collectors-form-save").click()
        _wait(browser, lambda d: _row(d, "admin-collectors-table", "name", NAME))
        assert _text(browser, "admin-collectors-message") == f"Đã lưu bộ thu thập {NAME}."
        row = _row(browser, "admin-collectors-table", "name", NAME)
        assert row is not None and row["schedule"] == "cron */30 * * * *" and row["last_run"] == "Chưa chạy"
        assert "bộ lập lịch chưa chạy" in row["next_run"], "no scheduler runs in this test: the page says so"

        # Run now, and watch the run to its end.
        _choose_row(browser, "admin-collectors-table", "name", NAME)
        _click_text(browser, "Chạy ngay")
        _wait(browser, lambda d: "Đã khởi động lượt chạy" in _text(d, "admin-collectors-message"))
        live = ("Đang khởi động lượt chạy…", "Đang chạy", "Thành công")
        _wait(browser, lambda d: any(state in _text(d, "admin-collectors-progress") for state in live))
        _wait(browser, lambda d: "Thành công" in _text(d, "admin-collectors-progress"), timeout=60)
        progress = _text(browser, "admin-collectors-progress")
        assert f"Đã xử lý {shown_total} / {shown_total} bản ghi" in progress
        screenshot(browser, "admin-collectors-run-finished")
        _wait(
            browser, lambda d: (_row(d, "admin-collectors-table", "name", NAME) or {}).get("quarantine") == shown_total
        )

        # The run in the history, in full.
        browser.get(f"{dashboard.url}/admin/runs?collector={NAME}")
        _wait(browser, lambda d: _row(d, "admin-runs-table", "collector", NAME))
        run = _row(browser, "admin-runs-table", "collector", NAME)
        assert run is not None and (run["status"], run["inserted"], run["rejected"]) == ("Thành công", "0", shown_total)
        _choose_row(browser, "admin-runs-table", "collector", NAME)
        _wait(browser, lambda d: "Con trỏ sau" in _text(d, "admin-runs-detail"))
        screenshot(browser, "admin-runs-detail")

        # Its rejected records, each with the reason and the raw record as text.
        browser.get(f"{dashboard.url}/admin/quarantine?collector={NAME}")
        _wait(browser, lambda d: _text(d, "admin-quarantine-summary") == f"{shown_total} bản ghi, mới nhất trước")
        reasons = {row["reason"] for row in _rows(browser, "admin-quarantine-table")}
        assert reasons == {"Thiếu MaDVHC"}  # the reason in the page's language
        grid.cells(browser, "admin-quarantine-table", "reason")[0].click()
        _wait(browser, lambda d: '"MaHoSo":' in _text(d, "admin-quarantine-raw"))
        assert _text(browser, "admin-quarantine-reason-text") == "Thiếu MaDVHC"
        detail = browser.find_element(By.ID, "admin-quarantine-detail")
        browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", detail)
        screenshot(browser, "admin-quarantine-record")

        # The field_map fixed in the edit form, then the quarantine re-processed: every record loads.
        _open_collectors(browser, dashboard.url)
        _choose_row(browser, "admin-collectors-table", "name", NAME)
        _click_text(browser, "Sửa")
        _wait(
            browser,
            lambda d: "MaDonVi" in d.find_element(By.ID, "admin-collectors-form-options").get_attribute("value"),
        )
        _type(browser, "admin-collectors-form-options", RIGHT_OPTIONS)
        browser.find_element(By.ID, "admin-collectors-form-save").click()
        _wait(browser, lambda d: _text(d, "admin-collectors-message") == f"Đã lưu bộ thu thập {NAME}.")

        browser.get(f"{dashboard.url}/admin/quarantine?collector={NAME}")
        _wait(browser, lambda d: _text(d, "admin-quarantine-summary") == f"{shown_total} bản ghi, mới nhất trước")
        browser.find_element(By.ID, "admin-quarantine-reprocess").click()
        _wait(browser, lambda d: f"nạp {shown_total} ({shown_total} thêm mới" in _text(d, "admin-quarantine-message"))
        _wait(browser, lambda d: _text(d, "admin-quarantine-summary") == "0 bản ghi, mới nhất trước")
        screenshot(browser, "admin-quarantine-reprocessed")

        _open_collectors(browser, dashboard.url)
        _wait(browser, lambda d: _row(d, "admin-collectors-table", "name", NAME))
        row = _row(browser, "admin-collectors-table", "name", NAME)
        assert row is not None and (row["dossiers"], row["quarantine"]) == (shown_total, "0")

        # Run again: from the click on, the panel shows the new run, or that it is starting, never the previous one.
        _choose_row(browser, "admin-collectors-table", "name", NAME)
        previous = _wait(browser, lambda d: _run_ids(_text(d, "admin-collectors-progress")))
        browser.execute_script(WATCH_PANEL)
        _click_text(browser, "Chạy ngay")
        _wait(browser, lambda d: _run_ids(_text(d, "admin-collectors-progress")) not in ([], previous))
        _wait(browser, lambda d: "Thành công" in _text(d, "admin-collectors-progress"), timeout=60)
        shown = browser.execute_script("return window.__panels")
        assert any("Đang khởi động lượt chạy…" in text for text in shown), shown
        assert not [text for text in shown if _run_ids(text) == previous], f"{previous} shown after the click: {shown}"

        # Removed again, with its dossiers, after a confirmation.
        _choose_row(browser, "admin-collectors-table", "name", NAME)
        _click_text(browser, "Xóa")
        _wait(browser, lambda d: f"đã nạp {shown_total} hồ sơ" in _text(d, "admin-collectors-remove-text"))
        browser.find_element(By.ID, "admin-collectors-remove-purge").click()
        browser.find_element(By.ID, "admin-collectors-remove-confirm").click()
        _wait(browser, lambda d: _text(d, "admin-collectors-message") == f"Đã xóa bộ thu thập {NAME}.")
        _wait(browser, lambda d: _row(d, "admin-collectors-table", "name", NAME) is None)  # the table follows
    browser.get(f"{dashboard.url}/admin/runs?lang=en")
    _wait(browser, lambda d: _text(d, "admin-runs-summary").endswith("runs, newest first"))
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []


def test_a_bad_cron_and_a_bad_variable_name_are_shown_and_nothing_is_saved(dashboard, browser):
    sign_in(browser, dashboard, "admin")
    _open_collectors(browser, dashboard.url)
    browser.find_element(By.ID, "admin-collectors-add").click()
    _fill_form(browser, "never-saved", "http://127.0.0.1:9/api/hoso", "61 * * * *", "{}")
    _choose_auth(browser, "Khóa API")
    _type(browser, "admin-collectors-form-secret-api_key", "hue key")
    browser.find_element(By.ID, "admin-collectors-form-save").click()
    _wait(browser, lambda d: "Biểu thức cron không hợp lệ" in _text(d, "admin-collectors-form-schedule-error"))
    assert "Nhập tên biến môi trường cho api_key" in _text(browser, "admin-collectors-form-secret-api_key-error")
    assert _text(browser, "admin-collectors-form-error") == "Chưa lưu: hãy sửa các ô được đánh dấu."
    assert _text(browser, "admin-collectors-form-url-error") == ""
    error = browser.find_element(By.ID, "admin-collectors-form-schedule-error")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", error)
    screenshot(browser, "admin-collectors-bad-cron")
    # Options that are not JSON say what is wrong and where as soon as the editor is left, before any Save.
    _type(browser, "admin-collectors-form-options", MISSING_COMMA)
    browser.find_element(By.ID, "admin-collectors-form-options").send_keys(Keys.TAB)
    said = "Tùy chọn không hợp lệ — JSON sai ở dòng 3, cột 38: thiếu dấu phẩy giữa hai mục"
    _wait(browser, lambda d: _text(d, "admin-collectors-form-options-error") == said)
    # JSON that is not one object says so, in Vietnamese.
    _type(browser, "admin-collectors-form-options", '["page_size", 100]')
    browser.find_element(By.ID, "admin-collectors-form-options").send_keys(Keys.TAB)
    _wait(browser, lambda d: "phải là một đối tượng JSON" in _text(d, "admin-collectors-form-options-error"))
    browser.find_element(By.ID, "admin-collectors-form-save").click()
    _wait(browser, lambda d: _text(d, "admin-collectors-form-error") == "Chưa lưu: hãy sửa các ô được đánh dấu.")
    assert "phải là một đối tượng JSON" in _text(browser, "admin-collectors-form-options-error")
    error = browser.find_element(By.ID, "admin-collectors-form-options-error")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", error)
    screenshot(browser, "admin-collectors-options-not-an-object")
    browser.find_element(By.ID, "admin-collectors-form-cancel").click()
    _open_collectors(browser, dashboard.url)
    assert _row(browser, "admin-collectors-table", "name", "never-saved") is None
    assert console_errors(browser) == []


def _choose_auth(driver: WebDriver, label: str) -> None:
    select = driver.find_element(By.ID, "admin-collectors-form-auth")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", select)  # the drawer may have scrolled
    select.click()
    option = _wait(
        driver, lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == label), None)
    )
    option.click()
