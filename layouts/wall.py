"""The wall-screen (``/wall``, ``/wall/rankings``): dark, large, for 1920×1080 and 3840×2160, no clicks needed.

The link's period (``?period=``, this month so far by default) against one that lines up (``?compare=``, see
:mod:`ioc.kpi.display_period`), with the last complete month beside it early in a month; a commune map on a chosen
KPI (``?map=``); a 12-month trend; the best and worst agencies and communes; alerts; data freshness. It refreshes
itself (figures change in place, no flicker) and ``?rotate=SECONDS`` cycles the wall's pages. No personal data:
aggregates only.
"""

from __future__ import annotations

import re
from datetime import date

import dash
from dash import Input, Output, Patch, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from ioc.alerts import Alert, alerts
from ioc.config import now_local
from ioc.kpi.coverage import first_covered_day
from ioc.kpi.display_period import COMPARES, PERIODS, current_period, early_in_month, shown
from ioc.kpi.overview import summary, trend
from ioc.kpi.periods import parse_day, within_range
from ioc.kpi.query import cached_kpi_rows
from ioc.kpi.ranking import ranking
from ioc.kpi.replay import Replay, replay_day
from ioc.kpi.targets import effective_targets
from ioc.warehouse.aggregates import data_version
from layouts import figures, lookups, warehouse
from layouts.formatting import day, moment, number
from layouts.i18n import language, t
from layouts.page_title import page_title
from layouts.wall_period import beside, comparison_label, scope, titled
from layouts.wall_rankings import PAGE_SECONDS, paged_table, ranking_list

MAP_KPIS = ("on_time_rate", "online_rate", "received", "pending_overdue", "digitisation_rate", "online_payment_rate")
#: The pages ``?rotate=`` cycles through (``/wall/digital`` is :mod:`layouts.wall_digital`, ``/wall/index``
#: :mod:`layouts.wall_index`, ``/wall/risk`` :mod:`layouts.wall_risk`).
PAGES = ("/wall", "/wall/rankings", "/wall/digital", "/wall/index", "/wall/risk")
REFRESH_SECONDS = 60
RANKED = 5
#: The wall is laid out for 1920×1080 and scaled as a whole to the screen (layouts/assets/wall.js); figure text at
#: this scale stays legible from 5 m.
WALL_FONT_SCALE = 1.4
#: ``?rotate=SECONDS``: ASCII digits, few enough for ``int()``.
SECONDS = re.compile("[0-9]{1,4}")


def replay(value: object) -> Replay:
    """``?date=YYYY-MM-DD`` replays the wall as of that day (for a demo or a meeting) when it has come and the
    warehouse has data from it (:mod:`ioc.kpi.replay`); today otherwise, and why."""
    today = now_local().date()
    asked = parse_day(value)
    if asked is None or not within_range(asked) or asked == today:  # a day leaving the calendar is no day asked
        return Replay(today)
    with warehouse.engine().connect() as connection:
        first = first_covered_day(connection) if asked < today else None
    return replay_day(asked, today, first)


def _as_of(value: object) -> date:
    """The day a wall page shows for its ``?date=`` (:func:`replay`)."""
    return replay(value).day


def dated(text: str, shown: Replay, lang: str) -> str | list:
    """A wall page's period and, when its ``?date=`` is not the day shown, why (under it, ``wall-date-notice``)."""
    if shown.reason is None or shown.asked is None:
        return text
    key = f"wall.date.{shown.reason}"
    notice = t(lang, key, asked=day(shown.asked), first=day(shown.first) if shown.first else "")
    return [html.Div(text), html.Div(notice, className="wall-date-notice")]


def _options(params: dict) -> dict:
    rotate = params.get("rotate")
    seconds = int(rotate) if isinstance(rotate, str) and SECONDS.fullmatch(rotate) else 0
    return {
        "lang": language(params.get("lang")),
        "date": params.get("date") if isinstance(params.get("date"), str) else None,
        "map": params.get("map") if params.get("map") in MAP_KPIS else "on_time_rate",
        "period": params.get("period") if params.get("period") in PERIODS else "month",
        "compare": params.get("compare") if params.get("compare") in COMPARES else "working_days",
        "rotate": seconds if 5 <= seconds <= 3600 else None,
    }


def _tile(key: str, row: dict, targets: dict, lang: str, compared: str, aside: str | None = None) -> html.Div:
    """A KPI's tile: its value (and ``aside``, the last complete month's, early in a month), the change against
    the period ``compared`` names, and its target."""
    tile = figures.tile_figure(key, row, targets, lang)
    difference = row["change"][key]
    arrow = "■" if not difference else "▲" if difference > 0 else "▼"
    if row.get("previous") is None:  # no comparable data (ioc.kpi.coverage), or nothing lines up
        change = tile.change
    else:
        change = t(lang, "wall.no_comparison") if difference is None else f"{arrow} {tile.change}"
    target = targets.get(key)
    return html.Div(
        className=f"tile light-{tile.light or 'none'}",
        id={"type": "wall-tile", "kpi": key},
        children=[
            html.Div(figures.kpi_name(key, lang), className="tile-label"),
            html.Div(tile.value, className="tile-value"),
            *([html.Div(aside, className="tile-beside")] if aside is not None else []),
            html.Div(
                [
                    html.Span(change, className=f"tile-change {tile.direction}"),
                    html.Span(compared, className="tile-muted"),
                ],
            ),
            html.Div(
                t(lang, "wall.target", value=figures.value_text(key, target.target, lang)) if target else "",
                className="tile-muted",
            ),
        ],
    )


def _alert_text(alert: Alert, names: lookups.Names, lang: str) -> str:
    subject = {
        "province": names.province,
        "agency": names.of("agency", lang).get(alert.subject_code, alert.subject_code),
        "unit": names.units.get(alert.subject_code, alert.subject_code),
        "collector": alert.subject_code,
    }.get(alert.subject_kind, alert.subject_code)
    decimals = 2 if isinstance(alert.value, float) else 0
    key = f"alert.anomaly_{alert.measure}_{alert.direction}" if alert.kind == "anomaly" else f"alert.{alert.kind}"
    return t(
        lang,
        key,
        subject=subject,
        value=number(alert.value, lang, decimals),
        previous=number(alert.previous, lang, decimals),
        day=day(alert.day),
    )


def _state(version: int, as_of: date) -> dict:
    """What the wall on screen was drawn from: the data version and the day."""
    return {"version": version, "day": as_of.isoformat()}


def _checked(options: object) -> dict:
    """The options a page keeps (a dcc.Store) back, checked again as URL parameters: a store is client data."""
    if not isinstance(options, dict):
        return _options({})
    return _options({key: str(value) if type(value) is int else value for key, value in options.items()})


def _unchanged_since(options: dict, state: dict) -> None:
    """Stop a refresh (PreventUpdate: nothing is sent) when neither the data nor the day changed."""
    with warehouse.engine().connect() as connection:
        version, _ = data_version(connection)
    if _state(version, _as_of(options["date"])) == state:
        raise PreventUpdate


def content(options: dict, tick: int = 0) -> dict:
    """Everything the wall shows, as component children and figures keyed by element id; the rankings tables show
    their page at ``tick`` of the page timer."""
    lang = options["lang"]
    replayed = replay(options["date"])
    as_of = replayed.day
    names = lookups.names()
    layer, _ = lookups.commune_layer()
    kind = options.get("period") if options.get("period") in PERIODS else "month"
    view = shown(kind, options.get("compare") if options.get("compare") in COMPARES else "working_days", as_of)
    current = view.current
    # Early in a month (fewer than EARLY_WORKING_DAYS working days so far) the last complete month stands beside
    # this month's figures, and the rankings and the map show it: they would be near empty otherwise.
    last_month = current_period("last_month", as_of)
    fallback = kind == "month" and early_in_month(as_of)
    ranked = last_month if fallback else current
    with warehouse.engine().connect() as connection:
        row = summary(connection, current, view.comparison.period)
        before = cached_kpi_rows(connection, last_month)[0] if fallback else None
        targets = effective_targets(connection)
        months = trend(connection, as_of)
        by_unit = cached_kpi_rows(connection, ranked, "unit")
        agencies = ranking(connection, ranked, "agency", "on_time_rate", RANKED, among=names.provincial_agencies)
        communes = ranking(connection, ranked, "unit", "on_time_rate", RANKED)
        by_agency = cached_kpi_rows(connection, ranked, "agency")
        raised = alerts(connection, as_of, now_local())
        version, updated_at = data_version(connection)
    map_key = options["map"]
    unit_names = names.units
    agency_names = names.of("agency", lang)
    named = scope(kind, ranked, fallback, lang)
    compared = comparison_label(view, lang)
    return {
        "period": dated(t(lang, "wall.period", first=day(current.start), last=day(current.last_day)), replayed, lang),
        "freshness": t(lang, "wall.updated", at=moment(updated_at)),
        "tiles": [
            _tile(
                key,
                row,
                targets,
                lang,
                compared,
                beside(figures.value_text(key, before[key], lang), last_month, lang) if before else None,
            )
            for key in figures.TILES
        ],
        "map": figures.choropleth(
            layer, by_unit, map_key, unit_names, lang, dark=True, scale=WALL_FONT_SCALE, labels=True
        ),
        "map_title": titled(t(lang, "wall.map_title", kpi=figures.kpi_name(map_key, lang)), named),
        "trend": figures.trend(months, lang, dark=True, scale=WALL_FONT_SCALE),
        "rankings": [
            ranking_list(titled(t(lang, f"wall.{title}"), named), listed, names_of, "on_time_rate", lang, good)
            for title, listed, names_of, good in (
                ("best_agencies", agencies.best, agency_names, True),
                ("worst_agencies", agencies.worst, agency_names, False),
                ("best_communes", communes.best, unit_names, True),
                ("worst_communes", communes.worst, unit_names, False),
            )
        ],
        "agency_pages": paged_table(
            "agency",
            t(lang, "wall.agencies_of", scope=named) if named else t(lang, "wall.agencies_title"),
            [r for r in by_agency if r["agency"] in names.provincial_agencies],
            "agency",
            agency_names,
            lang,
            tick,
        ),
        "unit_pages": paged_table(
            "unit",
            t(lang, "wall.communes_of", scope=named) if named else t(lang, "wall.communes_title"),
            by_unit,
            "unit",
            unit_names,
            lang,
            tick,
            exclude=frozenset({names.province_code}),
        ),
        "alerts": [
            html.Span(_alert_text(alert, names, lang), className=f"alert alert-{alert.severity}") for alert in raised
        ]
        or [html.Span(t(lang, "wall.no_alerts"), className="alert alert-none")],
        "state": _state(version, as_of),
        "province": names.province,
    }


