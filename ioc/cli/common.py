"""What the command groups share: the console, output formats and table printing."""

from __future__ import annotations

import errno
import json
import socket
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ioc.errors import IOCError

console = Console()
errors = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts.")]


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def print_rows(rows: list[dict[str, Any]], output: OutputFormat, title: str) -> None:
    """Rows as a rich table or a JSON list."""
    if output is OutputFormat.json:
        print_json(rows)
        return
    table = Table(title=title)
    for column in rows[0] if rows else ["(none)"]:
        table.add_column(column)
    for row in rows:
        table.add_row(*[display(value) for value in row.values()])
    console.print(table)


def display(value: Any) -> str:
    """A value as people in Vietnam read it: dates dd/mm/yyyy, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M:%S}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
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
