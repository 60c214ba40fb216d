"""``/admin/displays``: the wall-screens' display tokens (màn hình hiển thị) — the list with when each screen was last
seen, a new token whose link is shown once, and revoking one. Through :mod:`ioc.tokens`, audited with the admin."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, no_update
from flask import request

from ioc import tokens
from ioc.config import now_local
from ioc.errors import IOCError
from layouts import grid, warehouse
from layouts.access import current_ip, current_username
from layouts.admin.playlists import panel
from layouts.chrome import frame
from layouts.formatting import moment
from layouts.i18n import error_text, language, t
from layouts.page_title import page_title

PATH = "/admin/displays"
TITLE_KEY = "admin.displays.title"
COLUMNS = ("name", "created_at", "created_by", "last_used_at", "revoked_at")


def _tokens() -> list[dict]:
    with warehouse.engine().connect() as connection:
        return tokens.list_all(connection, tokens.DISPLAY)


def _rows(listed: list[dict]) -> list[dict]:
    return [
        {column: moment(row[column]) if column.endswith("_at") else row[column] for column in COLUMNS} for row in listed
    ]


def _active(listed: list[dict]) -> list[str]:
    return [row["name"] for row in listed if row["revoked_at"] is None]


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    listed = _tokens()
    table = grid.table(
        "admin-displays-table", lang, grid.columns(COLUMNS, "admin.displays.column.{}", lang), _rows(listed)
    )
    create = dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.displays.create_title"), order=4),
                dmc.TextInput(id="admin-displays-name", label=t(lang, "admin.displays.name")),
                dmc.Group(dmc.Button(t(lang, "admin.displays.create"), id="admin-displays-create")),
                dmc.Alert(id="admin-displays-created", hide=True),
                dmc.Code(id="admin-displays-link", block=True, children=""),
                dcc.Clipboard(id="admin-displays-copy", target_id="admin-displays-link"),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )
    revoke = dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.displays.revoke_title"), order=4),
                dmc.Select(
                    id="admin-displays-pick",
                    label=t(lang, "admin.displays.pick"),
                    data=_active(listed),
                    clearable=True,
                ),
                dmc.Group(dmc.Button(t(lang, "admin.displays.revoke"), id="admin-displays-revoke", color="red")),
                dmc.Alert(id="admin-displays-revoked", hide=True),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, TITLE_KEY), order=2),
            dmc.Text(t(lang, "admin.displays.intro"), c="dimmed"),
            dmc.Paper(table, withBorder=True, p="sm"),
            dmc.SimpleGrid([create, revoke], cols={"base": 1, "md": 2}),
            panel(lang, _active(listed)),
            dcc.Store(id="admin-displays-lang", data=lang),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


@callback(
    Output("admin-displays-created", "children"),
    Output("admin-displays-created", "color"),
    Output("admin-displays-created", "hide"),
    Output("admin-displays-link", "children"),
    Output("admin-displays-table", "rowData", allow_duplicate=True),
    Output("admin-displays-pick", "data", allow_duplicate=True),
    Input("admin-displays-create", "n_clicks"),
    State("admin-displays-name", "value"),
    State("admin-displays-lang", "data"),
    prevent_initial_call=True,
)
def create(_clicks, name, lang):  # type: ignore[no-untyped-def]
    """A new token; its link is shown here once (IOC keeps only its hash)."""
    lang = language(lang)
    try:
        token = tokens.create_token(
            warehouse.engine(), tokens.DISPLAY, name or "", current_username(), now_local(), source_ip=current_ip()
        )
    except IOCError as error:
        return error_text(error, lang), "red", False, "", no_update, no_update
    link = f"{request.host_url.rstrip('/')}/display?token={token}"
    listed = _tokens()
    return t(lang, "admin.displays.created", name=name), "green", False, link, _rows(listed), _active(listed)


@callback(
    Output("admin-displays-revoked", "children"),
    Output("admin-displays-revoked", "color"),
    Output("admin-displays-revoked", "hide"),
    Output("admin-displays-table", "rowData", allow_duplicate=True),
    Output("admin-displays-pick", "data", allow_duplicate=True),
    Input("admin-displays-revoke", "n_clicks"),
    State("admin-displays-pick", "value"),
    State("admin-displays-lang", "data"),
    prevent_initial_call=True,
)
def revoke(_clicks, name, lang):  # type: ignore[no-untyped-def]
    """Revoke a token: the screen showing it is signed out at its next refresh."""
    lang = language(lang)
    if not name:
        return t(lang, "admin.displays.pick_first"), "red", False, no_update, no_update
    try:
        tokens.revoke_token(
            warehouse.engine(), tokens.DISPLAY, name, current_username(), now_local(), source_ip=current_ip()
        )
    except IOCError as error:
        return error_text(error, lang), "red", False, no_update, no_update
    listed = _tokens()
    return t(lang, "admin.displays.revoked_done", name=name), "green", False, _rows(listed), _active(listed)


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("admin-displays"), name="admin-displays")
