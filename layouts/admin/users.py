"""``/admin/users``: the people who sign in (người dùng) — the list, adding one, disabling or enabling one, resetting a
password. Every change goes through :mod:`ioc.auth`, which applies the command line's rules and writes the audit log in
the same transaction."""

from __future__ import annotations

from collections.abc import Callable

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, no_update
from sqlalchemy import Engine

from ioc.auth import MIN_PASSWORD, ROLES, change_active, change_password, create_user, list_users
from ioc.config import now_local
from ioc.errors import IOCError
from layouts import grid, warehouse
from layouts.access import current_ip, current_username
from layouts.chrome import frame
from layouts.formatting import moment
from layouts.i18n import error_text, language, t
from layouts.page_title import page_title

PATH = "/admin/users"
TITLE_KEY = "admin.users.title"
COLUMNS = ("username", "full_name", "role", "active", "created_at", "last_login_at")

#: What a form shows after an action: the text, the alert's colour and whether it is hidden.
Feedback = tuple[str, str, bool]


def _users() -> list[dict]:
    with warehouse.engine().connect() as connection:
        return list_users(connection)


def _table_rows(users: list[dict], lang: str) -> list[dict]:
    """Users as the table shows them: names as plain text, never the password hash (``list_users`` has none)."""
    return [
        {
            "username": user["username"],
            "full_name": user["full_name"] or "",
            "role": t(lang, f"admin.users.role.{user['role']}"),
            "active": t(lang, "admin.users.active.yes" if user["active"] else "admin.users.active.no"),
            "created_at": moment(user["created_at"]),
            "last_login_at": moment(user["last_login_at"]),
        }
        for user in users
    ]


def _choices(users: list[dict]) -> list[dict]:
    return [
        {"value": user["username"], "label": " — ".join(filter(None, (user["username"], user["full_name"])))}
        for user in users
    ]


def _password_pair(prefix: str, lang: str) -> list[dmc.PasswordInput]:
    return [
        dmc.PasswordInput(
            id=f"{prefix}-password",
            label=t(lang, "admin.users.password"),
            description=t(lang, "admin.users.password_rule", characters=MIN_PASSWORD),
            autoComplete="new-password",
        ),
        dmc.PasswordInput(
            id=f"{prefix}-password-again", label=t(lang, "admin.users.password_again"), autoComplete="new-password"
        ),
    ]


def _add_form(lang: str) -> dmc.Paper:
    roles = [{"value": role, "label": t(lang, f"admin.users.role.{role}")} for role in ROLES]
    return dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.users.add_title"), order=4),
                dmc.TextInput(
                    id="admin-users-new-name",
                    label=t(lang, "admin.users.username"),
                    description=t(lang, "admin.users.username_rule"),
                    autoComplete="off",
                ),
                dmc.TextInput(id="admin-users-new-full-name", label=t(lang, "admin.users.full_name")),
                dmc.Select(
                    id="admin-users-new-role",
                    label=t(lang, "admin.users.role"),
                    data=roles,
                    value=ROLES[0],
                    allowDeselect=False,
                ),
                *_password_pair("admin-users-new", lang),
                dmc.Alert(id="admin-users-add-message", hide=True),
                dmc.Group(dmc.Button(t(lang, "admin.users.add"), id="admin-users-add")),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )


def _manage_form(lang: str, users: list[dict]) -> dmc.Paper:
    return dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.users.manage_title"), order=4),
                dmc.Select(
                    id="admin-users-pick",
                    label=t(lang, "admin.users.pick"),
                    data=_choices(users),
                    searchable=True,
                    nothingFoundMessage=t(lang, "select.nothing_found"),
                    clearable=True,
                ),
                dmc.Group(
                    [
                        dmc.Button(t(lang, "admin.users.disable"), id="admin-users-disable", color="red"),
                        dmc.Button(t(lang, "admin.users.enable"), id="admin-users-enable", variant="light"),
                    ]
                ),
                *_password_pair("admin-users-reset", lang),
                dmc.Group(dmc.Button(t(lang, "admin.users.reset"), id="admin-users-reset", variant="light")),
                dmc.Alert(id="admin-users-manage-message", hide=True),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    users = _users()
    table = grid.table(
        "admin-users-table", lang, grid.columns(COLUMNS, "admin.users.column.{}", lang), _table_rows(users, lang)
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, TITLE_KEY), order=2),
            dmc.Paper(table, withBorder=True, p="sm"),
            dmc.SimpleGrid([_add_form(lang), _manage_form(lang, users)], cols={"base": 1, "md": 2}),
            dcc.Store(id="admin-users-lang", data=lang),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


def _apply(action: Callable[[Engine], object], lang: str) -> str | None:
    """``action``, a core function that commits its change; the error a person can act on (nothing saved), or None
    once it committed."""
    try:
        action(warehouse.engine())
    except IOCError as error:
        return error_text(error, lang)
    return None


