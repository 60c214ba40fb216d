"""``/admin/subscribers``: the people IOC e-mails (người nhận thư) — the list, adding or changing one, removing one,
sending today's brief now, and today's brief to download (``/brief/YYYY-MM-DD.pdf`` or ``.html``, for analysts and
admins). Every change goes through :mod:`ioc.subscribers` and :mod:`ioc.brief.send`, audited with the admin and the
address the request came from; each callback checks the admin role itself too."""

from __future__ import annotations

import re
from datetime import date

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, no_update
from flask import Flask, Response, abort

from ioc import subscribers
from ioc.config import now_local
from ioc.errors import IOCError
from layouts import grid, warehouse
from layouts.access import current_ip, current_principal, current_username
from layouts.chrome import frame
from layouts.i18n import error_text, language, t
from layouts.page_title import page_title

PATH = "/admin/subscribers"
TITLE_KEY = "admin.subscribers.title"
COLUMNS = ("email", "name", "brief", "alerts", "active")
#: The download route: ``/brief/2026-12-02.pdf`` or ``.html``.
DOWNLOAD = "/brief/<string:name>"
DOWNLOAD_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.(pdf|html)")

Feedback = tuple[str, str, bool]


def _listed() -> list[subscribers.Subscriber]:
    with warehouse.engine().connect() as connection:
        return subscribers.list_subscribers(connection)


def _rows(listed: list[subscribers.Subscriber], lang: str) -> list[dict]:
    yes, no = t(lang, "admin.subscribers.yes"), t(lang, "admin.subscribers.no")
    return [
        {
            "email": s.email,
            "name": s.name or "",
            "brief": yes if s.brief else no,
            "alerts": yes if s.alerts else no,
            "active": yes if s.active else no,
        }
        for s in listed
    ]


def _choices(listed: list[subscribers.Subscriber]) -> list[dict]:
    return [{"value": s.email, "label": " — ".join(filter(None, (s.email, s.name)))} for s in listed]


def _form(lang: str, listed: list[subscribers.Subscriber]) -> dmc.Paper:
    return dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.subscribers.save_title"), order=4),
                dmc.Select(
                    id="admin-subscribers-pick",
                    label=t(lang, "admin.subscribers.pick"),
                    data=_choices(listed),
                    searchable=True,
                    clearable=True,
                    nothingFoundMessage=t(lang, "select.nothing_found"),
                ),
                dmc.TextInput(
                    id="admin-subscribers-email", label=t(lang, "admin.subscribers.email"), autoComplete="off"
                ),
                dmc.TextInput(id="admin-subscribers-name", label=t(lang, "admin.subscribers.name")),
                dmc.Group(
                    [
                        dmc.Checkbox(
                            id="admin-subscribers-brief", label=t(lang, "admin.subscribers.brief"), checked=True
                        ),
                        dmc.Checkbox(
                            id="admin-subscribers-alerts", label=t(lang, "admin.subscribers.alerts"), checked=True
                        ),
                        dmc.Checkbox(
                            id="admin-subscribers-active", label=t(lang, "admin.subscribers.active"), checked=True
                        ),
                    ]
                ),
                dmc.Group(
                    [
                        dmc.Button(t(lang, "admin.subscribers.save"), id="admin-subscribers-save"),
                        dmc.Button(
                            t(lang, "admin.subscribers.remove"),
                            id="admin-subscribers-remove",
                            color="red",
                            variant="light",
                        ),
                    ]
                ),
                dmc.Alert(id="admin-subscribers-message", hide=True),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )


def _brief_panel(lang: str, today: date) -> dmc.Paper:
    day = today.isoformat()
    return dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.subscribers.brief_title"), order=4),
                dmc.Text(t(lang, "admin.subscribers.brief_intro"), c="dimmed", size="sm"),
                dmc.Group(
                    [
                        dmc.Anchor(
                            t(lang, "admin.subscribers.download_pdf"), href=f"/brief/{day}.pdf", target="_blank"
                        ),
                        dmc.Anchor(
                            t(lang, "admin.subscribers.download_html"), href=f"/brief/{day}.html", target="_blank"
                        ),
                    ]
                ),
                dmc.Group(dmc.Button(t(lang, "admin.subscribers.send"), id="admin-subscribers-send", variant="light")),
                dmc.Alert(id="admin-subscribers-sent", hide=True),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    listed = _listed()
    table = grid.table(
        "admin-subscribers-table", lang, grid.columns(COLUMNS, "admin.subscribers.column.{}", lang), _rows(listed, lang)
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, TITLE_KEY), order=2),
            dmc.Text(t(lang, "admin.subscribers.intro"), c="dimmed"),
            dmc.Paper(table, withBorder=True, p="sm"),
            dmc.SimpleGrid([_form(lang, listed), _brief_panel(lang, now_local().date())], cols={"base": 1, "md": 2}),
            dcc.Store(id="admin-subscribers-lang", data=lang),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


def _is_admin() -> bool:
    principal = current_principal()
    return principal is not None and principal.role == "admin"


