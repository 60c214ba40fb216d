"""The wall's data-health page (``/wall/health``): a row per source with its overall light and its four checks —
live (freshness), complete, clean (quarantine rate), correct (overlap) — each a light and a figure, worst first,
dark and large enough to read from 5 m. Collector names and unit names only: no personal data. It refreshes itself
when the data version or the :data:`layouts.health_view.SLOT_MINUTES` slot changed, and sends nothing otherwise.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from ioc.health import SourceHealth
from ioc.indicators.model import Indicator
from ioc.warehouse.aggregates import data_version
from layouts import health_view, lookups, wall, warehouse
from layouts.formatting import moment
from layouts.i18n import t
from layouts.page_title import page_title

PATH = "/wall/health"


def _row(source: SourceHealth, lang: str, indicators: dict[str, Indicator]) -> html.Tr:
    shown = health_view.cells(source, lang, indicators)
    return html.Tr(
        [
            html.Td(source.collector, className="health-source"),
            html.Td(health_view.light(source.light, lang), className="health-overall"),
            *(
                html.Td(
                    [
                        html.Div([health_view.light(shown[check].light, lang)], className="health-cell-light"),
                        html.Div(shown[check].figure, className="health-figure"),
                        html.Div(shown[check].detail, className="health-detail"),
                    ],
                    className=f"health-cell health-{check}",
                )
                for check in health_view.CHECKS
            ),
        ],
        id={"type": "wall-health-row", "collector": source.collector},
        className=f"health-row light-{source.light}",
    )


def table(reading: health_view.Reading, lang: str) -> html.Table | html.Div:
    sources = reading.sources
    if not sources:
        return html.Div(t(lang, "health.none"), className="health-empty")
    header = html.Tr(
        [
            html.Th(t(lang, "health.column.source")),
            html.Th(t(lang, "health.column.overall")),
            *(html.Th(t(lang, f"health.column.{check}")) for check in health_view.CHECKS),
        ]
    )
    return html.Table(
        [html.Thead(header), html.Tbody([_row(source, lang, reading.indicators) for source in sources])],
        className="health-table",
    )


def deliveries(lang: str) -> html.Div | None:
    """The alert deliveries in trouble, by rule and channel with their counts (no error text: it may name a person's
    address); None when there are none."""
    found = health_view.deliveries()
    if not found:
        return None
    rows = []
    for trouble in found:
        what, counts, since = health_view.delivery_cells(trouble, lang)
        light = "red" if trouble.failed else "amber"
        rows.append(
            html.Tr(
                [
                    html.Td(what, className="health-source"),
                    html.Td(health_view.light(light, lang), className="health-overall"),
                    html.Td([html.Div(counts, className="health-figure"), html.Div(since, className="health-detail")]),
                ],
                className=f"health-row light-{light}",
            )
        )
    return html.Div(
        [
            html.Div(t(lang, "health.delivery.title"), className="wall-subtitle"),
            html.Table(html.Tbody(rows), className="health-table", id="wall-health-deliveries"),
        ]
    )


def _state(version: int) -> dict:
    """What the page on screen was drawn from: the data version and the time slot."""
    return {"version": version, "slot": health_view.current_slot()}


def content(options: dict) -> dict:
    """Everything the page shows, by element."""
    lang = options["lang"]
    reading = health_view.read()
    return {
        "table": html.Div([table(reading, lang), deliveries(lang)]),
        "summary": health_view.summary(reading.sources, lang),
        "freshness": t(lang, "wall.updated", at=moment(reading.updated_at)),
        "state": _state(reading.version),
        "province": lookups.names().province,
    }


def layout(**params: object) -> html.Div:
    options = wall._options(params)
    data = content(options)
    lang = options["lang"]
    header = html.Div(
        className="wall-header",
        children=[
            html.Div(
                [
                    html.Div(t(lang, "health.title"), className="wall-title"),
                    html.Div(f"{data['province']} · {t(lang, 'health.subtitle')}", className="wall-subtitle"),
                ]
            ),
            html.Div(data["summary"], id="wall-health-summary", className="wall-period"),
            html.Div(data["freshness"], id="wall-health-freshness", className="wall-freshness"),
        ],
    )
    return html.Div(
        className="wall wall-health",
        id="wall",
        children=[
            header,
            html.Div(data["table"], id="wall-health-table", className="panel health-panel"),
            *wall.rotation(options, PATH),
            dcc.Store(id="wall-health-state", data=data["state"]),
            dcc.Interval(id="wall-health-tick", interval=wall.REFRESH_SECONDS * 1000),
        ],
    )


@callback(
    Output("wall-health-table", "children"),
    Output("wall-health-summary", "children"),
    Output("wall-health-freshness", "children"),
    Output("wall-health-state", "data"),
    Input("wall-health-tick", "n_intervals"),
    State("wall-options", "data"),
    State("wall-health-state", "data"),
    prevent_initial_call=True,
)
def refresh(_tick: int, options: object, state: object):  # type: ignore[no-untyped-def]
    """A new table when the data version or the time slot changed; nothing is sent otherwise."""
    checked = wall._checked(options)
    with warehouse.engine().connect() as connection:
        version, _ = data_version(connection)
    if _state(version) == state:
        raise PreventUpdate
    data = content(checked)
    return data["table"], data["summary"], data["freshness"], data["state"]


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("wall-health"), name="wall-health")
