"""The Dash app around the pages: local assets only, the warehouse engine, the API, a health check, the header, and
the guard that checks every request (:mod:`layouts.security`)."""

from __future__ import annotations

import gc
from pathlib import Path

import dash
import dash_mantine_components as dmc
from dash import Input, Output, clientside_callback, dcc, html
from flask import jsonify
from flask_wtf.csrf import generate_csrf

from ioc.api.kpi import api_blueprint
from ioc.config import Settings, load_settings
from ioc.warehouse.aggregates import data_version
from ioc.warehouse.engine import make_engine
from ioc.warehouse.reference import require_province
from layouts import dash_requests, plotly_bundle, security, warehouse
from layouts.access import allowed, current_principal, path_need
from layouts.i18n import LANGUAGES, t

ASSETS = Path(__file__).parent / "assets"
NAVIGATION = (("/wall", "nav.wall"), ("/explore", "nav.explore"), ("/admin", "nav.admin"))


def create_app(settings: Settings | None = None) -> dash.Dash:
    """The dashboard for the warehouse ``settings`` name; every script and style is served by the app itself."""
    settings = settings or load_settings()
    engine = make_engine(settings.warehouse_url)
    with engine.connect() as connection:  # a warehouse of another province is refused, as ``ioc init`` refuses it
        require_province(connection, settings.province)
    warehouse.use(engine)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        assets_ignore=plotly_bundle.START_IGNORE,  # plotly_bundle puts the bundle and its start in pages itself
        assets_path_ignore=[plotly_bundle.FOLDER],
        serve_locally=True,
        title="IOC",
        update_title=None,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.config.include_assets_files = True
    from layouts import admin, explore, home, wall, wall_digital  # pages register themselves on an app using pages

    for page in (home, wall, wall_digital, explore, admin):
        page.register()
    app.layout = dmc.MantineProvider(dash.page_container, id="theme", theme={"primaryColor": "blue"})
    plotly_bundle.install(app)
    security.install(app, engine, settings)
    dash_requests.install(app)
    app.server.register_blueprint(api_blueprint(engine, settings.province))

    @app.server.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        with engine.connect() as connection:
            version, updated_at = data_version(connection)
        return jsonify(status="ok", data_version=version, updated_at=updated_at and updated_at.isoformat())

    wall.warm_up()
    gc.freeze()  # what start-up made lives as long as the worker: keep it out of every later collection's work
    return app


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
