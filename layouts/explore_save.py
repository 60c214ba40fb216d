"""The explorer's "save this view" control: an analyst names the view on screen and it is kept (audited) for the
wall-screens' playlists (``/wall/view?name=…``), through :func:`ioc.playlists.save_view` as on ``/admin/displays``."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import Input, Output, State, callback

from ioc import playlists
from ioc.config import now_local
from ioc.playlists import PlaylistError
from layouts import warehouse
from layouts.access import current_ip, current_username
from layouts.i18n import error_text, language, t
from layouts.view import from_store


def panel(lang: str) -> dmc.Group:
    return dmc.Group(
        [
            dmc.TextInput(
                id="explore-save-name",
                placeholder=t(lang, "explore.save.name"),
                size="xs",
                w=260,
            ),
            dmc.Button(t(lang, "explore.save.button"), id="explore-save-button", size="xs", variant="default"),
            dmc.Alert(id="explore-save-done", hide=True, p="xs"),
        ],
        gap="xs",
    )


@callback(
    Output("explore-save-done", "children"),
    Output("explore-save-done", "color"),
    Output("explore-save-done", "hide"),
    Input("explore-save-button", "n_clicks"),
    State("explore-save-name", "value"),
    State("explore-view", "data"),
    prevent_initial_call=True,
)
def save(_clicks, name, stored):  # type: ignore[no-untyped-def]
    """Keep the view on screen under ``name``: the stored view is checked again (client data) and re-serialised."""
    view = from_store(stored)
    lang = language(view.lang)
    try:
        playlists.save_view(
            warehouse.engine(),
            name if isinstance(name, str) else "",
            view.query().removeprefix("?"),
            current_username(),
            now_local(),
            current_ip(),
        )
    except PlaylistError as error:
        return error_text(error, lang), "red", False
    return t(lang, "explore.save.done", name=name.strip()), "green", False
