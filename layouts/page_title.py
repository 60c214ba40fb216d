"""Page titles in the page's language: ``dash.register_page(title=page_title(name))`` gives Dash a function that reads
``?lang=`` from the request (the page router's callback carries the URL's query string among its inputs)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

import flask
from dash import ctx
from dash.exceptions import MissingCallbackContextException

from layouts.i18n import language, t

#: The page router's input holding the URL's query string (``dash.page_container``'s location).
ROUTER_SEARCH = "_pages_location.search"


def page_title(name: str) -> Callable[..., str]:
    """The title of the page ``name`` (translation key ``page_title.<name>``) in the language of the request."""

    def title(**_path_variables: object) -> str:
        return t(request_language(), f"page_title.{name}")

    return title


def request_language() -> str:
    """The language the current request asks for: in a callback, the ``lang`` of the URL it updates; otherwise the
    ``lang`` query parameter; else the default."""
    try:
        search = ctx.inputs.get(ROUTER_SEARCH)
    except MissingCallbackContextException:
        search = None
    if search is not None:
        return language((parse_qs(str(search).lstrip("?")).get("lang") or [None])[0])
    return language(flask.request.args.get("lang") if flask.has_request_context() else None)
