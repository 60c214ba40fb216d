"""Plotly figures built from KPI rows: the commune map, the monthly trend, bars of a breakdown.

Maps are ``go.Choroplethmap`` on the ``white-bg`` style: no tile server, no topojson from a CDN.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import plotly.graph_objects as go

from ioc.kpi.registry import KPI_BY_KEY, traffic_light
from layouts import map_parts, theme
from layouts.formatting import number, percent, signed
from layouts.i18n import t

#: The KPIs the wall and the explorer show as tiles, in order.
TILES = (
    "received",
    "resolved",
    "on_time_rate",
    "online_rate",
    "pending_overdue",
    "online_payment_rate",
    "digitisation_rate",
)
#: The mode bar without selection tools, and without "Share chart…", which would send the figure to Plotly's cloud.
GRAPH_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendChartToCloud"],
    "locale": "vi",
}
#: The explorer's graphs: their mode bar (shown while the pointer is on one) sits in a strip of its own above the
#: figure (layouts/assets/graphs.css), never over a legend, a title or a label.
GRAPH_CLASS = "ioc-graph"
WALL_GRAPH_CONFIG = {"displayModeBar": False, "staticPlot": False, "scrollZoom": False}


def kpi_name(key: str, lang: str) -> str:
    kpi = KPI_BY_KEY[key]
    return kpi.name_vi if lang == "vi" else kpi.name_en


def value_text(key: str, value: float | None, lang: str) -> str:
    return percent(value, lang) if KPI_BY_KEY[key].is_rate else number(value, lang)


@dataclass(frozen=True)
class TileFigure:
    """A KPI as a tile shows it: its value, traffic light, and change against the earlier period."""

    value: str
    light: str | None  # green, amber, red; None without a value or a target
    change: str  # signed, rates in points; "–" without a value to compare; "no comparable data" without a previous
    direction: str  # better, worse, flat (no change or nothing to compare)


def tile_figure(key: str, row: dict, targets: dict, lang: str) -> TileFigure:
    """The tile of ``key`` for a :func:`ioc.kpi.query.change_rows` row; without a ``previous`` (the warehouse does not
    cover the compared period, :mod:`ioc.kpi.coverage`, or nothing lines up with it) the change says so."""
    kpi = KPI_BY_KEY[key]
    value, change = row[key], row["change"][key]
    light = traffic_light(kpi, value, targets[key]) if key in targets else None
    if row.get("previous") is None:
        return TileFigure(value_text(key, value, lang), light, t(lang, "compare.no_data"), "flat")
    if change is None:
        return TileFigure(value_text(key, value, lang), light, "–", "flat")
    text = f"{signed(change, lang, 2 if kpi.is_rate else 0)}{t(lang, 'points') if kpi.is_rate else ''}"
    direction = "flat" if change == 0 else "better" if (change > 0) == kpi.higher_is_better else "worse"
    return TileFigure(value_text(key, value, lang), light, text, direction)


def view_of(layer: dict) -> dict:
    """Centre and zoom that fit a layer's mainland in a map of :data:`layouts.map_parts.NOMINAL_SIZE` (the page fits
    it again at the map's real size)."""
    return map_parts.mainland_view(layer)


def plain(text: str) -> str:
    """A name as plotly.js shows it literally: plotly reads a few HTML tags in labels and hover text, so a name's
    ``<``, ``>`` and ``&`` are written as entities, which it shows as the characters."""
    return html.escape(str(text), quote=False)


def map_values(rows: list[dict], key: str, names: dict[str, str], codes: list[str], lang: str) -> dict:
    """The parts of a map trace that change with the data: one value and one hover text per unit code."""
    by_code = {str(row["unit"]): row.get(key) for row in rows}
    values = [by_code.get(code) for code in codes]
    hover = [
        f"{plain(names.get(code, code))}<br>{value_text(key, value, lang)}"
        for code, value in zip(codes, values, strict=True)
    ]
    return {"z": values, "text": hover}


def choropleth(
    layer: dict,
    rows: list[dict],
    key: str,
    names: dict[str, str],
    lang: str,
    dark: bool = False,
    scale: float = 1.0,
    labels: bool = False,
) -> go.Figure:
    """Units coloured by a KPI; a unit without a value is grey. Clicks report the unit code as ``location``."""
    codes = [feature["id"] for feature in layer["features"]]
    kpi = KPI_BY_KEY[key]
    values = map_values(rows, key, names, codes, lang)
    return map_parts.shaded_map(layer, values, kpi.higher_is_better, kpi.is_rate, kpi.unit, lang, dark, scale, labels)


def trend(rows: list[dict], lang: str, dark: bool = False, scale: float = 1.0) -> go.Figure:
    """Received and resolved per month (``MM/YYYY``) as bars, the on-time rate as a line on a second axis."""
    months = [f"{row['month'][5:7]}/{row['month'][:4]}" for row in rows]
    figure = go.Figure(
        [
            go.Bar(
                x=months, y=[r["received"] for r in rows], name=kpi_name("received", lang), marker_color=theme.ACCENT
            ),
            go.Bar(
                x=months, y=[r["resolved"] for r in rows], name=kpi_name("resolved", lang), marker_color=theme.SECOND
            ),
            go.Scatter(
                x=months,
                y=[r["on_time_rate"] for r in rows],
                name=kpi_name("on_time_rate", lang),
                yaxis="y2",
                mode="lines+markers",
                line={"color": theme.LIGHTS["amber"], "width": 3 * scale},
                marker={"size": 7 * scale},
            ),
        ]
    )
    figure.update_layout(
        theme.figure_layout(lang, dark, scale),
        barmode="group",
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "tickvals": [0, 25, 50, 75, 100],
            "ticksuffix": " %",
            "showgrid": False,
        },
        hovermode="x unified",
    )
    return figure


def bars(rows: list[dict], by: str, key: str, names: dict[str, str], lang: str, title: str = "") -> go.Figure:
    """Rows (each with a value, in the order given, the first on top) as horizontal bars of one KPI, under ``title``;
    clicks report the key as ``customdata``. Which rows, in what order: :func:`ioc.kpi.ranking.bar_rows`."""
    shown = rows[::-1]
    keys = [str(row[by]) for row in shown]
    figure = go.Figure(
        go.Bar(
            x=[row[key] for row in shown],
            y=[plain(names.get(k, k)) for k in keys],
            customdata=keys,
            orientation="h",
            marker_color=theme.ACCENT,
            text=[value_text(key, row[key], lang) for row in shown],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    top = 40 if title else 10
    figure.update_layout(
        theme.figure_layout(lang, False),
        height=max(240, 26 * len(shown) + 30 + top),
        clickmode="event",
        margin={"t": top},
    )
    if title:
        figure.update_layout(title={"text": plain(title), "x": 0, "font": {"size": 14}})
    figure.update_yaxes(automargin=True, tickfont={"size": 12})
    return figure


def empty(lang: str, dark: bool = False, text: str | None = None) -> go.Figure:
    """A figure without axes saying ``text`` (by default, that there is no data yet)."""
    figure = go.Figure()
    figure.update_layout(
        theme.figure_layout(lang, dark),
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": plain(text or t(lang, "no_data")), "showarrow": False, "font": {"size": 16}}],
    )
    return figure
