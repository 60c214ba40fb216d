"""Reading a dropped file's rows, bounded: CSV (UTF-8 with or without BOM, ``,`` or ``;``) and XLSX (values only).

Nothing here trusts the file: its size is capped before it is read, an XLSX's declared and actual inflated sizes are
capped before ``openpyxl`` opens it (a zip bomb is refused unread), formulas are never evaluated (the cached values
are read), external links are not loaded, rows and columns are capped, and a text cell is cut just past the cell cap
(so a row with a long cell can be rejected while memory stays bounded). A file that cannot be read at all raises
:class:`UnreadableFileError` with a one-line reason.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
#: Cells read from a row; a spreadsheet row may declare 16,384.
MAX_COLUMNS = 256
#: Entries an XLSX may hold (a workbook has a few dozen).
MAX_ZIP_ENTRIES = 2000
MEGABYTE = 1024 * 1024
#: Longest CSV field the parser accepts; a longer one makes the file unreadable, not the process slow.
CSV_FIELD_LIMIT = 1 << 20


class UnreadableFileError(Exception):
    """The file cannot be read at all; the message completes ``"<file> …"`` (e.g. ``"is not UTF-8 text …"``)."""


@dataclass(frozen=True)
class Limits:
    """What a file may be: bytes on disk, bytes inflated (XLSX), data rows and characters per cell."""

    max_bytes: int
    max_inflated_bytes: int
    max_rows: int
    max_cell_chars: int


def file_format(name: str) -> str | None:
    """``"csv"`` or ``"xlsx"`` by the name's suffix, else None."""
    return FORMATS.get(Path(name).suffix.lower())


def read_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refused when it is a symbolic link, not a regular file, or larger than ``max_bytes``."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        if path.is_symlink():
            raise UnreadableFileError("is a symbolic link: drop the file itself") from None
        raise UnreadableFileError(f"cannot be opened ({error.strerror})") from None
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableFileError("is not a regular file")
        if status.st_size > max_bytes:
            raise UnreadableFileError(f"is larger than {max_bytes / MEGABYTE:g} MB (option max_file_mb)")
        content = handle.read(max_bytes + 1)
    if len(content) > max_bytes:  # it grew while being read
        raise UnreadableFileError(f"is larger than {max_bytes / MEGABYTE:g} MB (option max_file_mb)")
    return content


def cell(value: Any, max_chars: int) -> str | int | float | None:
    """A cell as JSON can keep it: text cut just past ``max_chars``, integral floats as ints, dates as YYYY-MM-DD."""
    if value.__class__ is str:
        return value if len(value) <= max_chars else value[: max_chars + 1]
    if value is None or value.__class__ is int or value.__class__ is bool:
        return value
    if value.__class__ is float:
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = value if value.__class__ is str else str(value)
    return text[: max_chars + 1]


def _trimmed(cells: list[Any]) -> list[Any]:
    end = len(cells)
    while end and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    return cells[:end]


def csv_rows(content: bytes, limits: Limits) -> Iterator[list[Any]]:
    """The rows of a CSV file, the delimiter (``,`` or ``;``) taken from the header line."""
    if b"\x00" in content:
        raise UnreadableFileError("holds binary data, not CSV text")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFileError("is not UTF-8 text: save it as CSV UTF-8") from None
    header = text[: text.find("\n")] if "\n" in text else text
    delimiter = ";" if header.count(";") > header.count(",") else ","
    previous = csv.field_size_limit()
    csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        try:
            cap = limits.max_cell_chars
            for row in reader:  # every cell is text
                yield [value if len(value) <= cap else value[: cap + 1] for value in row[:MAX_COLUMNS]]
        except csv.Error as error:
            raise UnreadableFileError(f"is not valid CSV at line {reader.line_num}: {error}") from None
    finally:
        csv.field_size_limit(previous)


def check_zip(content: bytes, max_inflated: int) -> None:
    """Refuse an XLSX that is not a zip, has too many entries, or inflates past ``max_inflated`` (declared or
    actual: every entry is inflated once, counting, before anything parses it)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        raise UnreadableFileError("is not an XLSX workbook (not a zip archive): save it again as .xlsx") from None
    refused = f"inflates to more than {max_inflated / MEGABYTE:g} MB (option max_inflated_mb): a zip bomb, not loaded"
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise UnreadableFileError(f"holds more than {MAX_ZIP_ENTRIES} entries: not an XLSX workbook")
        if sum(entry.file_size for entry in entries) > max_inflated:
            raise UnreadableFileError(refused)
        inflated = 0
        try:
            for entry in entries:
                with archive.open(entry) as member:
                    while chunk := member.read(1 << 16):
                        inflated += len(chunk)
                        if inflated > max_inflated:
                            raise UnreadableFileError(refused)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
            raise UnreadableFileError(f"is a damaged XLSX workbook ({error})") from None


def xlsx_rows(content: bytes, limits: Limits, sheet: str | None) -> Iterator[list[Any]]:
    """The rows of an XLSX workbook's first sheet (or ``sheet``): cached values, never formulas, no external links."""
    check_zip(content, limits.max_inflated_bytes)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise UnreadableFileError(f"is not a readable XLSX workbook ({type(error).__name__})") from None
    try:
        if sheet is None:
            if not workbook.worksheets:
                raise UnreadableFileError("has no sheet")
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            names = ", ".join(repr(name[:40]) for name in workbook.sheetnames[:10])
            raise UnreadableFileError(f"has no sheet named {sheet[:40]!r} (it has {names}; option sheet)")
        try:
            for row in worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
                yield [cell(value, limits.max_cell_chars) for value in row]
        except UnreadableFileError:
            raise
        except Exception as error:
            raise UnreadableFileError(f"is not a readable XLSX workbook ({type(error).__name__})") from None
    finally:
        workbook.close()


def rows(content: bytes, file_format_: str, limits: Limits, sheet: str | None = None) -> Iterator[list[Any]]:
    """Every row of the file, trailing empty cells trimmed (an empty row is an empty list)."""
    source = csv_rows(content, limits) if file_format_ == "csv" else xlsx_rows(content, limits, sheet)
    for row in source:
        yield _trimmed(row)
