"""``ioc subscriber``: the people IOC e-mails (the daily brief, alerts), as admins manage them. Audited."""

from __future__ import annotations

from typing import Annotated

import typer

from ioc.cli.common import FormatOption, OutputFormat, console, print_rows
from ioc.config import load_settings, now_local
from ioc.subscribers import list_subscribers, remove_subscriber, save_subscriber
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor

app = typer.Typer(help="The people IOC e-mails: the daily brief, alerts, or both.", no_args_is_help=True)


@app.command()
def add(
    email: Annotated[str, typer.Argument(help="The e-mail address.")],
    name: Annotated[str | None, typer.Option("--name", help="The person's name.")] = None,
    brief: Annotated[bool, typer.Option("--brief/--no-brief", help="Receives the daily brief.")] = True,
    alerts: Annotated[bool, typer.Option("--alerts/--no-alerts", help="Receives alerts.")] = True,
    active: Annotated[bool, typer.Option("--active/--inactive", help="Receives anything at all.")] = True,
) -> None:
    """Add a subscriber, or change the one with this address."""
    with open_warehouse(load_settings()) as engine:
        saved = save_subscriber(
            engine, email, command_line_actor(), now_local(), name=name, brief=brief, alerts=alerts, active=active
        )
    what = [purpose for purpose, wanted in (("brief", saved.brief), ("alerts", saved.alerts)) if wanted]
    console.print(f"Subscriber {saved.email} saved ({', '.join(what) or 'nothing'}).", markup=False)


@app.command("list")
def list_(output: FormatOption = OutputFormat.table) -> None:
    """Every subscriber: address, name, what they receive."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        rows = [
            {"email": s.email, "name": s.name, "brief": s.brief, "alerts": s.alerts, "active": s.active}
            for s in list_subscribers(connection)
        ]
    print_rows(rows, output, "Subscribers")


@app.command()
def remove(email: Annotated[str, typer.Argument(help="The e-mail address.")]) -> None:
    """Remove a subscriber."""
    with open_warehouse(load_settings()) as engine:
        remove_subscriber(engine, email, command_line_actor(), now_local())
    console.print(f"Subscriber {email.strip().lower()} removed.", markup=False)
