"""The frame of the signed-in pages (the header with the navigation, the language switch and sign-out), shared by the
pages; the shell (:mod:`layouts.shell`) composes the app around them and no page imports it."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import Input, Output, clientside_callback, dcc, html
from flask_wtf.csrf import generate_csrf

from layouts.access import allowed, current_principal, path_need
from layouts.i18n import LANGUAGES, t

NAVIGATION = (("/wall", "nav.wall"), ("/explore", "nav.explore"), ("/admin", "nav.admin"))


def frame(lang: str, active: str, children: list) -> dmc.AppShell:
    """The signed-in pages: a header with the title, the pages this user may open, the language switch and sign-out,
    then the page."""
    principal = current_principal()
    links = [
        dmc.Anchor(t(lang, key), href=f"{path}?lang={lang}", underline="never", fw=700 if path == active else 400)
        for path, key in NAVIGATION
        if allowed(principal, path_need(path))
    ]
    if principal is not None and principal.role is not None:
        links.append(_sign_out(lang, principal.name))
    header = dmc.Group(
        [
            dmc.Group(
                [
                    dmc.Title(t(lang, "app.short_title"), order=3),
                    dmc.Text(t(lang, "app.title"), c="dimmed", visibleFrom="md"),
                ]
            ),
            dmc.Group(
                [
                    *links,
                    dmc.SegmentedControl(
                        id="language",
                        data=[{"value": code, "label": code.upper()} for code in LANGUAGES],
                        value=lang,
                        size="xs",
                    ),
                ]
            ),
        ],
        justify="space-between",
        h="100%",
        px="md",
        wrap="nowrap",
    )
    return dmc.AppShell(
        [dmc.AppShellHeader(header), dmc.AppShellMain(children), dcc.Location(id="shell-url", refresh=True)],
        header={"height": 56},
        padding="md",
    )


def _sign_out(lang: str, username: str) -> html.Form:
    """The user's name and a sign-out button: a form POST carrying the session's CSRF token."""
    return html.Form(
        [
            dmc.Text(username, size="sm", c="dimmed"),
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="shell-csrf"),
            html.Button(t(lang, "nav.sign_out"), type="submit", className="shell-sign-out"),
        ],
        method="POST",
        action="/logout",
        className="shell-sign-out-form",
    )


# The language switch reloads the page with ?lang= set, keeping the rest of the view's URL.
clientside_callback(
    """
    function(lang) {
        const url = new URL(window.location.href);
        if ((url.searchParams.get("lang") || "vi") === lang) { return window.dash_clientside.no_update; }
        url.searchParams.set("lang", lang);
        return url.search;
    }
    """,
    Output("shell-url", "search"),
    Input("language", "value"),
    prevent_initial_call=True,
)
