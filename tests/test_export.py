"""CSV and XLSX exports: values and types survive a round trip, and no text becomes a formula."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest

from ioc.export import COUNT_FORMAT, PERCENT_FORMAT, csv_bytes, csv_text, xlsx_bytes

ROWS = [
    {
        "source_key": "H46.19753-250303-0001",
        "received_at": datetime(2025, 3, 3, 8, 5),
        "day": date(2025, 3, 3),
        "count": 7,
        "rate": 66.67,
        "applicant_name": "N***** V** A*",
        "finished_at": None,
    },
    {
        "source_key": "H46-2",
        "received_at": datetime(2025, 12, 31, 23, 59),
        "day": date(2025, 12, 31),
        "count": 0,
        "rate": None,
        "applicant_name": "Trần Thị Bích",
        "finished_at": datetime(2026, 1, 2, 9, 30),
    },
]
INJECTIONS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", '=HYPERLINK("http://x","y")', "\t=1"]


def load(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_round_trip_keeps_values_types_and_header() -> None:
    headers = {"source_key": "Mã hồ sơ", "received_at": "Ngày tiếp nhận"}
    sheet = load(xlsx_bytes(ROWS, sheet="Hồ sơ", headers=headers))
    assert sheet.title == "Hồ sơ"
    assert sheet.freeze_panes == "A2"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values == [
        ["Mã hồ sơ", "Ngày tiếp nhận", "day", "count", "rate", "applicant_name", "finished_at"],
        ["H46.19753-250303-0001", datetime(2025, 3, 3, 8, 5), datetime(2025, 3, 3), 7, 66.67, "N***** V** A*", None],
        [
            "H46-2",
            datetime(2025, 12, 31, 23, 59),
            datetime(2025, 12, 31),
            0,
            None,
            "Trần Thị Bích",
            datetime(2026, 1, 2, 9, 30),
        ],
    ]
    header, first, second = sheet.iter_rows()
    assert all(cell.font.bold for cell in header) and not any(cell.font.bold for cell in first)
    assert [cell.data_type for cell in first] == ["s", "d", "d", "n", "n", "s", "n"]
    assert first[1].number_format == "dd/mm/yyyy hh:mm" and first[2].number_format == "dd/mm/yyyy"
    assert first[3].number_format == "#,##0"  # a whole number is a count: thousands separated
    assert second[6].number_format == "dd/mm/yyyy hh:mm" and first[6].value is None
    assert isinstance(first[3].value, int) and isinstance(first[4].value, float)


def test_xlsx_writes_formula_like_text_as_text() -> None:
    rows = [{"text": text, "n": -5} for text in INJECTIONS]
    sheet = load(xlsx_bytes(rows, headers={"text": "=cmd|' /C calc'!A0"}))
    cells = list(sheet.iter_rows(min_row=1))
    assert [row[0].value for row in cells] == ["=cmd|' /C calc'!A0", *INJECTIONS]
    assert {row[0].data_type for row in cells} == {"s"}  # never "f"
    assert [row[1].value for row in cells[1:]] == [-5] * len(INJECTIONS)  # negative numbers stay numbers


def test_xlsx_without_rows_has_the_header_only() -> None:
    sheet = load(xlsx_bytes([], headers={"a": "A", "b": "B"}))
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [["A", "B"]]
    assert load(xlsx_bytes([], sheet="a/b:c*d[1]?")).title == "a_b_c_d_1__"


def test_xlsx_drops_control_characters_and_odd_floats() -> None:
    sheet = load(xlsx_bytes([{"text": "a\x00b\x07c", "x": float("nan"), "y": {"k": 1}}]))
    assert list(next(sheet.iter_rows(min_row=2, values_only=True))) == ["abc", None, "{'k': 1}"]


def test_csv_neutralises_formula_injection() -> None:
    rows = [{"text": text, "n": -5, "rate": None} for text in INJECTIONS]
    parsed = list(csv.reader(io.StringIO(csv_text(rows))))
    assert parsed == [["text", "n", "rate"], *([f"'{text}", "-5", ""] for text in INJECTIONS)]


def test_csv_keeps_ordinary_values() -> None:
    text = csv_text([{"month": "2025-03", "received": 8, "online_rate": 12.5, "on_time_rate": None, "unit": "46"}])
    assert text == "month,received,online_rate,on_time_rate,unit\r\n2025-03,8,12.5,,46\r\n"
    assert csv_text([]) == ""


def test_csv_bytes_start_with_a_utf8_bom_and_keep_vietnamese() -> None:
    rows = [{"Đơn vị": "Phường Phú Xuân", "Tiếp nhận": 1234, "text": "=1+1"}]
    data = csv_bytes(rows)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel on Windows reads UTF-8 only after a BOM
    assert data[3:] == csv_text(rows).encode("utf-8")  # the same CSV, formulas still neutralised
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["Đơn vị", "Tiếp nhận", "text"],
        ["Phường Phú Xuân", "1234", "'=1+1"],
    ]
    assert csv_bytes([]) == b"\xef\xbb\xbf"


def test_xlsx_counts_have_thousands_separators_and_rates_are_percentages_with_two_decimals() -> None:
    rows = [
        {"unit": "19768", "received": 12345, "on_time_rate": 66.67, "online_rate": None},
        {"unit": "19769", "received": 0, "on_time_rate": 100.0, "online_rate": 12.5},
    ]
    sheet = load(xlsx_bytes(rows, percent=("on_time_rate", "online_rate")))
    _, first, second = sheet.iter_rows()
    assert (COUNT_FORMAT, PERCENT_FORMAT) == ("#,##0", "0.00%")
    assert first[0].value == "19768" and first[0].data_type == "s"  # a code stays text
    assert first[1].value == 12345 and first[1].data_type == "n" and first[1].number_format == COUNT_FORMAT
    assert first[2].value == pytest.approx(0.6667) and first[2].number_format == PERCENT_FORMAT  # shows 66.67%
    assert first[3].value is None
    assert second[2].value == pytest.approx(1.0) and second[3].value == pytest.approx(0.125)
    assert second[3].number_format == PERCENT_FORMAT
