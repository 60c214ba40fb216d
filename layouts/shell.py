"""The Dash app around the pages: local assets only, the warehouse engine, the API, a health check."""

from __future__ import annotations

from pathlib import Path

import dash
from flask import jsonify

from ioc.api.kpi import api_blueprint
from ioc.config import Settings, load_settings
from ioc.warehouse.aggregates import data_version
from ioc.warehouse.engine import make_engine
from layouts import warehouse

ASSETS = Path(__file__).parent / "assets"


def create_app(settings: Settings | None = None) -> dash.Dash:
    """The dashboard for the warehouse ``settings`` name; every script and style is served by the app itself."""
    settings = settings or load_settings()
    engine = make_engine(settings.warehouse_url)
    warehouse.use(engine)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        serve_locally=True,
        title="IOC",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    app.layout = dash.html.Div(dash.page_container)
    dash.register_page("layouts.placeholder", path="/wall", layout=dash.html.Div("IOC"))
    app.server.register_blueprint(api_blueprint(engine))

    @app.server.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        with engine.connect() as connection:
            version, updated_at = data_version(connection)
        return jsonify(status="ok", data_version=version, updated_at=updated_at and updated_at.isoformat())

    return app
