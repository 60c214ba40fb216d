"""The Dash app around the pages: local assets only, the warehouse engine, the API, a health check, and the guard that
checks every request (:mod:`layouts.security`). It only composes: the pages' shared frame is :mod:`layouts.chrome`, so
the pages never import the shell."""

from __future__ import annotations

import gc
from pathlib import Path
from types import ModuleType

import dash
import dash_mantine_components as dmc
from flask import jsonify

from ioc.api.kpi import api_blueprint
from ioc.config import Settings, load_settings
from ioc.warehouse.aggregates import data_version
from ioc.warehouse.engine import make_engine
from ioc.warehouse.reference import require_province
from layouts import dash_requests, loading_text, plotly_bundle, security, wall_playlist, warehouse

ASSETS = Path(__file__).parent / "assets"


def page_modules() -> tuple[ModuleType, ...]:
    """The page modules in the order they register, imported (which registers their callbacks)."""
    from layouts import admin, explore, home, wall, wall_digital, wall_health, wall_index, wall_risk, wall_view

    return (home, wall, wall_digital, wall_index, wall_risk, wall_health, wall_view, explore, admin)


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
    # pages register themselves on an app using pages
    from layouts import wall
    from layouts.admin import subscribers

    for page in page_modules():
        page.register()
    app.layout = dmc.MantineProvider(dash.page_container, id="theme", theme={"primaryColor": "blue"})
    plotly_bundle.install(app)
    loading_text.install(app)
    security.install(app, engine, settings)
    dash_requests.install(app)
    app.server.register_blueprint(api_blueprint(engine, settings.province))
    wall_playlist.install(app.server)
    subscribers.install(app.server)  # the daily brief's downloads

    @app.server.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        with engine.connect() as connection:
            version, updated_at = data_version(connection)
        return jsonify(status="ok", data_version=version, updated_at=updated_at and updated_at.isoformat())

    wall.warm_up()
    gc.freeze()  # what start-up made lives as long as the worker: keep it out of every later collection's work
    return app
