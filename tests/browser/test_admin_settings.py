"""The admin pages in headless Chromium, signed in as an admin: a user added in the form is listed, a target changed
in the form shows in the table, a boundary file uploaded is previewed, and the audit log shows each action under the
admin's name; no console error, nothing requested off loopback."""

from __future__ import annotations

from pathlib import Path

import geopandas
import shapely
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from browser import grid
from browser.conftest import Dashboard, console_errors, map_drawn, requests_leaving_loopback, screenshot, sign_in
from ioc.warehouse import schema
from ioc.warehouse.engine import make_engine

#: The browser tests' admin account (``sign_in(…, "admin")``), whose name the audit log records.
ADMIN = Dashboard.username("admin")
PASSWORD = "một mật khẩu đủ dài"
#: The address the browser's requests come from, as the dashboard sees it.
ADMIN_ADDRESS = "127.0.0.1"


def _open(driver: WebDriver, url: str, ready: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ready))


def _type(driver: WebDriver, element_id: str, text: str) -> None:
    field = driver.find_element(By.ID, element_id)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    field.send_keys(text)


def _choose(driver: WebDriver, select_id: str, label: str) -> None:
    driver.find_element(By.ID, select_id).click()
    option = WebDriverWait(driver, 10).until(
        lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text == label), None)
    )
    option.click()


def _table(driver: WebDriver, table_id: str) -> list[list[str]]:
    """A grid's cells as shown, read in one step (Dash redraws grids, so element handles go stale)."""
    return grid.table(driver, table_id)


def _audited(dashboard: Dashboard, action: str, target: str) -> str | None:
    """The address the newest audit entry of ``action`` on ``target`` records."""
    engine = make_engine(f"sqlite:///{dashboard.env['IOC_DATA_DIR']}/ioc.db")
    try:
        with engine.connect() as connection:
            log = schema.AuditLog.__table__
            query = select(log.c.source_ip).where(log.c.action == action, log.c.target == target)
            return connection.execute(query.order_by(log.c.id.desc()).limit(1)).scalar_one_or_none()
    finally:
        engine.dispose()


def _clean(driver: WebDriver) -> None:
    assert console_errors(driver) == []
    assert requests_leaving_loopback(driver) == []


def add_user(driver: WebDriver, url: str, username: str, full_name: str) -> list[str]:
    """Add an analyst in the form; the table row that lists them."""
    _open(driver, f"{url}/admin/users", "#admin-users-table .ag-body .ag-cell")
    _type(driver, "admin-users-new-name", username)
    _type(driver, "admin-users-new-full-name", full_name)
    _choose(driver, "admin-users-new-role", "Chuyên viên")
    _type(driver, "admin-users-new-password", PASSWORD)
    _type(driver, "admin-users-new-password-again", PASSWORD)
    driver.find_element(By.ID, "admin-users-add").click()
    done = f"Đã thêm người dùng {username}."
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "admin-users-add-message").text == done)
    (row,) = [row for row in _table(driver, "admin-users-table") if row[0] == username]
    return row


def set_target(driver: WebDriver, url: str, kpi_name: str, values: tuple[str, str, str]) -> list[str]:
    """Pick a KPI by its row, type its target and bands, save; the table row once it shows the new target."""
    _open(driver, f"{url}/admin/targets", "#admin-targets-table .ag-body .ag-cell")
    grid.click(driver, "admin-targets-table", "name", kpi_name)
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "admin-targets-target").get_attribute("value"))
    for band, value in zip(("target", "green_from", "amber_from"), values, strict=True):
        _type(driver, f"admin-targets-{band}", value)
    driver.find_element(By.ID, "admin-targets-save").click()
    return WebDriverWait(driver, 20).until(
        lambda d: next(
            (r for r in _table(d, "admin-targets-table") if r[0] == kpi_name and r[2:5] == list(values)), None
        )
    )


def test_a_user_added_in_the_browser_is_listed(dashboard, browser):
    sign_in(browser, dashboard, "admin")
    row = add_user(browser, dashboard.url, "tran.binh", "Trần Văn Bình")
    assert row[1:4] == ["Trần Văn Bình", "Chuyên viên", "Đang hoạt động"]
    # The chosen role, chosen again, stays chosen (a single-choice dropdown never empties itself).
    _choose(browser, "admin-users-new-role", "Chuyên viên")
    shown = lambda d: [o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.is_displayed()]  # noqa: E731
    WebDriverWait(browser, 5, ignored_exceptions=(StaleElementReferenceException,)).until_not(shown)  # it closed
    assert browser.find_element(By.ID, "admin-users-new-role").get_attribute("value") == "Chuyên viên"
    assert _audited(dashboard, "user.add", "tran.binh") == ADMIN_ADDRESS
    for field in ("admin-users-new-password", "admin-users-new-password-again"):
        assert browser.find_element(By.ID, field).get_attribute("value") == ""  # never kept, never echoed
    screenshot(browser, "admin-users")
    _clean(browser)