def warm_up() -> None:
    """Read names, the map's outlines and today's wall once as a worker starts, so the first screen to ask is served
    from memory (the answers stay valid until a load changes the data version)."""
    content(_options({}))


def header(title: str, subtitle: str, prefix: str, period: object, freshness: object) -> html.Div:
    """A wall page's header: its title over the province, and the period and freshness it refreshes (ids
    ``{prefix}-period`` and ``{prefix}-freshness``)."""
    return html.Div(
        className="wall-header",
        children=[
            html.Div([html.Div(title, className="wall-title"), html.Div(subtitle, className="wall-subtitle")]),
            html.Div(period, id=f"{prefix}-period", className="wall-period"),
            html.Div(freshness, id=f"{prefix}-freshness", className="wall-freshness"),
        ],
    )


def rotation(options: dict, path: str) -> list:
    """What ``?rotate=SECONDS`` needs on a single-screen wall page: its options, the URL it changes, the timer."""
    rotate = options["rotate"]
    return [
        dcc.Store(id="wall-options", data=options | {"page": path, "pages": list(PAGES)}),
        dcc.Location(id="wall-url", refresh="callback-nav"),
        dcc.Interval(id="wall-rotate", interval=(rotate or 3600) * 1000, disabled=not rotate),
    ]


def _frame(options: dict, page: str) -> html.Div:
    data = content(options)
    lang = options["lang"]
    header = html.Div(
        className="wall-header",
        children=[
            html.Div(
                [
                    html.Div(t(lang, "app.title"), className="wall-title"),
                    html.Div(data["province"], className="wall-subtitle"),
                ]
            ),
            html.Div(data["period"], id="wall-period", className="wall-period"),
            html.Div(data["freshness"], id="wall-freshness", className="wall-freshness"),
        ],
    )
    graph = {"config": figures.WALL_GRAPH_CONFIG, "style": {"height": "100%", "width": "100%"}, "responsive": True}
    if page == "/wall":
        body = [
            html.Div(data["tiles"], id="wall-tiles", className="wall-tiles"),
            html.Div(
                className="wall-main",
                children=[
                    html.Div(
                        [
                            html.Div(data["map_title"], id="wall-map-title", className="panel-title"),
                            dcc.Graph(id="wall-map", figure=data["map"], **graph),
                        ],
                        className="panel map-panel",
                    ),
                    html.Div(
                        [
                            html.Div(t(lang, "wall.trend_title"), className="panel-title"),
                            dcc.Graph(id="wall-trend", figure=data["trend"], **graph),
                        ],
                        className="panel trend-panel",
                    ),
                    html.Div(data["rankings"], id="wall-rankings", className="panel rankings-panel"),
                ],
            ),
        ]
    else:
        body = [
            html.Div(
                className="wall-tables",
                children=[
                    html.Div(html.Div(data["agency_pages"], id="wall-agency-table"), className="panel"),
                    html.Div(html.Div(data["unit_pages"], id="wall-unit-table"), className="panel"),
                ],
            )
        ]
    return html.Div(
        className="wall",
        id="wall",
        children=[
            header,
            *body,
            html.Div(data["alerts"], id="wall-alerts", className="wall-alerts"),
            dcc.Store(id="wall-options", data=options | {"page": page, "pages": list(PAGES)}),
            dcc.Store(id="wall-state", data=data["state"]),
            dcc.Interval(id="wall-tick" if page == "/wall" else "wall-rankings-tick", interval=REFRESH_SECONDS * 1000),
            dcc.Location(id="wall-url", refresh="callback-nav"),
            dcc.Interval(
                id="wall-rotate", interval=_shown_for(options, page, data) * 1000, disabled=not options["rotate"]
            ),
            *(
                [dcc.Interval(id="wall-page-tick", interval=(options["rotate"] or PAGE_SECONDS) * 1000)]
                if page != "/wall"
                else []
            ),
        ],
    )


