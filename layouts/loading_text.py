"""The page Dash serves before its scripts run says "Loading..." in English: each page says it in its language
(``?lang=``), and the document declares that language."""

from __future__ import annotations

from collections.abc import Callable

import dash
import flask

from layouts.i18n import language, t

#: What Dash's index shows while the page's scripts start (``dash.dash._app_entry``).
DASH_LOADING = "Loading..."


def install(app: dash.Dash) -> None:
    """Make ``app``'s index say "loading" and declare ``<html lang>`` in the language the request asks for."""
    interpolate: Callable[..., str] = app.interpolate_index

    def localised(**parts: str) -> str:
        lang = language(flask.request.args.get("lang") if flask.has_request_context() else None)
        parts["app_entry"] = parts.get("app_entry", "").replace(DASH_LOADING, t(lang, "app.loading"))
        return interpolate(**parts).replace("<html>", f'<html lang="{lang}">', 1)

    app.interpolate_index = localised  # type: ignore[method-assign]