def test_a_target_changed_in_the_browser_shows_in_the_table(dashboard, browser):
    sign_in(browser, dashboard, "admin")
    row = set_target(browser, dashboard.url, "Tỷ lệ thanh toán trực tuyến (%)", ("75", "75", "55"))
    assert row[5] == "Đặt cho toàn tỉnh" and row[6].startswith(f"{ADMIN} · ")
    bad = ("60", "50", "55")  # higher is better: green from below amber from is refused
    for band, value in zip(("target", "green_from", "amber_from"), bad, strict=True):
        _type(browser, f"admin-targets-{band}", value)
    browser.find_element(By.ID, "admin-targets-save").click()
    WebDriverWait(browser, 20).until(
        lambda d: "càng cao càng tốt" in d.find_element(By.ID, "admin-targets-message").text  # in the page's language
    )
    assert any(r[2:5] == ["75", "75", "55"] for r in _table(browser, "admin-targets-table"))  # unchanged
    screenshot(browser, "admin-targets")
    _clean(browser)


def test_an_uploaded_boundary_file_is_imported_and_previewed(dashboard, browser, tmp_path: Path):
    path = tmp_path / "tinh.geojson"
    geopandas.GeoDataFrame({"ma_tinh": ["46"]}, geometry=[shapely.box(107.0, 16.0, 108.0, 16.8)], crs=4326).to_file(
        path
    )
    sign_in(browser, dashboard, "admin")
    _open(browser, f"{dashboard.url}/admin/boundaries", "#admin-boundaries-state p")
    browser.find_element(By.CSS_SELECTOR, "#admin-boundaries-upload input[type=file]").send_keys(str(path))
    # The fields are read by a process of their own; the page follows it until they are known.
    file_line = lambda d: d.find_element(By.ID, "admin-boundaries-file").text  # noqa: E731
    WebDriverWait(browser, 60).until(lambda d: file_line(d) == "Tệp tinh.geojson: 1 trường")
    assert browser.find_element(By.ID, "admin-boundaries-code-field").get_attribute("value") == "ma_tinh"
    browser.find_element(By.XPATH, "//*[@id='admin-boundaries-level']//label[normalize-space()='Tỉnh']").click()
    browser.find_element(By.ID, "admin-boundaries-import").click()
    message = lambda d: d.find_element(By.ID, "admin-boundaries-message").text  # noqa: E731
    said = WebDriverWait(browser, 20).until(lambda d: message(d) if message(d).startswith("Đang nhập") else None)
    assert said == "Đang nhập ranh giới trong một tiến trình riêng…"
    WebDriverWait(browser, 60).until(lambda d: "Đã nhập" in message(d))
    assert browser.find_element(By.ID, "admin-boundaries-progress").text == ""  # the progress line is gone
    assert browser.find_element(By.ID, "admin-boundaries-report").text.startswith("1 đơn vị khớp, từ 1 đối tượng")
    assert (
        "Tỉnh: 1/1 đơn vị có ranh giới (tệp tinh.geojson" in browser.find_element(By.ID, "admin-boundaries-state").text
    )
    WebDriverWait(browser, 30).until(lambda d: map_drawn(d, "admin-boundaries-map"))
    assert _audited(dashboard, "boundaries.import", "province") == ADMIN_ADDRESS  # from the page, through its process
    screenshot(browser, "admin-boundaries")
    _clean(browser)


def test_the_audit_log_shows_the_admins_actions_under_their_name(dashboard, browser):
    sign_in(browser, dashboard, "admin")
    add_user(browser, dashboard.url, "le.hoa", "Lê Thị Hoa")
    set_target(browser, dashboard.url, "Tỷ lệ số hóa hồ sơ (%)", ("88", "88", "66"))
    _open(browser, f"{dashboard.url}/admin/audit", "#admin-audit-table .ag-body .ag-cell")
    rows = _table(browser, "admin-audit-table")
    assert rows[0][1:4] == [ADMIN, "kpi_target.set", "digitisation_rate/province/"]  # newest first
    assert rows[0][5] == '{"amber_from": 66.0, "green_from": 88.0, "target": 88.0}'
    assert [ADMIN, "user.add", "le.hoa"] in [row[1:4] for row in rows]
    _type(browser, "admin-audit-target", "le.hoa")
    WebDriverWait(browser, 20).until(lambda d: len(_table(d, "admin-audit-table")) == 1)
    assert _table(browser, "admin-audit-table")[0][1:4] == [ADMIN, "user.add", "le.hoa"]
    assert browser.find_element(By.ID, "admin-audit-total").text == "1 mục"
    screenshot(browser, "admin-audit")
    _clean(browser)
