"""The playlists panel of ``/admin/displays``: per display link, its pages in order (up, down, remove, add), the seconds
on each, its period and comparison, and the playlist it plays now. Through :mod:`ioc.playlists`, audited with the admin
and the address."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx, html, no_update

from ioc import playlists
from ioc.config import now_local
from ioc.playlists import Playlist, PlaylistError
from layouts import warehouse
from layouts.access import current_ip, current_username
from layouts.i18n import error_text, language, t
from layouts.wall_view import normalised_query


def _state() -> tuple[dict[str, Playlist], dict[str, str]]:
    with warehouse.engine().connect() as connection:
        return playlists.saved_playlists(connection), playlists.saved_views(connection)


def _page_options(views: dict[str, str], lang: str) -> list[dict]:
    pages = [{"value": page, "label": page} for page in playlists.WALL_PAGES]
    return pages + [
        {"value": playlists.view_page(name), "label": t(lang, "playlist.view_label", name=name)} for name in views
    ]


def _rows(entries: list[list], options: list[dict], lang: str) -> list[dmc.Group]:
    """One row per page: its page, its seconds, and buttons to move it up, down or out."""
    values = {option["value"] for option in options}
    extra = [{"value": page, "label": page} for page, _ in entries if page not in values]
    rows = []
    for index, (page, seconds) in enumerate(entries):
        rows.append(
            dmc.Group(
                [
                    dmc.Text(f"{index + 1}.", w=24),
                    dmc.Select(
                        id={"type": "admin-playlist-page", "index": index},
                        data=options + extra,
                        value=page,
                        allowDeselect=False,
                        w=280,
                    ),
                    dmc.NumberInput(
                        id={"type": "admin-playlist-seconds", "index": index},
                        value=seconds,
                        min=playlists.MIN_SECONDS,
                        max=playlists.MAX_SECONDS,
                        allowDecimal=False,
                        suffix=" s",
                        w=120,
                    ),
                    dmc.Button("↑", id={"type": "admin-playlist-up", "index": index}, variant="default", size="xs"),
                    dmc.Button("↓", id={"type": "admin-playlist-down", "index": index}, variant="default", size="xs"),
                    dmc.Button(
                        t(lang, "playlist.remove"),
                        id={"type": "admin-playlist-remove", "index": index},
                        variant="subtle",
                        color="red",
                        size="xs",
                    ),
                ],
                gap="xs",
            )
        )
    return rows


def _summary(playlist: Playlist, lang: str) -> str:
    pages = " → ".join(f"{entry.page} ({entry.seconds} s)" for entry in playlist.entries)
    return t(lang, "playlist.now_playing", pages=pages, total=playlist.total_seconds)


def panel(lang: str, links: list[str]) -> dmc.Paper:
    """The panel, for the active links ``links``."""
    choices = [{"value": "", "label": t(lang, "playlist.default_choice")}]
    return dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "playlist.title"), order=4),
                dmc.Text(t(lang, "playlist.intro"), c="dimmed", size="sm"),
                dmc.Select(
                    id="admin-playlist-link", label=t(lang, "admin.displays.pick"), data=links, allowDeselect=False
                ),
                dmc.Text(id="admin-playlist-current", size="sm"),
                html.Div(id="admin-playlist-rows"),
                dmc.Group(
                    [
                        dmc.Button(t(lang, "playlist.add"), id="admin-playlist-add", variant="default"),
                        dmc.Select(
                            id="admin-playlist-period",
                            label=t(lang, "playlist.period"),
                            data=choices
                            + [{"value": p, "label": t(lang, f"playlist.period.{p}")} for p in playlists.PERIODS],
                            value="",
                            allowDeselect=False,
                            w=220,
                        ),
                        dmc.Select(
                            id="admin-playlist-compare",
                            label=t(lang, "playlist.compare"),
                            data=choices
                            + [{"value": c, "label": t(lang, f"playlist.compare.{c}")} for c in playlists.COMPARISONS],
                            value="",
                            allowDeselect=False,
                            w=220,
                        ),
                    ],
                    align="end",
                ),
                dmc.Group(dmc.Button(t(lang, "playlist.save"), id="admin-playlist-save")),
                dmc.Alert(id="admin-playlist-saved", hide=True),
                dmc.Title(t(lang, "playlist.view_title"), order=5),
                dmc.Group(
                    [
                        dmc.TextInput(id="admin-playlist-view-name", label=t(lang, "playlist.view_name"), w=220),
                        dmc.TextInput(id="admin-playlist-view-address", label=t(lang, "playlist.view_address"), w=420),
                        dmc.Button(t(lang, "playlist.view_save"), id="admin-playlist-view-save", variant="default"),
                    ],
                    align="end",
                ),
                dmc.Alert(id="admin-playlist-view-saved", hide=True),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )


def _moved(entries: list[list], trigger: object) -> list[list]:
    """``entries`` after the button ``trigger`` (a pattern id) was pressed."""
    if not isinstance(trigger, dict) or not isinstance(trigger.get("index"), int):
        return entries
    index, kind = trigger["index"], trigger.get("type")
    if not 0 <= index < len(entries):
        return entries
    if kind == "admin-playlist-up" and index > 0:
        entries[index - 1], entries[index] = entries[index], entries[index - 1]
    elif kind == "admin-playlist-down" and index < len(entries) - 1:
        entries[index + 1], entries[index] = entries[index], entries[index + 1]
    elif kind == "admin-playlist-remove":
        del entries[index]
    return entries


@callback(
    Output("admin-playlist-rows", "children"),
    Output("admin-playlist-current", "children"),
    Output("admin-playlist-period", "value"),
    Output("admin-playlist-compare", "value"),
    Input("admin-playlist-link", "value"),
    Input("admin-playlist-add", "n_clicks"),
    Input({"type": "admin-playlist-up", "index": ALL}, "n_clicks"),
    Input({"type": "admin-playlist-down", "index": ALL}, "n_clicks"),
    Input({"type": "admin-playlist-remove", "index": ALL}, "n_clicks"),
    State({"type": "admin-playlist-page", "index": ALL}, "value"),
    State({"type": "admin-playlist-seconds", "index": ALL}, "value"),
    State("admin-displays-lang", "data"),
    prevent_initial_call=True,
)
def edit(link, _add, _up, _down, _remove, pages, seconds, lang):  # type: ignore[no-untyped-def]
    """Show a link's playlist to edit, or move, add or remove one of its pages (nothing is saved before Save)."""
    lang = language(lang)
    saved, views = _state()
    options = _page_options(views, lang)
    if ctx.triggered_id == "admin-playlist-link":
        playlist = saved.get(link) if isinstance(link, str) else None
        if playlist is None:
            return [], "", "", ""
        entries = [[entry.page, entry.seconds] for entry in playlist.entries]
        return _rows(entries, options, lang), _summary(playlist, lang), playlist.period or "", playlist.compare or ""
    if not isinstance(link, str) or link not in saved:
        return no_update, t(lang, "admin.displays.pick_first"), no_update, no_update
    entries = [[page, second] for page, second in zip(pages or [], seconds or [], strict=False)]
    if ctx.triggered_id == "admin-playlist-add":
        if len(entries) >= playlists.MAX_ENTRIES:
            return no_update, t(lang, "error.playlist.too_many", most=playlists.MAX_ENTRIES), no_update, no_update
        entries.append([playlists.WALL_PAGES[0], 60])
    else:
        entries = _moved(entries, ctx.triggered_id)
    return _rows(entries, options, lang), no_update, no_update, no_update


