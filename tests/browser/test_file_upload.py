"""An admin in headless Chromium uploads a report for a ``file-drop`` collector on its admin page, runs it, and the
values are in the warehouse; a file with a name that would leave the folder is refused on the server."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from sqlalchemy import create_engine, select

from browser.conftest import console_errors, requests_leaving_loopback, screenshot, sign_in
from browser.test_admin_collectors import _choose_row, _click_text, _open_collectors, _text, _wait
from helpers import run_ioc
from ioc.warehouse import schema

NAME = "browser-files"
REPORT = "indicator,unit,agency,period,value,numerator,denominator\nmeetings_held,19753,,2020-03,17,,\n"


def test_an_admin_uploads_a_report_and_runs_the_collector(dashboard, browser, tmp_path: Path):
    folder = tmp_path / "drop"
    added = run_ioc(
        "collector", "add", NAME, "--kind", "file-drop", "--option", f"path={folder}", "--option", "settle_seconds=0",
        env=dashboard.env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    report = tmp_path / "bao-cao-03.csv"
    report.write_text(REPORT)

    sign_in(browser, dashboard, "admin")
    _open_collectors(browser, dashboard.url)
    _choose_row(browser, "admin-collectors-table", "name", NAME)
    _wait(browser, lambda d: d.find_element(By.ID, "admin-upload-panel").is_displayed())
    browser.find_element(By.CSS_SELECTOR, "#admin-upload-file input[type=file]").send_keys(str(report))
    _wait(browser, lambda d: "Đã lưu bao-cao-03.csv" in _text(d, "admin-upload-message"))
    assert (folder / "bao-cao-03.csv").read_text() == REPORT
    screenshot(browser, "admin-file-upload-saved")

    again = tmp_path / "again" / "bao-cao-03.csv"  # another file of the same name, before the run
    again.parent.mkdir()
    again.write_text(REPORT.replace(",17,", ",18,"))
    browser.find_element(By.CSS_SELECTOR, "#admin-upload-file input[type=file]").send_keys(str(again))
    _wait(browser, lambda d: "bao-cao-03.csv is waiting in the folder already" in _text(d, "admin-upload-message"))

    _click_text(browser, "Chạy ngay")
    _wait(browser, lambda d: "Thành công" in _text(d, "admin-collectors-progress"), timeout=60)
    assert (folder / "processed" / "bao-cao-03.csv").exists()
    engine = create_engine(f"sqlite:///{Path(dashboard.env['IOC_DATA_DIR']) / 'ioc.db'}")
    value = schema.IndicatorValue.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(value.c.value_key, value.c.value).where(value.c.period_start >= "2020-03-01"))
        assert ("meetings_held|19753||2020-03", 17.0) in list(rows)
    engine.dispose()
    run_ioc("collector", "remove", NAME, env=dashboard.env)
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []
