"""The wall's rankings: the best and worst lists of ``/wall``, and the tables of ``/wall/rankings``, which show every
provincial agency and every commune, paging through them on a timer (the wall has no clicks) with "Trang 2/5" shown.

Which keys rank and in what order is :mod:`ioc.kpi.ranking`; this module only draws them.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, clientside_callback, html

from ioc.kpi.ranking import Ranked, every_key, pages
from layouts import figures
from layouts.i18n import t

#: Rows of one page of a rankings table: as many as the panel holds at 1920×1080 with the position line.
ROWS_PER_PAGE = 14
#: How long a page of the rankings tables shows, without ``?rotate=``; with it, each page shows ``rotate`` seconds.
PAGE_SECONDS = 20
TABLE_KPIS = ("received", "resolved", "on_time_rate", "pending_overdue", "online_rate")
RANKED_ON = "on_time_rate"


def ranking_list(title: str, items: list[Ranked], names: dict[str, str], key: str, lang: str, good: bool) -> html.Div:
    """One of the wall's best or worst lists."""
    return html.Div(
        className="ranking",
        children=[
            html.Div(title, className=f"ranking-title {'better' if good else 'worse'}"),
            html.Ol(
                [
                    html.Li(
                        [
                            html.Span(names.get(code, code), className="ranking-name"),
                            html.Span(figures.value_text(key, value, lang), className="ranking-value"),
                        ]
                    )
                    for code, value, _ in items
                ]
                or [html.Li(t(lang, "no_data"), className="tile-muted")]
            ),
        ],
    )


def _table(rows: list[dict], by: str, names: dict[str, str], lang: str) -> html.Table:
    header = html.Tr([html.Th(t(lang, f"by.{by}"))] + [html.Th(figures.kpi_name(k, lang)) for k in TABLE_KPIS])
    body = [
        html.Tr(
            [html.Td(names.get(str(r[by]), str(r[by])))]
            + [html.Td(figures.value_text(k, r[k], lang)) for k in TABLE_KPIS]
        )
        for r in rows
    ]
    if not rows:
        body = [html.Tr(html.Td(t(lang, "no_data"), colSpan=len(TABLE_KPIS) + 1, className="tile-muted"))]
    return html.Table([html.Thead(header), html.Tbody(body)], className="wall-table")


def paged_table(
    table: str,
    title: str,
    rows: list[dict],
    by: str,
    names: dict[str, str],
    lang: str,
    tick: int = 0,
    exclude: frozenset[str] = frozenset(),
) -> list[html.Div]:
    """Every row with dossiers (:func:`ioc.kpi.ranking.every_key`, best first on the on-time rate) in pages of
    :data:`ROWS_PER_PAGE`, each under ``title`` and its position; the page at ``tick`` shows, the others are hidden
    until the page timer turns to them."""
    paged = pages(every_key(rows, by, RANKED_ON, exclude), ROWS_PER_PAGE)
    shown = tick % len(paged)
    return [
        html.Div(
            [
                html.Div(
                    [
                        html.Span(title),
                        html.Span(t(lang, "wall.page", number=page.number, of=page.of), className="wall-page-position"),
                    ],
                    className="panel-title wall-page-title",
                ),
                _table(page.items, by, names, lang),
            ],
            id={"type": "wall-page", "table": table, "page": page.number - 1},
            className="wall-page",
            style=None if page.number - 1 == shown else {"display": "none"},
        )
        for page in paged
    ]


# The page timer: each table shows its page (tick modulo its page count); the others are hidden. In the browser, so a
# page turns without asking the server.
clientside_callback(
    """
    function(n, ids) {
        var counts = {};
        ids.forEach(function (id) { counts[id.table] = Math.max(counts[id.table] || 0, id.page + 1); });
        return ids.map(function (id) { return (n || 0) % counts[id.table] === id.page ? {} : {display: "none"}; });
    }
    """,
    Output({"type": "wall-page", "table": ALL, "page": ALL}, "style"),
    Input("wall-page-tick", "n_intervals"),
    State({"type": "wall-page", "table": ALL, "page": ALL}, "id"),
    prevent_initial_call=True,
)