@callback(
    Output("admin-playlist-saved", "children"),
    Output("admin-playlist-saved", "color"),
    Output("admin-playlist-saved", "hide"),
    Output("admin-playlist-current", "children", allow_duplicate=True),
    Input("admin-playlist-save", "n_clicks"),
    State("admin-playlist-link", "value"),
    State({"type": "admin-playlist-page", "index": ALL}, "value"),
    State({"type": "admin-playlist-seconds", "index": ALL}, "value"),
    State("admin-playlist-period", "value"),
    State("admin-playlist-compare", "value"),
    State("admin-displays-lang", "data"),
    prevent_initial_call=True,
)
def save(_clicks, link, pages, seconds, period, compare, lang):  # type: ignore[no-untyped-def]
    """Check and save the link's playlist; its screen picks it up within half a minute."""
    lang = language(lang)
    if not isinstance(link, str) or not link:
        return t(lang, "admin.displays.pick_first"), "red", False, no_update
    if not isinstance(pages, list) or not isinstance(seconds, list) or len(pages) != len(seconds):
        return t(lang, "error.playlist.empty"), "red", False, no_update
    try:
        playlist = playlists.save_playlist(
            warehouse.engine(),
            link,
            list(zip(pages, seconds, strict=True)),
            period,
            compare,
            current_username(),
            now_local(),
            current_ip(),
        )
    except PlaylistError as error:
        return error_text(error, lang), "red", False, no_update
    return t(lang, "playlist.saved", name=link), "green", False, _summary(playlist, lang)


@callback(
    Output("admin-playlist-view-saved", "children"),
    Output("admin-playlist-view-saved", "color"),
    Output("admin-playlist-view-saved", "hide"),
    Input("admin-playlist-view-save", "n_clicks"),
    State("admin-playlist-view-name", "value"),
    State("admin-playlist-view-address", "value"),
    State("admin-displays-lang", "data"),
    prevent_initial_call=True,
)
def save_view(_clicks, name, address, lang):  # type: ignore[no-untyped-def]
    """Save the explorer view an address names (only what makes a valid view is kept), for the playlists."""
    lang = language(lang)
    try:
        playlists.save_view(
            warehouse.engine(),
            name if isinstance(name, str) else "",
            normalised_query(address if isinstance(address, str) else ""),
            current_username(),
            now_local(),
            current_ip(),
        )
    except PlaylistError as error:
        return error_text(error, lang), "red", False
    return t(lang, "playlist.view_saved", name=name.strip()), "green", False
