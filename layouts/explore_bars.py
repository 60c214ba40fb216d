"""The explorer's bars of a breakdown: every item, in a panel that scrolls, or past :data:`BARS_LIMIT` the best and the
worst, with "n of N" above them. Among communes, never the province's own row. The rows are chosen by
:func:`ioc.kpi.ranking.bar_rows`; this module draws them."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc, html

from ioc.kpi.ranking import bar_rows
from layouts import figures
from layouts.formatting import number
from layouts.i18n import t

#: The most bars one chart draws (26 px each); past it, half the best and half the worst.
BARS_LIMIT = 200
#: The bars panel's height before it scrolls.
PANEL_HEIGHT = "640px"


def caption(total: int, shown: int, without_value: int, cut: bool, lang: str) -> str:
    """What the bars show of the breakdown: "All 40", or "200 of 250: the 100 best and the 100 worst"; and how many
    items have no value for the KPI (nothing to draw)."""
    if cut:
        worst = shown // 2
        text = t(
            lang,
            "explore.bars_cut",
            shown=number(shown, lang),
            total=number(total, lang),
            best=number(shown - worst, lang),
            worst=number(worst, lang),
        )
    else:
        text = t(lang, "explore.bars_all", total=number(total, lang))
    if without_value:
        text += " · " + t(lang, "explore.bars_without", count=number(without_value, lang))
    return text


def bars_figure(rows: list[dict], by: str, kpi: str, names: dict[str, str], lang: str, province: str) -> go.Figure:
    """The bars of ``kpi`` by ``by``, best on top; by unit, without the province's own row (``province``)."""
    exclude = {province} if by == "unit" else set()
    chosen = bar_rows(rows, by, kpi, BARS_LIMIT, exclude)
    if not chosen.rows:
        return figures.empty(lang)
    title = caption(chosen.total, len(chosen.rows), chosen.without_value, chosen.cut, lang)
    return figures.bars(chosen.rows, by, kpi, names, lang, title)


def bars_graph(graph_id: str, graph: dict) -> html.Div:
    """The bars' graph in a panel that scrolls when they are taller than it."""
    return html.Div(
        dcc.Graph(id=graph_id, **graph), style={"maxHeight": PANEL_HEIGHT, "overflowY": "auto"}, className="bars-scroll"
    )
