"""The wall's "Chính quyền số" page (``/wall/digital``): the "4 không" of e-government — paperless documents, meetings
without travel, procedures without contact, cashless payment — and citizen feedback handled on time, each as a large
tile with its latest month, its target and light ("chưa đặt" until an admin sets one) and its 12-month trend.

Every indicator is read through :func:`ioc.indicators.query.value_rows`, so the dossier KPIs (online rate, online
payment) and the collected indicators are drawn alike. What it reads is kept in memory per data version and day, like
the rest of the wall, and a refresh sends nothing while neither changed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import dash
from dash import Input, Output, State, callback, dcc, html
from sqlalchemy import Connection

from ioc.indicators.cached import cached_value_rows
from ioc.indicators.model import Indicator
from ioc.indicators.registry import registered
from ioc.kpi.periods import Period, add_months
from ioc.kpi.registry import Target
from ioc.kpi.targets import target_settings
from ioc.warehouse.aggregates import data_version
from layouts import figures, lookups, wall, warehouse
from layouts import indicator_figures as shown
from layouts.formatting import moment, signed
from layouts.i18n import t
from layouts.page_title import page_title

PATH = "/wall/digital"
#: The tiles, in order: (pillar, indicator code).
TILES = (
    ("documents", "docs_sent_electronic"),
    ("meetings", "meetings_online"),
    ("procedures", "online_rate"),
    ("payments", "cashless_rate"),
    ("payments", "online_payment_rate"),
    ("feedback", "feedback_on_time"),
)
TREND_MONTHS = 12
CACHE_SIZE = 32


@dataclass(frozen=True)
class TileData:
    """One tile's figures: the indicator, its months (``YYYY-MM`` → value), the latest month with a value, the change
    from the month before it, and the target (None: not set)."""

    pillar: str
    indicator: Indicator
    months: list[dict]
    latest: dict | None
    change: float | None
    target: Target | None


_cache: OrderedDict[tuple, list[tuple[str, Indicator, list[dict]]]] = OrderedDict()
_cache_lock = threading.Lock()


def trend_months(as_of: date) -> Period:
    """The 12 whole months ending with the month of ``as_of`` (monthly reports are read as months)."""
    month = as_of.replace(day=1)
    last = date.fromordinal(add_months(month, 1).toordinal() - 1)
    return Period.inclusive(add_months(month, 1 - TREND_MONTHS), last)


def _months(connection: Connection, as_of: date) -> list[tuple[str, Indicator, list[dict]]]:
    """Each tile's indicator and its rows by month."""
    indicators = registered(connection)
    period = trend_months(as_of)
    return [
        (
            pillar,
            indicators[code],
            shown.every_month(cached_value_rows(connection, code, period, "month"), period.start, period.last_day),
        )
        for pillar, code in TILES
        if code in indicators  # a registry without it (never in a warehouse ``ioc init`` made): no tile
    ]


def tile_data(as_of: date) -> tuple[list[TileData], int, object]:
    """The tiles' figures for the day, the data version and when it changed. The values are read from memory while
    the data version holds; the targets are read each time (setting one does not change the data)."""
    engine = warehouse.engine()
    with engine.connect() as connection:
        version, updated_at = data_version(connection)
        key = (engine.url.render_as_string(hide_password=True), version, as_of)
        with _cache_lock:
            months = _cache.get(key)
        if months is None:
            months = _months(connection, as_of)
            with _cache_lock:
                _cache[key] = months
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
        targets = target_settings(connection)
    tiles = []
    for pillar, indicator, rows in months:
        valued = [row for row in rows if row["value"] is not None]
        latest = valued[-1] if valued else None
        before = valued[-2] if len(valued) > 1 else None
        change = None if latest is None or before is None else latest["value"] - before["value"]
        setting = targets.get(indicator.code)
        tiles.append(TileData(pillar, indicator, rows, latest, change, setting.target if setting else None))
    return tiles, version, updated_at


