"""The explorer's view drawn: the summary line, the tiles, the map, the trend, the bars and the breakdown table."""

from __future__ import annotations

from datetime import date

import dash_mantine_components as dmc
from dash import Input, Output, Patch, callback, html

from ioc.errors import IOCError
from ioc.kpi.known import check_filters
from ioc.kpi.overview import trend_period
from ioc.kpi.query import Filters, cached_kpi_rows, change_rows
from ioc.kpi.registry import KPIS
from ioc.kpi.targets import effective_targets
from layouts import explore_bars, figures, lookups, theme, warehouse
from layouts.formatting import day
from layouts.grid import column
from layouts.i18n import error_text, t
from layouts.view import FILTERS, View, from_store


def _tile(key: str, row: dict, targets: dict, lang: str) -> html.Div:
    """A KPI of the selection with its traffic light and change; a click lists the dossiers behind it."""
    tile = figures.tile_figure(key, row, targets, lang)
    paper = dmc.Paper(
        [
            dmc.Text(figures.kpi_name(key, lang), size="sm", c="dimmed", lineClamp=2),
            dmc.Text(tile.value, fw=700, size="xl", className="explore-tile-value"),
            dmc.Text(tile.change, size="xs", c={"better": "green", "worse": "red"}.get(tile.direction, "dimmed")),
        ],
        withBorder=True,
        p="xs",
        style={"borderTop": f"5px solid {theme.LIGHTS[tile.light]}"},
    )
    return html.Div(paper, id={"type": "explore-tile", "kpi": key}, n_clicks=0, style={"cursor": "pointer"})


def _summary(view: View, first: date, last: date) -> str:
    names = lookups.names()
    lang = view.lang
    parts = [t(lang, "explore.showing", first=day(first), last=day(last))]
    labels = {
        "unit": names.units,
        "agency": names.of("agency", lang),
        "field": names.fields,
        "procedure": names.procedures,
    }
    for name in FILTERS:
        value = getattr(view, name)
        if value is not None:
            shown = labels.get(name, {}).get(str(value)) or (
                t(lang, f"{name.replace('applicant_type', 'applicant')}.{value}")
                if name in ("channel", "applicant_type")
                else str(value)
            )
            parts.append(f"{t(lang, f'filter.{name}')}: {shown}")
    return " · ".join(parts)


def view_rows(view: View) -> tuple[dict, list[dict], list[dict], list[dict], dict]:
    """The summary with its change, rows by unit (map), by month (trend) and by the breakdown, and targets."""
    today = lookups.today()
    period = view.period(today)
    filters = view.filters()
    with warehouse.engine().connect() as connection:
        check_filters(connection, filters)  # a stored view is client data: an unknown code is an error, not zeros
        summary = change_rows(connection, period, None, filters, view.compare_with(today))[0]
        by_unit = cached_kpi_rows(connection, period, "unit", filters)
        months = cached_kpi_rows(connection, trend_period(period.last_day), "month", _whole_month_safe(filters))
        rows = cached_kpi_rows(connection, period, view.by, filters)
        targets = effective_targets(connection)
    return summary, by_unit, months, rows, targets


def _whole_month_safe(filters: Filters) -> Filters:
    """The trend's last month may be partial; a procedure filter needs whole months, so the trend drops it."""
    return Filters(**{name: getattr(filters, name) for name in FILTERS if name != "procedure"})


#: What shows an empty selection: the message in place of the table, the table hidden and not paging.
EMPTY_OUTPUTS = (
    Output("explore-table-empty", "style"),
    Output("explore-table-box", "style"),
    Output("explore-table", "dashGridOptions"),
)


def _emptiness(empty: bool) -> tuple[dict, dict, Patch]:
    options = Patch()
    options["pagination"] = not empty
    return {"display": "block" if empty else "none"}, {"display": "none" if empty else "block"}, options


@callback(
    Output("explore-summary", "children"),
    Output("explore-error", "children"),
    Output("explore-error", "hide"),
    Output("explore-tiles", "children"),
    Output("explore-map", "figure"),
    Output("explore-trend", "figure"),
    Output("explore-bars", "figure"),
    Output("explore-table", "rowData"),
    Output("explore-table", "columnDefs"),
    *EMPTY_OUTPUTS,
    Input("explore-view", "data"),
)
def render(data: dict):  # type: ignore[no-untyped-def]
    """Every figure and table of the view; a selection no dossier matches says so in place of the trend, the bars
    and the table, and its table does not page."""
    view = from_store(data)
    lang = view.lang
    first, last = view.days(lookups.today())
    names = lookups.names()
    try:
        summary, by_unit, months, rows, targets = view_rows(view)
    except IOCError as error:
        blank = figures.empty(lang)
        shown = _summary(view, first, last), error_text(error, lang), False, [], blank, blank, blank, [], []
        return *shown, *_emptiness(False)
    if not rows:  # no dossier in the breakdown: none matches the selection
        nothing = figures.empty(lang, text=t(lang, "explore.no_match"))
        tiles = [_tile(key, summary, targets, lang) for key in figures.TILES]
        layer, _ = lookups.commune_layer()
        shaded = figures.choropleth(layer, by_unit, view.kpi, names.units, lang)
        return _summary(view, first, last), "", True, tiles, shaded, nothing, nothing, [], [], *_emptiness(True)
    layer, _ = lookups.commune_layer()
    key_names = names_for(view)
    table = [
        {
            "key": str(row[view.by]),
            "name": key_names.get(str(row[view.by]), str(row[view.by])),
            **{k.key: row[k.key] for k in KPIS},
            "id": str(row[view.by]),
        }
        for row in rows
    ]
    columns = [
        column("key", t(lang, "table.code"), pinned="left", maxWidth=140),
        column("name", t(lang, f"by.{view.by}"), pinned="left", minWidth=200),
    ] + [column(k.key, figures.kpi_name(k.key, lang), digits=2 if k.is_rate else 0, width=130) for k in KPIS]
    return (
        _summary(view, first, last),
        "",
        True,
        [_tile(key, summary, targets, lang) for key in figures.TILES],
        figures.choropleth(layer, by_unit, view.kpi, names.units, lang),
        figures.trend(months, lang) if months else figures.empty(lang),
        explore_bars.bars_figure(rows, view.by, view.kpi, key_names, lang, names.province_code)
        if rows
        else figures.empty(lang),
        table,
        columns,
        *_emptiness(False),
    )


def names_for(view: View) -> dict[str, str]:
    if view.by == "channel":
        return {str(c): t(view.lang, f"channel.{c}") for c in lookups.CHANNELS}
    return lookups.names().of(view.by, view.lang)