def _feedback(error: str | None, done: str = "") -> Feedback:
    """An alert saying what went wrong (red), else what was done (green)."""
    return (error, "red", False) if error else (done, "green", False)


@callback(
    Output("admin-users-add-message", "children"),
    Output("admin-users-add-message", "color"),
    Output("admin-users-add-message", "hide"),
    Output("admin-users-new-password", "value"),
    Output("admin-users-new-password-again", "value"),
    Output("admin-users-new-name", "value"),
    Output("admin-users-new-full-name", "value"),
    Output("admin-users-table", "rowData", allow_duplicate=True),
    Output("admin-users-pick", "data", allow_duplicate=True),
    Input("admin-users-add", "n_clicks"),
    State("admin-users-new-name", "value"),
    State("admin-users-new-full-name", "value"),
    State("admin-users-new-role", "value"),
    State("admin-users-new-password", "value"),
    State("admin-users-new-password-again", "value"),
    State("admin-users-lang", "data"),
    prevent_initial_call=True,
)
def add(_clicks, username, full_name, role, password, again, lang):  # type: ignore[no-untyped-def]
    """Add a user as ``ioc user add`` does; the password fields are emptied whatever happened."""
    lang = language(lang)
    username = (username or "").strip()
    if (password or "") != (again or ""):
        error: str | None = t(lang, "admin.users.passwords_differ")
    else:
        actor = current_username()
        error = _apply(
            lambda e: create_user(
                e, username, role or "", password or "", actor, now_local(), full_name or "", source_ip=current_ip()
            ),
            lang,
        )
    message = _feedback(error, t(lang, "admin.users.added", name=username))
    if error:
        return (*message, "", "", no_update, no_update, no_update, no_update)
    users = _users()
    return (*message, "", "", "", "", _table_rows(users, lang), _choices(users))


def _set_active(username: str | None, active: bool, lang: str) -> tuple:
    """Enable or disable ``username``: the alert, then the table and the choice of users as they now are."""
    lang = language(lang)
    if not username:
        return (*_feedback(t(lang, "admin.users.pick_first")), no_update, no_update)
    actor = current_username()
    if not active and username == actor:  # an admin locking themselves out would need the command line to return
        return (*_feedback(t(lang, "admin.users.not_yourself")), no_update, no_update)
    error = _apply(lambda e: change_active(e, username, active, actor, now_local(), source_ip=current_ip()), lang)
    done = t(lang, "admin.users.enabled" if active else "admin.users.disabled", name=username)
    users = _users()
    return (*_feedback(error, done), _table_rows(users, lang), _choices(users))


_ACTIVE_OUTPUTS = (
    Output("admin-users-manage-message", "children", allow_duplicate=True),
    Output("admin-users-manage-message", "color", allow_duplicate=True),
    Output("admin-users-manage-message", "hide", allow_duplicate=True),
    Output("admin-users-table", "rowData", allow_duplicate=True),
    Output("admin-users-pick", "data", allow_duplicate=True),
)


@callback(
    *_ACTIVE_OUTPUTS,
    Input("admin-users-disable", "n_clicks"),
    State("admin-users-pick", "value"),
    State("admin-users-lang", "data"),
    prevent_initial_call=True,
)
def disable(_clicks, username, lang):  # type: ignore[no-untyped-def]
    """Stop a user from signing in; an admin cannot lock themselves out."""
    return _set_active(username, False, lang)


@callback(
    *_ACTIVE_OUTPUTS,
    Input("admin-users-enable", "n_clicks"),
    State("admin-users-pick", "value"),
    State("admin-users-lang", "data"),
    prevent_initial_call=True,
)
def enable(_clicks, username, lang):  # type: ignore[no-untyped-def]
    """Let a disabled user sign in again."""
    return _set_active(username, True, lang)


@callback(
    Output("admin-users-manage-message", "children", allow_duplicate=True),
    Output("admin-users-manage-message", "color", allow_duplicate=True),
    Output("admin-users-manage-message", "hide", allow_duplicate=True),
    Output("admin-users-reset-password", "value"),
    Output("admin-users-reset-password-again", "value"),
    Input("admin-users-reset", "n_clicks"),
    State("admin-users-pick", "value"),
    State("admin-users-reset-password", "value"),
    State("admin-users-reset-password-again", "value"),
    State("admin-users-lang", "data"),
    prevent_initial_call=True,
)
def reset_password(_clicks, username, password, again, lang):  # type: ignore[no-untyped-def]
    """Set a user's password (typed twice); the fields are emptied whatever happened."""
    lang = language(lang)
    if not username:
        error: str | None = t(lang, "admin.users.pick_first")
    elif (password or "") != (again or ""):
        error = t(lang, "admin.users.passwords_differ")
    else:
        actor = current_username()
        error = _apply(
            lambda e: change_password(e, username, password or "", actor, now_local(), source_ip=current_ip()), lang
        )
    return (*_feedback(error, t(lang, "admin.users.password_set", name=username)), "", "")


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("admin-users"), name="admin-users")
