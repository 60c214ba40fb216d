"""``ioc api-token`` and ``ioc display-token``: make, list and revoke the two kinds of token."""

# No ``from __future__ import annotations``: the commands are made in a function, and typer must see their
# annotations evaluated there (they name the function's arguments).

from typing import Annotated

import typer

from ioc import tokens
from ioc.cli.common import FormatOption, OutputFormat, console, errors, print_rows
from ioc.config import Settings, load_settings, now_local
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor


def display_url(settings: Settings, token: str) -> str:
    """The address that opens the wall with ``token`` (query strings never reach IOC's access log)."""
    return f"{settings.public_url}/display?token={token}"


def token_app(kind: tokens.TokenKind, help_text: str, who: str, usage: str, denied: str) -> typer.Typer:
    """The create/list/revoke commands of one kind of token."""
    app = typer.Typer(help=help_text, no_args_is_help=True)

    @app.command()
    def create(name: Annotated[str, typer.Argument(help=who)]) -> None:
        """Create a token and print it once: IOC keeps only its hash."""
        settings = load_settings()
        with open_warehouse(settings) as engine:
            token = tokens.create_token(engine, kind, name, command_line_actor(), now_local())
        print(display_url(settings, token) if kind is tokens.DISPLAY else token)
        errors.print(f"Token {name!r} created. Store it now: it cannot be shown again. {usage}")

    @app.command("list")
    def list_(output: FormatOption = OutputFormat.table) -> None:
        """Every token: name, creation, last use, revocation (never the token itself)."""
        with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
            rows = tokens.list_all(connection, kind)
        print_rows(rows, output, help_text)

    @app.command()
    def revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
        """Revoke a token: it stops working at its next request."""
        with open_warehouse(load_settings()) as engine:
            tokens.revoke_token(engine, kind, name, command_line_actor(), now_local())
        console.print(f"Token {name!r} revoked: {denied}")

    return app


api_app = token_app(
    tokens.API,
    "Bearer tokens for the read-only HTTP API (/api/v1).",
    "Who the token is for, e.g. the open-data portal.",
    "Use: Authorization: Bearer <token>",
    "requests with it get 401.",
)
display_app = token_app(
    tokens.DISPLAY,
    "Display tokens: a URL that opens the wall on a wall-screen, read-only, without a password.",
    "The screen it is for, e.g. 'phong-hop-ubnd'.",
    "Open the URL on the wall-screen; it reaches the wall and nothing else.",
    "the screen showing it is signed out within a minute.",
)


@display_app.command()
def playlist(
    name: Annotated[str, typer.Argument(help="The display link's name.")],
    page: Annotated[
        list[str] | None,
        typer.Option("--page", help="PAGE=SECONDS, in order, e.g. --page /wall=60 --page /wall/rankings=90."),
    ] = None,
    period: Annotated[str | None, typer.Option(help="month, last_month, rolling_30, quarter or year.")] = None,
    compare: Annotated[str | None, typer.Option(help="working_days, weekday or year.")] = None,
) -> None:
    """Set the pages a display link's screen turns through (with --page), or print them (without)."""
    from ioc import playlists  # only this command needs it

    with open_warehouse(load_settings()) as engine:
        if page:
            saved = playlists.save_playlist(
                engine,
                name,
                [playlists.parse_entry(text) for text in page],
                period,
                compare,
                command_line_actor(),
                now_local(),
            )
        else:
            with transaction(engine) as connection:
                saved = playlists.playlist_named(connection, name)
    for entry in saved.entries:
        print(f"{saved.href(entry)}={entry.seconds}")
