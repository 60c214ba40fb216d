"""The composition root: the Dash app (``app``) and its Flask server (``server``, for a WSGI server such as gunicorn).

It builds the app from the settings in the environment and nothing more: pages live in ``layouts``, figures in
``ioc``. ``ioc serve`` hands gunicorn the string ``app:server``.
"""

from __future__ import annotations

from layouts.shell import create_app

app = create_app()
server = app.server
