"""The wall's Decision 766 page (``/wall/index``): the province's total (points earned of the points IOC can compute,
a rating only when all 100 are computable), the six groups as bars, the total's 12-month trend, agencies and communes
ranked on index points, and "what it takes" (:mod:`ioc.kpi.index_gap`). Where the portal's published scores were
collected (``portal766.*``), they stand beside IOC's, flagged beyond 0.5 point (:mod:`ioc.indicators.portal_compare`).

Month to date by default (``?date=`` replays a day, like ``/wall``); refreshes in place when the data version or the
day changes. Dark, large, for 1920×1080 and 3840×2160 (scaled as a whole by ``assets/wall.js``).
"""

from __future__ import annotations

from datetime import date

import dash
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html

from ioc.config import now_local
from ioc.indicators.portal_compare import PAIRS, compared_rows
from ioc.indicators.query import value_rows
from ioc.kpi.display_period import PERIODS, current_period, early_in_month
from ioc.kpi.index766 import COMPONENT_BY_KEY, COMPONENTS, GROUPS
from ioc.kpi.index_gap import Gap, gap_rows
from ioc.kpi.overview import trend_period
from ioc.kpi.service_index import index_rows, index_trend
from ioc.warehouse.aggregates import data_version
from layouts import figures, lookups, theme, wall, warehouse
from layouts.formatting import day, moment, number
from layouts.i18n import t
from layouts.page_title import page_title
from layouts.wall_period import scope, titled

PATH = "/wall/index"
RANKED = 5
TREND_MONTHS = 12
#: The most points any group can earn (the bars share one scale, so 22 points look longer than 10).
LONGEST = max(points for _name, points in GROUPS.values())


def _points(value: float | None, lang: str) -> str:
    return t(lang, "index.not_available") if value is None else number(value, lang, 2)


def _gain(value: float, lang: str) -> str:
    return number(value, lang, 0) if abs(value - round(value)) < 1e-9 else number(value, lang, 2)


def _computable(group: str, row: dict) -> float:
    """The points of ``group`` IOC could compute for ``row`` (its components that scored)."""
    return sum(c.points for c in COMPONENTS if c.group == group and row.get(c.key) is not None)


def _portal(ours: float | None, theirs: float | None, differs: bool | None, lang: str, key: str) -> html.Div:
    """The portal's figure beside IOC's, flagged beyond ``portal_compare.TOLERANCE`` (0.5 point)."""
    if theirs is None:
        return html.Div(
            t(lang, "index.portal_none"), className="index-portal index-portal-none", id=f"wall-index-{key}"
        )
    children: list = [html.Span(t(lang, "index.portal", value=number(theirs, lang, 2)))]
    if differs and ours is not None:
        children.append(html.Span(f"⚠ {t(lang, 'index.differs', value=number(abs(ours - theirs), lang, 2))}"))
    return html.Div(children, className="index-portal" + (" index-differs" if differs else ""), id=f"wall-index-{key}")


def _bar(group: str, row: dict, lang: str) -> html.Div:
    """One group: its points earned and the share IOC can compute, on a track as long as its maximum."""
    maximum = GROUPS[group][1]
    earned = row.get(f"group_{group}")
    computable = _computable(group, row)
    track = f"{100 * maximum / LONGEST:.2f}%"
    return html.Div(
        className="index-bar",
        id={"type": "wall-index-bar", "group": group},
        children=[
            html.Div(t(lang, f"index.group.{group}"), className="index-bar-name"),
            html.Div(
                html.Div(
                    [
                        html.Div(className="index-bar-computable", style={"width": f"{100 * computable / maximum}%"}),
                        html.Div(
                            className="index-bar-earned", style={"width": f"{100 * (earned or 0) / maximum:.2f}%"}
                        ),
                    ],
                    className="index-bar-track",
                    style={"width": track},
                ),
                className="index-bar-lane",
            ),
            html.Div(
                [
                    html.Span(
                        t(lang, "index.earned_of", points=_points(earned, lang), max=number(maximum, lang)),
                        className="index-bar-value",
                    ),
                    html.Span(
                        t(lang, "index.computable_share", points=number(computable, lang), max=number(maximum, lang)),
                        className="tile-muted",
                    ),
                ],
                className="index-bar-figures",
            ),
            _portal(earned, row.get(f"portal_{group}"), row.get(f"differs_{group}"), lang, f"portal-{group}"),
        ],
    )