def _tile(data: TileData, lang: str) -> html.Div:
    indicator = data.indicator
    value = data.latest["value"] if data.latest else None
    light = shown.light(indicator, value, data.target)
    if data.change is None:
        change, direction = t(lang, "wall.no_comparison"), "flat"
    else:
        points = t(lang, "points") if indicator.is_ratio else ""
        change = f"{signed(data.change, lang, 2 if indicator.is_ratio else 0)}{points}"
        better = (data.change > 0) == indicator.higher_is_better
        direction = "flat" if data.change == 0 else "better" if better else "worse"
    month = shown.month_label(data.latest["month"]) if data.latest else ""
    graph = {"config": figures.WALL_GRAPH_CONFIG, "style": {"height": "100%", "width": "100%"}, "responsive": True}
    trend = (
        shown.trend(data.months, indicator, lang, dark=True, scale=wall.WALL_FONT_SCALE, target=data.target)
        if data.latest
        else figures.empty(lang, dark=True)
    )
    return html.Div(
        className=f"tile digital-tile light-{light or 'none'}",
        id={"type": "wall-digital-tile", "indicator": indicator.code},
        children=[
            html.Div(t(lang, f"indicator.pillar.{data.pillar}"), className="digital-pillar"),
            html.Div(shown.name(indicator, lang), className="tile-label"),
            html.Div(
                [
                    html.Span(shown.value_text(indicator, value, lang), className="tile-value"),
                    html.Span(
                        t(lang, "wall.digital.month", month=month) if month else t(lang, "no_data"),
                        className="digital-month",
                    ),
                ],
                className="digital-figure",
            ),
            html.Div(
                [
                    html.Span(change, className=f"tile-change {direction}"),
                    html.Span(t(lang, "wall.digital.vs_month_before"), className="tile-muted")
                    if data.change is not None
                    else None,
                ]
            ),
            html.Div(
                shown.target_text(indicator, data.target, lang),
                className="digital-target" + (" digital-target-unset" if data.target is None else ""),
            ),
            dcc.Graph(figure=trend, className="digital-trend", **graph),
        ],
    )


def content(options: dict) -> dict:
    """Everything the page shows, by element."""
    lang = options["lang"]
    replayed = wall.replay(options["date"])
    as_of = replayed.day
    tiles, version, updated_at = tile_data(as_of)
    period = trend_months(as_of)
    return {
        "tiles": [_tile(data, lang) for data in tiles],
        "period": wall.dated(
            t(lang, "wall.digital.period", first=f"{period.start:%m/%Y}", last=f"{as_of:%m/%Y}"), replayed, lang
        ),
        "freshness": t(lang, "wall.updated", at=moment(updated_at)),  # type: ignore[arg-type]
        "state": wall._state(version, as_of),
        "province": lookups.names().province,
    }


def layout(**params: object) -> html.Div:
    options = wall._options(params)
    data = content(options)
    lang = options["lang"]
    header = wall.header(
        t(lang, "wall.digital.title"), data["province"], "wall-digital", data["period"], data["freshness"]
    )
    return html.Div(
        className="wall wall-digital",
        id="wall",
        children=[
            header,
            html.Div(data["tiles"], id="wall-digital-tiles", className="digital-tiles"),
            *wall.rotation(options, PATH),
            dcc.Store(id="wall-digital-state", data=data["state"]),
            dcc.Interval(id="wall-digital-tick", interval=wall.REFRESH_SECONDS * 1000),
        ],
    )


@callback(
    Output("wall-digital-tiles", "children"),
    Output("wall-digital-freshness", "children"),
    Output("wall-digital-period", "children"),
    Output("wall-digital-state", "data"),
    Input("wall-digital-tick", "n_intervals"),
    State("wall-options", "data"),
    State("wall-digital-state", "data"),
    prevent_initial_call=True,
)
def refresh(_tick: int, options: object, state: object):  # type: ignore[no-untyped-def]
    """New tiles when the data or the day changed; nothing is sent otherwise."""
    checked = wall._checked(options)
    wall._unchanged_since(checked, state if isinstance(state, dict) else {})
    data = content(checked)
    return data["tiles"], data["freshness"], data["period"], data["state"]


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("wall-digital"), name="wall-digital")
