"""``/wall/risk`` in headless Chromium as a wall-screen, and the explorer's at-risk grids as an analyst: the wall draws
its count, the agencies' panels with their dossiers' probabilities and the refused count, at both screen sizes, with
nothing from outside, no scrolling and no console error; the explorer's dossier grid (after choosing an agency) exports
an XLSX that holds exactly its rows, applicants masked."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import grid
from browser.conftest import console_errors, requests_leaving_loopback, screenshot, set_viewport, sign_in

DRAWN = """
return document.querySelector('#wall-risk-total') !== null
    && document.querySelector('#wall-risk-refused') !== null
    && (document.querySelectorAll('#wall-risk-agencies .risk-dossier').length > 0
        || document.querySelector('#wall-risk-none') !== null);
"""


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (3840, 2160)])
def test_the_risk_wall_shows_the_likely_late_dossiers_by_agency(dashboard, browser, width, height):
    sign_in(browser, dashboard, "display")
    set_viewport(browser, width, height)
    browser.get(f"{dashboard.url}/wall/risk")
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(DRAWN))
    screenshot(browser, f"wall-risk-{width}x{height}")

    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []
    scroll = browser.execute_script(
        "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight, innerWidth, innerHeight];"
    )
    assert scroll[0] <= scroll[2] and scroll[1] <= scroll[3], f"the page scrolls: {scroll}"
    total = browser.find_element(By.ID, "wall-risk-total").text
    assert re.fullmatch(r"[0-9.]+", total) and int(total.replace(".", "")) > 0, total  # the demo data has late ones
    panels = browser.find_elements(By.CSS_SELECTOR, "#wall-risk-agencies .risk-agency")
    assert 1 <= len(panels) <= 6
    counts = [int(p.find_element(By.CSS_SELECTOR, ".risk-agency-count").text.replace(".", "")) for p in panels]
    assert counts == sorted(counts, reverse=True) and sum(counts) <= int(total.replace(".", ""))
    for probability in browser.find_elements(By.CSS_SELECTOR, "#wall-risk-agencies .risk-probability"):
        assert re.fullmatch(r"([5-9][0-9]|100) %", probability.text), probability.text  # likely: 50 % or more
    for due in browser.find_elements(By.CSS_SELECTOR, "#wall-risk-agencies .risk-due"):
        assert re.fullmatch(r"hạn \d\d/\d\d/\d{4} \d\d:\d\d", due.text), due.text
    assert "hồ sơ chưa đủ lịch sử để dự báo" in browser.find_element(By.ID, "wall-risk-refused").text
    assert "Đến hạn từ" in browser.find_element(By.ID, "wall-risk-period").text
    assert "Cập nhật lúc" in browser.find_element(By.ID, "wall-risk-freshness").text
    assert "Nguyễn" not in browser.find_element(By.ID, "wall").text  # no applicant on the wall
    # Every listed figure is on screen inside its panel (nothing cut off at the bottom), and legible from 5 m.
    inside = browser.execute_script(
        """return [...document.querySelectorAll('#wall-risk-agencies .risk-dossier')].map(row => {
            const panel = row.closest('.risk-agency').getBoundingClientRect(), r = row.getBoundingClientRect();
            return r.bottom <= panel.bottom + 0.5 && r.right <= panel.right + 0.5; });"""
    )
    assert inside and all(inside), inside
    shown = browser.execute_script(
        "return document.querySelector('#wall-risk-agencies .risk-probability').getBoundingClientRect().height;"
    )
    assert shown >= 0.025 * height


XLSX_BUTTON = 'button[id*=\'"table":"risk"\'][id*=\'"format":"xlsx"\']'


def test_the_explorers_at_risk_grid_drills_by_agency_and_exports_what_it_lists(dashboard, browser, downloads: Path):
    sign_in(browser, dashboard, "analyst")
    set_viewport(browser, 1600, 1000)
    browser.get(f"{dashboard.url}/explore")
    WebDriverWait(browser, 60).until(lambda d: grid.rows(d, "explore-risk-agencies"))
    assert "Có khả năng trễ hạn" in grid.headers(browser, "explore-risk-agencies")
    shown = grid.rows(browser, "explore-risk-agencies")[0]  # the agency with most likely-late dossiers
    name, likely = shown["agency_name"], int(shown["likely"].replace(".", ""))

    def clicked(driver) -> bool:  # the grid may still be redrawing its rows: find the cell again until it takes a click
        try:
            first = grid.cell(driver, "explore-risk-agencies", "agency_name", index=0)
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", first)
            first.click()
        except (ElementNotInteractableException, StaleElementReferenceException):
            return False
        return True

    WebDriverWait(browser, 20, 0.3).until(clicked)
    title = browser.find_element(By.ID, "explore-risk-title")
    WebDriverWait(browser, 30).until(lambda d: title.text == f"Hồ sơ của {name}")
    WebDriverWait(browser, 30).until(
        lambda d: (
            len(grid.all_rows(d, "explore-risk-dossiers")) == likely
            and {r["agency_name"] for r in grid.all_rows(d, "explore-risk-dossiers")} == {name}
        )
    )
    listed = grid.all_rows(browser, "explore-risk-dossiers")
    probabilities = [row["probability"] for row in listed]
    assert probabilities == sorted(probabilities, reverse=True) and min(probabilities) >= 50
    assert all("*" in row["applicant_name"] for row in listed if row["applicant_name"])  # masked for an analyst
    headers = grid.headers(browser, "explore-risk-dossiers")
    screenshot(browser, "explore-risk")

    before = set(downloads.iterdir())
    browser.find_element(By.CSS_SELECTOR, XLSX_BUTTON).click()
    WebDriverWait(browser, 30).until(
        lambda _: [p for p in set(downloads.iterdir()) - before if p.suffix == ".xlsx" and p.stat().st_size > 0]
    )
    (path,) = [p for p in set(downloads.iterdir()) - before if p.suffix == ".xlsx"]
    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == headers
    fields = ["ma_ho_so", "probability", "due_at", "procedure_name", "agency_name", "unit_name", "applicant_name"]
    fields += ["received_at", "basis", "history"]
    exported = [dict(zip(fields, row, strict=True)) for row in rows[1:]]
    assert len(exported) == len(listed)

    def as_shown(value: object) -> object:
        if isinstance(value, datetime):
            return f"{value:%d/%m/%Y %H:%M}"
        return "" if value is None else value

    for on_screen, in_file in zip(listed, exported, strict=True):
        in_file["probability"] = round(float(in_file["probability"]) * 100, 1)  # a share shown as a percentage
        assert {k: as_shown(v) for k, v in in_file.items()} == {k: on_screen[k] for k in fields}
    assert console_errors(browser) == []
    assert requests_leaving_loopback(browser) == []
