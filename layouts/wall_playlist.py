"""``/wall/playlist.json``: the playlist the asking wall-screen follows (layouts/assets/wall_playlist.js), re-read
every half minute so a change on the admin page, a restart or a network cut is picked up.

A display link gets its own playlist and nothing else; a signed-in user gets the link named by ``?playlist=`` (the
default playlist when there is no such link). With it: the server's clock (the screens find their place in the cycle
from it, so they agree), and today's red alerts, which bring the alert page forward once.
"""

from __future__ import annotations

import time

from flask import Flask, Response, jsonify, request
from flask_login import current_user

from ioc import playlists
from ioc.alerts import alerts
from ioc.config import now_local
from ioc.playlists import ALERT_PAGE, DEFAULT, Entry, Playlist, PlaylistError
from layouts import warehouse

PATH = "/wall/playlist.json"


def _display_id() -> int | None:
    """The display token's id when a wall-screen asks (its session id is ``d:<id>``), else None."""
    kind, _, rest = str(getattr(current_user, "id", "")).partition(":")
    return int(rest) if kind == "d" and rest.isdigit() else None


def _asked(connection) -> Playlist:  # type: ignore[no-untyped-def]
    token_id = _display_id()
    if token_id is not None:
        return playlists.playlist_of(connection, token_id)
    name = request.args.get("playlist", "")
    if not name or len(name) > 100:
        return DEFAULT
    try:
        return playlists.playlist_named(connection, name)
    except PlaylistError:
        return DEFAULT


def answer() -> dict:
    """What the screen needs: the pages' addresses and seconds, the alert page, the red alerts, the server's clock."""
    now = now_local()
    with warehouse.engine().connect() as connection:
        playlist = _asked(connection)
        red = [
            f"{now.date().isoformat()}:{alert.kind}:{alert.subject_kind}:{alert.subject_code}"
            for alert in alerts(connection, now.date(), now)
            if alert.severity == "red"
        ]
    on_alert_page = [entry.seconds for entry in playlist.entries if entry.page == ALERT_PAGE]
    return {
        "entries": [{"href": playlist.href(entry), "seconds": entry.seconds} for entry in playlist.entries],
        "total": playlist.total_seconds,
        "alert": {
            "href": playlist.href(Entry(ALERT_PAGE, playlists.MIN_SECONDS)),
            "seconds": (on_alert_page or [playlist.entries[0].seconds])[0],
        },
        "red": red,
        "now": int(time.time() * 1000),
    }


def install(server: Flask) -> None:
    """Serve the playlist (the guard lets only the wall's principals reach ``/wall/…``)."""

    @server.get(PATH)
    def playlist_json() -> Response:
        response = jsonify(answer())
        response.headers["Cache-Control"] = "no-store"
        return response