def _total(row: dict, lang: str) -> html.Div:
    computable = row.get("computable_points") or 0
    rating = row.get("rating")
    return html.Div(
        className="tile index-total",
        children=[
            html.Div(t(lang, "index.total_title"), className="tile-label"),
            html.Div(
                [
                    html.Span(number(row.get("points") or 0, lang, 2), className="tile-value", id="wall-index-points"),
                    html.Span(t(lang, "index.of_computable", points=number(computable, lang)), className="index-of"),
                ],
                className="index-total-figure",
            ),
            html.Div(
                t(lang, "index.rating", label=rating)
                if rating
                else t(lang, "index.no_rating", points=number(computable, lang)),
                className="index-rating",
            ),
            _portal(row.get("points"), row.get("portal_total"), row.get("differs_total"), lang, "portal-total"),
        ],
    )


def _ranked(title: str, rows: list[dict], by: str, names: dict[str, str], lang: str, good: bool) -> html.Div:
    return html.Div(
        className="ranking",
        children=[
            html.Div(title, className=f"ranking-title {'better' if good else 'worse'}"),
            html.Ol(
                [
                    html.Li(
                        [
                            html.Span(names.get(row[by], row[by]), className="ranking-name"),
                            html.Span(number(row["points"], lang, 2), className="ranking-value"),
                        ]
                    )
                    for row in rows
                ]
                or [html.Li(t(lang, "no_data"), className="tile-muted")]
            ),
        ],
    )


def gap_text(gap: Gap, lang: str) -> str:
    """One "what it takes" line."""
    component = t(lang, f"index.component.{gap.key}")
    if gap.needed is None:
        return t(lang, "index.gap.nothing", component=component)
    if gap.needed == 0:
        return t(lang, "index.gap.full", component=component, max=number(COMPONENT_BY_KEY[gap.key].points, lang))
    return t(
        lang,
        f"index.gap.{gap.key}",
        count=number(gap.needed, lang),
        points=_gain(gap.gain, lang),
        group=t(lang, f"index.group.{gap.group}"),
    )


