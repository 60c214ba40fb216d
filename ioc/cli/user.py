"""``ioc user``: the people who sign in to the dashboard, and their roles."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ioc.auth import ROLES, change_active, change_password, create_user, list_users
from ioc.cli.common import FormatOption, OutputFormat, console, print_rows
from ioc.config import load_settings, now_local
from ioc.errors import IOCError
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor

app = typer.Typer(help="Dashboard users and their roles (leader < analyst < admin).", no_args_is_help=True)

PasswordEnv = Annotated[
    str | None,
    typer.Option(
        "--password-env",
        metavar="VAR",
        help="Read the password from this environment variable (for scripts); otherwise it is asked for, twice.",
    ),
]


def _password(env_name: str | None) -> str:
    """The new password, never from the command line itself (it would show in the process list and the history)."""
    if env_name is None:
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    value = os.environ.get(env_name)
    if not value:
        raise IOCError(f"--password-env {env_name}: that environment variable is not set")
    return value


@app.command()
def add(
    username: Annotated[str, typer.Argument(help="Lower-case login name, e.g. nguyen.van.an.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")],
    full_name: Annotated[str, typer.Option(help="The person's name, as shown in the audit log.")] = "",
    password_env: PasswordEnv = None,
) -> None:
    """Add a user (the first admin comes from here: IOC has no default account)."""
    password = _password(password_env)
    with open_warehouse(load_settings()) as engine:
        create_user(engine, username, role, password, command_line_actor(), now_local(), full_name)
    console.print(f"User {username!r} added as {role}.")


@app.command("list")
def list_(output: FormatOption = OutputFormat.table) -> None:
    """Every user: name, role, active, created, last sign-in (never a password or its hash)."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        rows = list_users(connection)
    print_rows(rows, output, "Users")


@app.command()
def disable(username: str) -> None:
    """Stop a user from signing in (the account and its history stay)."""
    with open_warehouse(load_settings()) as engine:
        change_active(engine, username, False, command_line_actor(), now_local())
    console.print(f"User {username!r} disabled.")


@app.command()
def enable(username: str) -> None:
    """Let a disabled user sign in again."""
    with open_warehouse(load_settings()) as engine:
        change_active(engine, username, True, command_line_actor(), now_local())
    console.print(f"User {username!r} enabled.")


@app.command()
def passwd(username: str, password_env: PasswordEnv = None) -> None:
    """Set a user's password."""
    password = _password(password_env)
    with open_warehouse(load_settings()) as engine:
        change_password(engine, username, password, command_line_actor(), now_local())
    console.print(f"Password of {username!r} changed.")
