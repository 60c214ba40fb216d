"""The admin overview's data-health table (``/admin``): the rows of ``/wall/health`` on a light page, each
collector's name leading to its run history and its quarantine figure to its rejected records."""

from __future__ import annotations

from urllib.parse import urlencode

import dash_mantine_components as dmc
from dash import html

from ioc.health import SourceHealth
from ioc.indicators.model import Indicator
from layouts import health_view
from layouts.i18n import t


def _link(path: str, collector: str, lang: str, text: str) -> dmc.Anchor:
    return dmc.Anchor(text, href=f"{path}?{urlencode({'collector': collector, 'lang': lang})}")


def _row(source: SourceHealth, lang: str, indicators: dict[str, Indicator]) -> html.Tr:
    shown = health_view.cells(source, lang, indicators)

    def cell(check: str, body: object = None) -> html.Td:
        return html.Td(
            [
                health_view.light(shown[check].light, lang),
                html.Div(body or shown[check].figure, className="health-figure"),
                html.Div(shown[check].detail, className="health-detail"),
            ],
            className=f"health-{check}",
        )

    quarantine = _link("/admin/quarantine", source.collector, lang, shown["quarantine"].figure)
    return html.Tr(
        [
            html.Td(_link("/admin/runs", source.collector, lang, source.collector), className="health-source"),
            html.Td(health_view.light(source.light, lang), className="health-overall"),
            cell("freshness"),
            cell("completeness"),
            cell("quarantine", quarantine),
            cell("overlap"),
        ],
        id={"type": "admin-health-row", "collector": source.collector},
    )


def deliveries_table(lang: str) -> list:
    """The alert deliveries failed or being retried in the last day, with the latest error (nothing when none)."""
    found = health_view.deliveries()
    if not found:
        return []
    rows = []
    for trouble in found:
        what, counts, since = health_view.delivery_cells(trouble, lang)
        light = "red" if trouble.failed else "amber"
        rows.append(
            html.Tr(
                [
                    html.Td(what),
                    html.Td([health_view.light(light, lang), html.Div(counts, className="health-figure")]),
                    html.Td([html.Div(trouble.last_error, className="health-figure"), html.Div(since)]),
                ],
                id={"type": "admin-health-delivery", "rule": trouble.rule, "channel": trouble.channel},
            )
        )
    header = html.Tr([html.Th(t(lang, f"health.delivery.column.{c}")) for c in ("rule", "state", "error")])
    return [
        dmc.Title(t(lang, "health.delivery.title"), order=4),
        dmc.Table([html.Thead(header), html.Tbody(rows)], id="admin-health-deliveries", withTableBorder=True, mb="lg"),
    ]


def health_table(lang: str) -> list:
    """The table's title, its summary and the table (or a line saying there is no source yet), then the alert
    deliveries in trouble."""
    reading = health_view.read()
    sources = reading.sources
    title = dmc.Title(t(lang, "health.title"), order=3)
    if not sources:
        return [title, dmc.Text(t(lang, "health.none"), c="dimmed", mb="md"), *deliveries_table(lang)]
    header = html.Tr(
        [
            html.Th(t(lang, "health.column.source")),
            html.Th(t(lang, "health.column.overall")),
            *(html.Th(t(lang, f"health.column.{check}")) for check in health_view.CHECKS),
        ]
    )
    body = html.Tbody([_row(source, lang, reading.indicators) for source in sources])
    return [
        title,
        dmc.Text(f"{t(lang, 'health.subtitle')} · {health_view.summary(sources, lang)}", c="dimmed"),
        dmc.Table([html.Thead(header), body], id="admin-health-table", striped=True, withTableBorder=True, mb="lg"),
        *deliveries_table(lang),
    ]
