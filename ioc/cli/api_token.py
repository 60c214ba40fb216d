"""``ioc api-token``: bearer tokens for the read-only HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from ioc.api.tokens import create_token, list_tokens, revoke_token
from ioc.cli.common import FormatOption, OutputFormat, console, errors, print_rows
from ioc.config import load_settings, now_local
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor

app = typer.Typer(help="Bearer tokens for the read-only HTTP API (/api/v1).", no_args_is_help=True)


@app.command()
def create(name: Annotated[str, typer.Argument(help="Who the token is for, e.g. the open-data portal.")]) -> None:
    """Create a token and print it once: IOC keeps only its hash."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        token = create_token(connection, name, command_line_actor(), now_local())
    print(token)
    errors.print(f"Token {name!r} created. Store it now: it cannot be shown again. Use: Authorization: Bearer <token>")


@app.command("list")
def list_(output: FormatOption = OutputFormat.table) -> None:
    """Every token: name, creation, last use, revocation (never the token itself)."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        rows = list_tokens(connection)
    print_rows(rows, output, "API tokens")


@app.command()
def revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: requests with it get 401 from now on."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        revoke_token(connection, name, command_line_actor(), now_local())
    console.print(f"Token {name!r} revoked.")