def _shown_for(options: dict, page: str, data: dict) -> int:
    """Seconds a wall page shows with ``?rotate=SECONDS``: the overview that long, the rankings that long for each of
    their pages, so every agency and commune is shown before the wall comes back."""
    if not options["rotate"]:
        return 3600
    if page == "/wall":
        return options["rotate"]
    return options["rotate"] * max(len(data["agency_pages"]), len(data["unit_pages"]))


def overview_layout(**params: object) -> html.Div:
    return _frame(_options(params), "/wall")


def rankings_layout(**params: object) -> html.Div:
    return _frame(_options(params), "/wall/rankings")


@callback(
    Output("wall-tiles", "children"),
    Output("wall-map", "figure"),
    Output("wall-trend", "figure"),
    Output("wall-rankings", "children"),
    Output("wall-alerts", "children"),
    Output("wall-freshness", "children"),
    Output("wall-period", "children"),
    Output("wall-map-title", "children"),
    Output("wall-state", "data"),
    Input("wall-tick", "n_intervals"),
    State("wall-options", "data"),
    State("wall-state", "data"),
    prevent_initial_call=True,
)
def refresh_overview(_tick: int, options: dict, state: dict):  # type: ignore[no-untyped-def]
    """New figures in place when the data or the day changed; nothing is sent otherwise."""
    options = _checked(options)
    _unchanged_since(options, state)
    data = content(options)
    map_patch, trend_patch = Patch(), Patch()
    for i, trace in enumerate(data["map"].data):  # the shaded traces (the main map's, the inset's), legend, labels
        if i % 2:
            for key in ("z", "text", "colorscale", "zmin", "zmax"):
                map_patch["data"][i][key] = trace[key]
    map_patch["layout"]["annotations"] = data["map"].to_plotly_json()["layout"].get("annotations", [])
    map_patch["layout"]["meta"] = data["map"].layout.meta
    trend_patch["data"] = data["trend"].to_dict()["data"]
    trend_patch["layout"]["xaxis"] = data["trend"].to_dict()["layout"].get("xaxis", {})
    return (
        data["tiles"],
        map_patch,
        trend_patch,
        data["rankings"],
        data["alerts"],
        data["freshness"],
        data["period"],
        data["map_title"],
        data["state"],
    )


@callback(
    Output("wall-agency-table", "children"),
    Output("wall-unit-table", "children"),
    Output("wall-alerts", "children", allow_duplicate=True),
    Output("wall-freshness", "children", allow_duplicate=True),
    Output("wall-state", "data", allow_duplicate=True),
    Input("wall-rankings-tick", "n_intervals"),
    State("wall-options", "data"),
    State("wall-state", "data"),
    State("wall-page-tick", "n_intervals"),
    prevent_initial_call=True,
)
def refresh_rankings(_tick: int, options: dict, state: dict, page_tick: object):  # type: ignore[no-untyped-def]
    """New tables in place when the data or the day changed, on the page the page timer is at."""
    options = _checked(options)
    _unchanged_since(options, state)
    data = content(options, page_tick if type(page_tick) is int and 0 <= page_tick < 10**9 else 0)
    return data["agency_pages"], data["unit_pages"], data["alerts"], data["freshness"], data["state"]


# ?rotate=SECONDS: the next wall page, without reloading (its layout reads the same query string).
clientside_callback(
    """
    function(n, options) {
        if (!n || !options || !options.rotate) { return window.dash_clientside.no_update; }
        return options.pages[(options.pages.indexOf(options.page) + 1) % options.pages.length];
    }
    """,
    Output("wall-url", "pathname"),
    Input("wall-rotate", "n_intervals"),
    State("wall-options", "data"),
    prevent_initial_call=True,
)


def register() -> None:
    dash.register_page(__name__, path="/wall", layout=overview_layout, title=page_title("wall"), name="wall")
    dash.register_page(
        __name__ + ".rankings",
        path="/wall/rankings",
        layout=rankings_layout,
        title=page_title("rankings"),
        name="rankings",
    )
