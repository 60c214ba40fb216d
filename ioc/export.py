"""Rows as files other programs read: CSV and Excel.

A CSV file starts with a UTF-8 byte order mark, without which Excel on Windows reads UTF-8 as the local code page
and Vietnamese as mojibake. An Excel sheet has real cells: dates and times with the Vietnamese formats, whole numbers
(counts) with thousands separators, rates as percentages with two decimals (a rate of 66.67 is stored as 0.6667 with
the format ``0.00%``, so Excel computes with it as a share and shows 66.67 %).

Both neutralise formula injection: a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or
one of their full-width or small forms (``＝``, ``﹦``, …, which spreadsheets in East Asian locales may read as the
ASCII ones), could run as a formula in a spreadsheet. CSV prefixes it with ``'`` (OWASP's advice); XLSX stores it as a
plain string cell.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl is imported when a workbook is made: the ``ioc`` command starts faster without it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00%"
#: What Excel needs to read a CSV file as UTF-8.
BOM = "\ufeff"
#: Column widths in characters: dates and times get room for their format; text up to the widest.
DATE_WIDTH, DATETIME_WIDTH, MIN_WIDTH, MAX_WIDTH = 12, 17, 8, 60
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralised(value: Any) -> Any:
    """A text that a spreadsheet would take for a formula, prefixed with ``'``; anything else unchanged. The first
    character is compared in its compatibility form (NFKC), so ``＝`` (U+FF1D) and ``﹦`` (U+FE66) count as ``=``."""
    if isinstance(value, str) and unicodedata.normalize("NFKC", value[:1]).startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as RFC 4180 CSV with a header: plain numbers (a dot for decimals), empty for null; nothing for no rows.
    Texts that would start a formula are prefixed with ``'``."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writerow({name: neutralised(name) for name in writer.fieldnames})
    writer.writerows({key: neutralised(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    """:func:`csv_text` as a file Excel opens: UTF-8 after a byte order mark."""
    return (BOM + csv_text(rows)).encode("utf-8")


def _sheet_title(name: str) -> str:
    """A name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return _SHEET_FORBIDDEN.sub("_", name)[:31] or "Sheet"


def _cell(sheet: WriteOnlyWorksheet, value: Any, percent: bool = False) -> WriteOnlyCell:
    """A cell of the value's own type: dates with the Vietnamese formats, whole numbers with thousands separators,
    other numbers as numbers (``percent``: a rate in percent, stored as a share shown as a percentage), None empty,
    the rest as plain text (never a formula)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, float) and not math.isfinite(value):
        value = None
    if percent and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value / 100)
        cell.number_format = PERCENT_FORMAT
        return cell
    if isinstance(value, int) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = COUNT_FORMAT
        return cell
    if value is None or isinstance(value, bool | float | Decimal):
        return WriteOnlyCell(sheet, value)
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
        return cell
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"  # a leading "=" would otherwise make it a formula
    return cell


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return DATETIME_WIDTH
    if isinstance(value, date):
        return DATE_WIDTH
    return len(str(value)) if value is not None else 0


def xlsx_bytes(
    rows: Sequence[dict[str, Any]],
    sheet: str = "IOC",
    headers: dict[str, str] | None = None,
    percent: Collection[str] = (),
) -> bytes:
    """Rows as an Excel workbook of one sheet: a bold, frozen header row (``headers`` gives a column's label, else its
    key), dates and times as Excel dates shown ``dd/mm/yyyy (hh:mm)``, whole numbers shown ``#,##0``, the columns in
    ``percent`` (rates in percent) as percentages ``0.00%``, other numbers as numbers, None as empty cells. Columns
    are the first row's keys (without rows: ``headers``' keys)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    labels = headers or {}
    columns = list(rows[0]) if rows else list(labels)
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_sheet_title(sheet))
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        widest = max([len(str(labels.get(column, column))), *(_width(row.get(column)) for row in rows)])
        worksheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
    header = [_cell(worksheet, labels.get(column, column)) for column in columns]
    for cell in header:
        cell.font = Font(bold=True)
    worksheet.append(header)
    for row in rows:
        worksheet.append([_cell(worksheet, row.get(column), column in percent) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
