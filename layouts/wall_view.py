"""``/wall/view?name=…``: a saved explorer view on the wall, read-only, in wall style — the view's KPI for the province,
its commune map and its bars, for the view's period and filters. A wall-screen never reaches the explorer; a playlist
shows a saved view through this page. Saving a view keeps only a query the explorer itself writes
(:func:`normalised_query`)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import dash
from dash import dcc, html

from ioc import playlists
from ioc.kpi.query import cached_kpi_rows
from ioc.kpi.ranking import bar_rows
from layouts import figures, lookups, theme, view, warehouse
from layouts.i18n import language, t
from layouts.page_title import page_title
from layouts.wall import WALL_FONT_SCALE, dated, replay

PATH = playlists.VIEW_PAGE
BARS = 12


def normalised_query(address: str) -> str:
    """The explorer view an address (or its query string) names, as the explorer writes it (without ``?``): anything
    that is not part of a valid view is dropped."""
    text = address if isinstance(address, str) else ""
    query = urlsplit(text).query if "?" in text else text
    params = {key: values[0] for key, values in parse_qs(query[:4000]).items()}
    return view.parse(params).query().removeprefix("?")


def _saved(name: object) -> view.View | None:
    if not isinstance(name, str) or len(name) > 100:
        return None
    with warehouse.engine().connect() as connection:
        query = playlists.saved_views(connection).get(name)
    if query is None:
        return None
    return view.parse({key: values[0] for key, values in parse_qs(query).items()})


def layout(**params: object) -> html.Div:
    lang = language(params.get("lang"))
    name = params.get("name")
    saved = _saved(name)
    replayed = replay(params.get("date") if isinstance(params.get("date"), str) else None)
    as_of = replayed.day
    header = html.Div(
        className="wall-header",
        children=[
            html.Div(
                [
                    html.Div(t(lang, "app.title"), className="wall-title"),
                    html.Div(str(name or ""), className="wall-subtitle", id="wall-view-name"),
                ]
            ),
            html.Div(dated("", replayed, lang), className="wall-period"),
        ],
    )
    if saved is None:
        message = html.Div(t(lang, "wall_view.missing"), className="panel", id="wall-view-missing")
        return html.Div([header, message], className="wall", id="wall")
    names = lookups.names()
    layer, _ = lookups.commune_layer()
    period = saved.period(as_of)
    with warehouse.engine().connect() as connection:
        (total,) = cached_kpi_rows(connection, period, None, saved.filters()) or [{}]
        by_unit = cached_kpi_rows(connection, period, "unit", saved.filters())
        rows = cached_kpi_rows(connection, period, saved.by, saved.filters())
    kpi = saved.kpi
    exclude = {names.province_code} if saved.by == "unit" else set()
    chosen = bar_rows(rows, saved.by, kpi, BARS, exclude)
    by_names = names.of(saved.by, lang)
    bars = figures.bars(chosen.rows, saved.by, kpi, by_names, lang) if chosen.rows else figures.empty(lang, True)
    bars.update_layout(font={"color": theme.WALL_TEXT, "size": round(13 * WALL_FONT_SCALE)}, height=None)  # dark wall
    bars.update_yaxes(tickfont={"size": round(12 * WALL_FONT_SCALE)})
    graph = {"config": figures.WALL_GRAPH_CONFIG, "style": {"height": "100%", "width": "100%"}, "responsive": True}
    first, last = saved.days(as_of)
    tile = html.Div(
        className="tile light-none",
        children=[
            html.Div(figures.kpi_name(kpi, lang), className="tile-label"),
            html.Div(figures.value_text(kpi, total.get(kpi), lang), className="tile-value", id="wall-view-value"),
            html.Div(
                t(lang, "wall_view.period", first=f"{first:%d/%m/%Y}", last=f"{last:%d/%m/%Y}"), className="tile-muted"
            ),
        ],
    )
    body = html.Div(
        className="wall-main",
        children=[
            html.Div(
                [
                    html.Div(t(lang, "wall.map_title", kpi=figures.kpi_name(kpi, lang)), className="panel-title"),
                    dcc.Graph(
                        id="wall-view-map",
                        figure=figures.choropleth(
                            layer, by_unit, kpi, names.units, lang, dark=True, scale=WALL_FONT_SCALE
                        ),
                        **graph,
                    ),
                ],
                className="panel map-panel",
            ),
            html.Div(
                [
                    html.Div(t(lang, f"wall_view.by.{saved.by}"), className="panel-title"),
                    dcc.Graph(id="wall-view-bars", figure=bars, **graph),
                ],
                className="panel trend-panel",
            ),
        ],
    )
    return html.Div([header, html.Div([tile], className="wall-tiles"), body], className="wall", id="wall")


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("wall-view"), name="wall-view")
