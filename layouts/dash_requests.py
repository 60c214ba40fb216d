"""Requests Dash itself would answer with a 500, answered as the client's mistakes they are.

- A script or style under ``/_dash-component-suites/`` that no registered package serves (an unknown package, an
  unknown path) is a 404, not Dash's ``DependencyException``.

A callback request whose envelope does not fit its callback is refused by the guard (:mod:`layouts.security`, with
:mod:`layouts.callback_check`) before Dash reads it; the values inside are each callback's to check
(:mod:`layouts.view`, :mod:`layouts.explore_input`).
"""

from __future__ import annotations

import dash
from dash.exceptions import DependencyException
from flask import Response


def install(app: dash.Dash) -> None:
    """Answer ``app``'s requests for scripts it does not have with 404 instead of 500."""
    server = app.server

    @server.errorhandler(DependencyException)
    def unknown_script(_: DependencyException) -> Response:
        return Response("not found\n", status=404, mimetype="text/plain")
