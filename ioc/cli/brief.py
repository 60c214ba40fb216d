"""``ioc brief``: the daily brief of a day, written to a file (PDF or HTML) or sent now to the brief subscribers."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ioc.cli.common import console, day_option, errors
from ioc.config import load_settings, now_local
from ioc.errors import IOCError
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor
from ioc.warehouse.reference import require_province


class BriefFormat(StrEnum):
    pdf = "pdf"
    html = "html"
    text = "text"


Day = Annotated[date, day_option("--date", help="The brief's day:")]


def _write(path: Path, content: bytes) -> None:
    """Write ``content`` whole or not at all (a temporary file beside it, renamed)."""
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
            handle.write(content)
        Path(handle.name).replace(path)
    except OSError as error:
        raise IOCError(f"-o {path}: cannot write it ({error.strerror or error})") from None


def brief(
    day: Day,
    output_format: Annotated[BriefFormat, typer.Option("--format", help="pdf (print), html (e-mail) or text.")] = (
        BriefFormat.pdf
    ),
    output: Annotated[Path | None, typer.Option("-o", "--output", help="The file to write.")] = None,
    send_now: Annotated[
        bool, typer.Option("--send", help="Send it now to the brief subscribers (once each per day) by SMTP.")
    ] = False,
) -> None:
    """The daily brief of --date: write it with -o FILE, or --send it to the brief subscribers."""
    if output is None and not send_now:
        raise IOCError("give -o FILE to write the brief, or --send to e-mail it to the brief subscribers")
    from ioc.brief.figures import gather
    from ioc.brief.html import render_html, render_text
    from ioc.brief.pdf import render_pdf

    settings = load_settings()
    now = now_local()
    with open_warehouse(settings) as engine:
        if output is not None:
            with transaction(engine) as connection:
                require_province(connection, settings.province)
                found = gather(connection, day, now)
            render = {"pdf": render_pdf, "html": render_html, "text": render_text}[output_format.value]
            content = render(found)
            _write(output, content if isinstance(content, bytes) else content.encode("utf-8"))
            console.print(f"Brief of {day:%d/%m/%Y} written to {output} ({output_format.value}).")
        if send_now:
            _send(engine, day, now)


def _send(engine, day: date, now: datetime) -> None:  # type: ignore[no-untyped-def]
    from ioc.brief.send import send_brief
    from ioc.mail import load_smtp_settings

    done = send_brief(engine, day, load_smtp_settings(), command_line_actor(), now, manual=True)
    console.print(
        f"Brief of {day:%d/%m/%Y}: sent to {len(done.sent)}, failed for {len(done.failed)}, "
        f"{len(done.skipped)} already sent or left alone."
    )
    for address, error in done.failed.items():
        errors.print(f"ioc: {address}: {error}", markup=False, highlight=False)
    if done.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(brief)
