"""IOC's own plotly.js: a partial bundle of the traces IOC draws, served by the app, started early on the pages that
open with graphs, and cached for a year under URLs that name their content.

dcc.Graph draws with ``window.Plotly`` when the page already has it. Otherwise it loads Dash's full plotly.js (4.8 MB,
every trace type) once a graph is on the page, that is after the page's content arrived, and a browser then spends one
to three seconds running it before the first graph draws. The partial bundle (``assets/vendor``, built from plotly.js
4.1.1 by its ``build.mjs``; provenance and licences in its README) holds the core with ``scatter``, ``bar`` and
``choroplethmap``: 3.0 MB that start about twice as fast. ``assets/plotly-start.js`` downloads it as the page starts
and runs it while the page waits for the server's first answer, and points dcc.Graph's own loading at it.

A trace type outside :data:`TRACES` would draw nothing: ``tests/test_plotly_bundle.py`` checks that every trace type
the figures build is in the bundle.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import dash
from flask import Response, request

ASSETS = Path(__file__).parent / "assets"
#: The assets folder that Dash does not put in pages by itself (``assets_path_ignore``): the bundle and its build.
FOLDER = "vendor"
BUNDLE = f"{FOLDER}/plotly-ioc.min.js"
#: The script that starts the bundle; Dash does not put it in pages by itself either (``assets_ignore``).
START = "plotly-start.js"
START_IGNORE = r"^plotly-start\.js$"
#: The plotly.js release the bundle is built from: plotly.py's own (``plotly.offline.get_plotlyjs_version()``).
PLOTLY_JS_VERSION = "4.1.1"
#: The trace types in the bundle.
TRACES = frozenset({"bar", "choroplethmap", "scatter"})
#: The pages that open with graphs: there the bundle starts at once.
GRAPH_PAGES = ("/wall", "/explore", "/admin/boundaries")
#: A year: the URLs change with the content, so a browser never needs to ask again.
MAX_AGE = 365 * 24 * 3600


@cache
def digest(asset: str) -> str:
    """The SHA-256 (hex) of the file ``asset`` of the assets folder."""
    return hashlib.sha256((ASSETS / asset).read_bytes()).hexdigest()


def url(app: dash.Dash, asset: str) -> str:
    """The URL of ``asset``, fingerprinted by the start of its digest."""
    return f"{app.get_asset_url(asset)}?v={digest(asset)[:16]}"


def install(app: dash.Dash) -> None:
    """Give every page of ``app`` the script that starts the bundle, and serve both with a year-long cache."""
    bundle, start = url(app, BUNDLE), url(app, START)
    pages = " ".join(app.get_relative_path(page) for page in GRAPH_PAGES)
    tag = {"src": start, "data-bundle": bundle, "data-pages": pages}
    app.config.external_scripts = [*app.config.external_scripts, tag]
    fingerprinted = {path: query for path, _, query in (bundle.partition("?"), start.partition("?"))}

    @app.server.after_request
    def cache_for_a_year(response: Response) -> Response:
        query = fingerprinted.get(request.path)
        if query is not None and request.query_string.decode() == query and response.status_code in (200, 304):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = MAX_AGE
            response.cache_control.immutable = True
        return response
