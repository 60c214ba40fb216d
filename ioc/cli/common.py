"""What the command groups share: the console, output formats and table printing."""

from __future__ import annotations

import errno
import json
import re
import socket
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console

from ioc import formatting
from ioc.cli.tables import Column, fitted_tables
from ioc.errors import IOCError
from ioc.kpi.periods import parse_day as parse_iso_day

console = Console()
errors = Console(stderr=True)

#: A day as people in Vietnam write it: d/m/yyyy, in ASCII digits.
VIETNAMESE_DAY = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
DAY_FORMS = "dd/mm/yyyy (01/10/2026) or YYYY-MM-DD (2026-10-01)"


def parse_day(text: str) -> date:
    """The day ``text`` names as dd/mm/yyyy (as people in Vietnam write it) or YYYY-MM-DD; ValueError naming both
    forms for anything else. Every date option of the ``ioc`` command reads its value through this."""
    found = VIETNAMESE_DAY.match(text.strip())
    if found:
        day, month, year = (int(part) for part in found.groups())
        try:
            return date(year, month, day)
        except ValueError:  # 31/02/2026
            pass
    elif (iso := parse_iso_day(text.strip())) is not None:
        return iso
    raise ValueError(f"{text!r} is not a day: give {DAY_FORMS}")


def day_option(*names: str, help: str) -> Any:
    """A ``typer.Option`` for a day (see :func:`parse_day`)."""
    return typer.Option(*names, parser=_day, metavar="DD/MM/YYYY", help=f"{help} dd/mm/yyyy or YYYY-MM-DD.")


def _day(text: str | date) -> date:
    if isinstance(text, date):  # a default, already a day
        return text
    try:
        return parse_day(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts.")]


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def print_rows(rows: list[dict[str, Any]], output: OutputFormat, title: str) -> None:
    """Rows as tables that fit the terminal (numbers as ``1.234,5``, never cut) or, unformatted, a JSON list."""
    if output is OutputFormat.json:
        print_json(rows)
        return
    names = list(rows[0]) if rows else ["(none)"]
    numeric = {name: bool(rows) and all(_is_number(row[name]) for row in rows) for name in names}
    columns = [Column(name, numeric=numeric[name], key=index == 0) for index, name in enumerate(names)]  # the name
    print_tables(title, columns, [[display(value) for value in row.values()] for row in rows])


def print_tables(title: str, columns: list[Column], rows: list[list[str]]) -> None:
    """Formatted rows as one or more tables as wide as the terminal (``COLUMNS``, else its size, else 80)."""
    for table in fitted_tables(title, columns, rows, console.width):
        console.print(table)


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def number(value: float | None, decimals: int = 0) -> str:
    """A number in the command's one format for people, Vietnamese: ``1.234,5``; an en dash for none."""
    return formatting.number(value, "vi", decimals)


def table_number(value: float | None) -> str:
    """A count whole (``328.500``), any other number with two decimals (``66,67``)."""
    return number(value, 0 if value is None or float(value).is_integer() else 2)


def display(value: Any) -> str:
    """A value as people in Vietnam read it: dates dd/mm/yyyy, numbers 1.234,5, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M:%S}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return table_number(value)
    return str(value)


def require_free_port(host: str, port: int, option: str = "--port") -> None:
    """Fail with one line if nothing could listen on ``host:port`` (another program holds it, or a bad address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = "is in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
            raise IOCError(
                f"{option} {port}: port {port} on {host} {reason}; stop what holds it or choose another"
            ) from None