@callback(
    Output("admin-subscribers-email", "value"),
    Output("admin-subscribers-name", "value"),
    Output("admin-subscribers-brief", "checked"),
    Output("admin-subscribers-alerts", "checked"),
    Output("admin-subscribers-active", "checked"),
    Input("admin-subscribers-pick", "value"),
    prevent_initial_call=True,
)
def pick(email):  # type: ignore[no-untyped-def]
    """The chosen subscriber's details in the form, to change them."""
    found = next((s for s in _listed() if s.email == email), None) if _is_admin() else None
    if found is None:
        return no_update, no_update, no_update, no_update, no_update
    return found.email, found.name or "", found.brief, found.alerts, found.active


def _changed(text: str, lang: str) -> tuple:
    listed = _listed()
    return text, "green", False, _rows(listed, lang), _choices(listed)


def _refused(text: str) -> tuple:
    return text, "red", False, no_update, no_update


MESSAGE = (
    Output("admin-subscribers-message", "children", allow_duplicate=True),
    Output("admin-subscribers-message", "color", allow_duplicate=True),
    Output("admin-subscribers-message", "hide", allow_duplicate=True),
    Output("admin-subscribers-table", "rowData", allow_duplicate=True),
    Output("admin-subscribers-pick", "data", allow_duplicate=True),
)


@callback(
    *MESSAGE,
    Input("admin-subscribers-save", "n_clicks"),
    State("admin-subscribers-email", "value"),
    State("admin-subscribers-name", "value"),
    State("admin-subscribers-brief", "checked"),
    State("admin-subscribers-alerts", "checked"),
    State("admin-subscribers-active", "checked"),
    State("admin-subscribers-lang", "data"),
    prevent_initial_call=True,
)
def save(_clicks, email, name, brief, alerts, active, lang):  # type: ignore[no-untyped-def]
    """Add the subscriber in the form, or change the one with its address."""
    lang = language(lang)
    if not _is_admin():
        return _refused(t(lang, "admin.subscribers.admins_only"))
    try:
        saved = subscribers.save_subscriber(
            warehouse.engine(),
            email or "",
            current_username(),
            now_local(),
            name=name,
            brief=bool(brief),
            alerts=bool(alerts),
            active=bool(active),
            source_ip=current_ip(),
        )
    except IOCError as error:
        return _refused(error_text(error, lang))
    return _changed(t(lang, "admin.subscribers.saved", email=saved.email), lang)


@callback(
    *MESSAGE,
    Input("admin-subscribers-remove", "n_clicks"),
    State("admin-subscribers-email", "value"),
    State("admin-subscribers-lang", "data"),
    prevent_initial_call=True,
)
def remove(_clicks, email, lang):  # type: ignore[no-untyped-def]
    """Remove the subscriber whose address is in the form."""
    lang = language(lang)
    if not _is_admin():
        return _refused(t(lang, "admin.subscribers.admins_only"))
    try:
        address = subscribers.normalised_email(email or "")
        subscribers.remove_subscriber(warehouse.engine(), address, current_username(), now_local(), current_ip())
    except IOCError as error:
        return _refused(error_text(error, lang))
    return _changed(t(lang, "admin.subscribers.removed", email=address), lang)


@callback(
    Output("admin-subscribers-sent", "children"),
    Output("admin-subscribers-sent", "color"),
    Output("admin-subscribers-sent", "hide"),
    Input("admin-subscribers-send", "n_clicks"),
    State("admin-subscribers-lang", "data"),
    prevent_initial_call=True,
)
def send_now(_clicks, lang):  # type: ignore[no-untyped-def]
    """Send today's brief now to the brief subscribers not yet sent it today."""
    from ioc.brief.send import send_brief
    from ioc.mail import load_smtp_settings

    lang = language(lang)
    if not _is_admin():
        return t(lang, "admin.subscribers.admins_only"), "red", False
    now = now_local()
    try:
        done = send_brief(
            warehouse.engine(), now.date(), load_smtp_settings(), current_username(), now, manual=True,
            source_ip=current_ip(),
        )  # fmt: skip
    except IOCError as error:
        return error_text(error, lang), "red", False
    text = t(lang, "admin.subscribers.sent_done", sent=len(done.sent), failed=len(done.failed),
             skipped=len(done.skipped))  # fmt: skip
    return text, "orange" if done.failed else "green", False


def brief_file(name: str) -> Response:
    """``/brief/YYYY-MM-DD.pdf`` or ``.html``: that day's brief (the guard lets only analysts and admins here)."""
    from ioc.brief.figures import gather
    from ioc.brief.html import render_html
    from ioc.brief.pdf import render_pdf

    matched = DOWNLOAD_NAME.fullmatch(name)
    if matched is None:
        abort(404)
    try:
        day = date.fromisoformat(matched.group(1))
    except ValueError:
        abort(404)
    with warehouse.engine().connect() as connection:
        found = gather(connection, day, now_local())
    if matched.group(2) == "pdf":
        response = Response(render_pdf(found), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="ban-tin-dieu-hanh-{day.isoformat()}.pdf"'
    else:
        response = Response(render_html(found), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def install(server: Flask) -> None:
    """Serve the brief's downloads (``layouts.access`` gives ``/brief/`` to analysts and up)."""
    server.add_url_rule(DOWNLOAD, "brief_file", brief_file)


def register() -> None:
    dash.register_page(
        __name__, path=PATH, layout=layout, title=page_title("admin-subscribers"), name="admin-subscribers"
    )