def _trend(months: list[dict], published: dict[str, float | None], lang: str) -> go.Figure:
    labels = [f"{row['month'][5:7]}/{row['month'][:4]}" for row in months]
    traces = [
        go.Scatter(
            x=labels,
            y=[row["points"] if row["computable_points"] else None for row in months],
            name=t(lang, "index.trend_ioc"),
            mode="lines+markers",
            line={"color": theme.ACCENT, "width": 3 * wall.WALL_FONT_SCALE},
            marker={"size": 7 * wall.WALL_FONT_SCALE},
        )
    ]
    if any(value is not None for value in published.values()):
        traces.append(
            go.Scatter(
                x=labels,
                y=[published.get(row["month"]) for row in months],
                name=t(lang, "index.trend_portal"),
                mode="lines+markers",
                line={"color": theme.LIGHTS["amber"], "width": 3 * wall.WALL_FONT_SCALE, "dash": "dot"},
                marker={"size": 7 * wall.WALL_FONT_SCALE},
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(theme.figure_layout(lang, True, wall.WALL_FONT_SCALE), hovermode="x unified")
    figure.update_yaxes(rangemode="tozero")
    return figure


def _ranking_rows(rows: list[dict], by: str, among: frozenset[str] | None, exclude: str | None) -> list[dict]:
    kept = [r for r in rows if r[by] != exclude and (among is None or r[by] in among) and r["computable_points"]]
    return sorted(kept, key=lambda r: (-r["points"], str(r[by])))


def content(options: dict) -> dict:
    """Everything the page shows, by element."""
    lang = options["lang"]
    replayed = wall.replay(options["date"])
    as_of: date = replayed.day
    names = lookups.names()
    kind = options.get("period") if options.get("period") in PERIODS else "month"
    # Early in a month the index is the last complete month's, as the wall's rankings are: a few days' dossiers
    # score almost nothing and rank no one.
    fallback = kind == "month" and early_in_month(as_of)
    running = current_period(kind, as_of)
    current = current_period("last_month", as_of) if fallback else running
    named = scope(kind, current, fallback, lang)
    months = trend_period(as_of, TREND_MONTHS)
    today = now_local().date()
    with warehouse.engine().connect() as connection:
        [province] = compared_rows(connection, current)
        by_agency = index_rows(connection, current, "agency")
        by_unit = index_rows(connection, current, "unit")
        [(_key, province_gaps)] = gap_rows(connection, running)  # what it takes: in the period still open
        trend = index_trend(connection, months)
        published = {
            row["month"]: row["value"]
            for row in value_rows(connection, PAIRS["total"][1], months, "month", today=today)
        }
        version, updated_at = data_version(connection)
    agencies = _ranking_rows(by_agency, "agency", names.provincial_agencies, None)
    communes = _ranking_rows(by_unit, "unit", None, names.province_code)
    agency_names, unit_names = names.of("agency", lang), names.units
    return {
        "period": wall.dated(
            t(lang, "wall.period", first=day(current.start), last=day(current.last_day)), replayed, lang
        ),
        "freshness": t(lang, "wall.updated", at=moment(updated_at)),
        "total": _total(province, lang),
        "bars": [_bar(group, province, lang) for group in GROUPS],
        "trend": _trend(trend, published, lang),
        "rankings": [
            _ranked(titled(t(lang, f"index.{title}"), named), listed[:RANKED], by, names_of, lang, good)
            for title, listed, by, names_of, good in (
                ("best_agencies", agencies, "agency", agency_names, True),
                ("worst_agencies", agencies[::-1], "agency", agency_names, False),
                ("best_communes", communes, "unit", unit_names, True),
                ("worst_communes", communes[::-1], "unit", unit_names, False),
            )
        ],
        "gaps": [html.Li(gap_text(gap, lang)) for gap in province_gaps],
        "state": wall._state(version, as_of),
        "province": names.province,
        "row": province,
    }


def layout(**params: object) -> html.Div:
    options = wall._options(params)
    data = content(options)
    lang = options["lang"]
    graph = {"config": figures.WALL_GRAPH_CONFIG, "style": {"height": "100%", "width": "100%"}, "responsive": True}
    header = wall.header(t(lang, "index.title"), data["province"], "wall-index", data["period"], data["freshness"])
    return html.Div(
        className="wall wall-index",
        id="wall",
        children=[
            header,
            html.Div(
                className="index-main",
                children=[
                    html.Div(
                        [
                            html.Div(data["total"], id="wall-index-total"),
                            html.Div(
                                [
                                    html.Div(t(lang, "index.groups_title"), className="panel-title"),
                                    html.Div(data["bars"], id="wall-index-bars", className="index-bars"),
                                ],
                                className="panel index-groups",
                            ),
                        ],
                        className="index-left",
                    ),
                    html.Div(
                        [
                            html.Div(
                                [
                                    html.Div(t(lang, "index.trend_title"), className="panel-title"),
                                    dcc.Graph(id="wall-index-trend", figure=data["trend"], **graph),
                                ],
                                className="panel index-trend",
                            ),
                            html.Div(
                                [
                                    html.Div(t(lang, "index.gaps_title"), className="panel-title"),
                                    html.Ul(data["gaps"], id="wall-index-gaps", className="index-gaps"),
                                ],
                                className="panel",
                            ),
                        ],
                        className="index-middle",
                    ),
                    html.Div(data["rankings"], id="wall-index-rankings", className="panel rankings-panel"),
                ],
            ),
            *wall.rotation(options, PATH),
            dcc.Store(id="wall-index-state", data=data["state"]),
            dcc.Interval(id="wall-index-tick", interval=wall.REFRESH_SECONDS * 1000),
        ],
    )


@callback(
    Output("wall-index-total", "children"),
    Output("wall-index-bars", "children"),
    Output("wall-index-trend", "figure"),
    Output("wall-index-gaps", "children"),
    Output("wall-index-rankings", "children"),
    Output("wall-index-freshness", "children"),
    Output("wall-index-period", "children"),
    Output("wall-index-state", "data"),
    Input("wall-index-tick", "n_intervals"),
    State("wall-options", "data"),
    State("wall-index-state", "data"),
    prevent_initial_call=True,
)
def refresh(_tick: int, options: object, state: object):  # type: ignore[no-untyped-def]
    """New figures in place when the data or the day changed; nothing is sent otherwise."""
    checked = wall._checked(options)
    wall._unchanged_since(checked, state if isinstance(state, dict) else {})
    data = content(checked)
    return (
        data["total"],
        data["bars"],
        data["trend"],
        data["gaps"],
        data["rankings"],
        data["freshness"],
        data["period"],
        data["state"],
    )


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("wall-index"), name="wall-index")
