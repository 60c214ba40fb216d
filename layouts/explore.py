"""The explorer (``/explore``) for analysts: filter, cross-filter (a commune on the map, a bar, a month), break down,
drill down to the dossiers behind a number, export any table; the whole view lives in the URL."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, ctx, dash_table, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ioc.errors import IOCError
from ioc.export import csv_bytes, xlsx_bytes
from ioc.kpi.drill import DRILL_SETS, dossier_page
from ioc.kpi.known import check_filters, unknown_filters
from ioc.kpi.overview import trend_period
from ioc.kpi.query import Filters, cached_kpi_rows, change_rows
from ioc.kpi.registry import KPI_BY_KEY, KPIS
from ioc.kpi.targets import effective_targets
from ioc.records import STATUSES
from layouts import explore_bars, explore_index, explore_indicator, explore_input, figures, lookups, theme, warehouse
from layouts.access import is_admin
from layouts.chrome import frame
from layouts.formatting import day, moment, number
from layouts.i18n import t
from layouts.theme import FONT
from layouts.view import BREAKDOWNS, FILTERS, PRESETS, View, from_store, parse, stored

DRILL_PAGE = 25
#: The most dossiers one drill-down export holds.
EXPORT_LIMIT = 500
DRILL_COLUMNS = (
    "source_key",
    "procedure_code",
    "procedure_name",
    "agency_code",
    "agency_name",
    "unit_code",
    "unit_name",
    "channel",
    "applicant_name",
    "received_at",
    "due_at",
    "finished_at",
    "status",
    "timeliness",
)


def _options(lang: str) -> dict[str, list[dict]]:
    names = lookups.names()
    units = [{"value": names.province_code, "label": t(lang, "explore.province_level", name=names.province)}] + [
        {"value": code, "label": name} for code, name in names.units.items() if code != names.province_code
    ]
    agencies = [
        {"value": code, "label": name}
        for code, name in sorted(names.of("agency", lang).items(), key=lambda item: item[1])
    ]
    return {
        "unit": units,
        "agency": agencies,
        "field": [{"value": c, "label": n} for c, n in sorted(names.fields.items(), key=lambda item: item[1])],
        "procedure": [
            {"value": c, "label": f"{n} ({c})"} for c, n in sorted(names.procedures.items(), key=lambda item: item[1])
        ],
        "channel": [{"value": str(c), "label": t(lang, f"channel.{c}")} for c in lookups.CHANNELS],
        "applicant_type": [{"value": str(c), "label": t(lang, f"applicant.{c}")} for c in lookups.APPLICANT_TYPES],
    }


def _known(view: View, params: dict) -> tuple[View, list[str]]:
    """The view without the filters its URL asked for but cannot have (a code the warehouse does not know, or a value
    no filter takes), and those filters as ``label value`` for the notice."""
    with warehouse.engine().connect() as connection:
        unknown = {error.parameter for error in unknown_filters(connection, view.filters())}
    dropped = [
        name
        for name in FILTERS
        if name in unknown or (getattr(view, name) is None and params.get(name) not in (None, ""))
    ]
    shown = [f"{t(view.lang, f'filter.{name}')} '{str(params.get(name))[:40]}'" for name in dropped]
    return view.with_values(**dict.fromkeys(dropped)), shown


def layout(**params: object) -> dmc.AppShell:
    view, dropped = _known(parse(params), params)
    lang = view.lang
    first, last = view.days(lookups.today())
    options = _options(lang)

    def select(name: str, value: object) -> dmc.Select:
        return dmc.Select(
            id=f"explore-filter-{name}",
            label=t(lang, f"filter.{name}"),
            data=options[name],
            value=None if value is None else str(value),
            clearable=True,
            searchable=True,
            placeholder=t(lang, "filter.all"),
            w=220 if name != "procedure" else 320,
        )

    filters = dmc.Group(
        [
            dmc.Select(
                id="explore-filter-preset",
                label=t(lang, "filter.period"),
                value=view.preset,
                w=180,
                data=[{"value": p, "label": t(lang, f"preset.{p}")} for p in PRESETS],
            ),
            dmc.DatePickerInput(
                id="explore-filter-dates",
                label=t(lang, "filter.range"),
                type="range",
                value=[first.isoformat(), last.isoformat()],
                valueFormat="DD/MM/YYYY",
                w=240,
            ),
            *[select(name, getattr(view, name)) for name in FILTERS],
            dmc.Button(t(lang, "filter.clear"), id="explore-filter-clear", variant="light", color="red"),
        ],
        align="flex-end",
        gap="sm",
    )
    graph = {"config": figures.GRAPH_CONFIG | {"locale": lang}}
    body = dmc.Stack(
        [
            filters,
            dmc.Text(id="explore-summary", size="sm", c="dimmed"),
            dmc.Alert(
                t(lang, "explore.unknown_codes", codes=", ".join(dropped)) if dropped else "",
                id="explore-notice",
                color="yellow",
                hide=not dropped,
                withCloseButton=True,
                title=t(lang, "explore.unknown_title"),
            ),
            dmc.Alert(id="explore-error", color="orange", hide=True, title=t(lang, "explore.cannot")),
            dmc.SimpleGrid(id="explore-tiles", cols={"base": 2, "sm": 4, "lg": 7}, spacing="sm"),
            dmc.Grid(
                [
                    dmc.GridCol(_graph_panel(t(lang, hint), graph_id, graph), span={"base": 12, "md": 6})
                    for hint, graph_id in (("explore.map_hint", "explore-map"), ("explore.trend_hint", "explore-trend"))
                ]
            ),
            dmc.Paper(
                [
                    dmc.Group(
                        [
                            dmc.SegmentedControl(
                                id="explore-by",
                                value=view.by,
                                data=[{"value": b, "label": t(lang, f"by.{b}")} for b in BREAKDOWNS],
                            ),
                            dmc.Select(
                                id="explore-kpi",
                                value=view.kpi,
                                w=280,
                                allowDeselect=False,
                                data=[{"value": k.key, "label": figures.kpi_name(k.key, lang)} for k in KPIS],
                            ),
                        ],
                        justify="space-between",
                    ),
                    dmc.Text(t(lang, "explore.bars_hint"), size="sm", c="dimmed"),
                    explore_bars.bars_graph("explore-bars", graph),
                ],
                withBorder=True,
                p="sm",
            ),
            dmc.Paper(
                [
                    dmc.Group(
                        [dmc.Title(t(lang, "explore.table_title"), order=4), _export_buttons("table")],
                        justify="space-between",
                    ),
                    dmc.Text(t(lang, "explore.table_hint"), size="sm", c="dimmed"),
                    dash_table.DataTable(
                        id="explore-table",
                        sort_action="native",
                        page_size=20,
                        style_table={"overflowX": "auto"},
                        **_table_style(lang),
                    ),
                ],
                withBorder=True,
                p="sm",
            ),
            dmc.Paper(
                [
                    dmc.Group(
                        [
                            dmc.Title(id="explore-drill-title", order=4, children=t(lang, "drill.title_empty")),
                            _export_buttons("drill"),
                        ],
                        justify="space-between",
                    ),
                    dash_table.DataTable(
                        id="explore-drill-table",
                        page_action="custom",
                        page_current=0,
                        page_size=DRILL_PAGE,
                        page_count=0,
                        style_table={"overflowX": "auto"},
                        **_table_style(lang),
                    ),
                ],
                withBorder=True,
                p="sm",
            ),
            explore_indicator.panel(view, lang, graph),
            explore_index.panel(lang),
            dcc.Location(id="explore-url", refresh=False),
            dcc.Store(id="explore-view", data=_stored(view)),
            dcc.Store(id="explore-drill-target"),
            dcc.Download(id="explore-download"),
        ],
        gap="md",
    )
    return frame(lang, "/explore", [dmc.DatesProvider(body, settings={"locale": lang, "firstDayOfWeek": 1})])


def _graph_panel(hint: str, graph_id: str, graph: dict) -> dmc.Paper:
    """A graph under a line saying what a click on it does."""
    return dmc.Paper(
        [dmc.Text(hint, size="sm", c="dimmed"), dcc.Graph(id=graph_id, style={"height": "460px"}, **graph)],
        withBorder=True,
        p="sm",
    )


def _export_buttons(table: str) -> dmc.Group:
    return dmc.Group(
        [
            dmc.Button(
                label, id={"type": "explore-export", "table": table, "format": fmt}, size="xs", variant="default"
            )
            for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX"))
        ],
        gap="xs",
    )


def _table_style(lang: str) -> dict:
    return {
        "locale_format": {"decimal": "," if lang == "vi" else ".", "group": "." if lang == "vi" else ","},
        "style_cell": {
            "fontFamily": FONT,
            "fontSize": 14,
            "padding": "4px 8px",
            "maxWidth": 360,
            "overflow": "hidden",
            "textOverflow": "ellipsis",
        },
        "style_header": {"fontWeight": 600, "whiteSpace": "normal", "height": "auto"},
        "style_cell_conditional": [
            {"if": {"column_id": c}, "textAlign": "left"} for c in ("key", "name", *DRILL_COLUMNS)
        ],
        "style_data_conditional": [
            {"if": {"state": "active"}, "backgroundColor": "#e7f5ff", "border": "1px solid #228be6"}
        ],
    }


def _stored(view: View) -> dict:
    return stored(view)


def _view(data: object) -> View:
    return from_store(data)


@callback(
    Output("explore-filter-preset", "value"),
    Output("explore-filter-dates", "value"),
    Output("explore-filter-unit", "value"),
    Output("explore-filter-agency", "value"),
    Output("explore-filter-field", "value"),
    Output("explore-filter-procedure", "value"),
    Output("explore-filter-channel", "value"),
    Output("explore-filter-applicant_type", "value"),
    Input("explore-filter-preset", "value"),
    Input("explore-filter-dates", "value"),
    Input("explore-map", "clickData"),
    Input("explore-bars", "clickData"),
    Input("explore-trend", "clickData"),
    Input("explore-filter-clear", "n_clicks"),
    State("explore-by", "value"),
    prevent_initial_call=True,
)
def cross_filter(preset, dates, map_click, bar_click, trend_click, _clear, by):  # type: ignore[no-untyped-def]
    """A preset sets the dates, new dates make the range custom; a click on the map, a bar or a month filters by it;
    clear returns to this month and no filter."""
    unchanged = [no_update] * 8
    trigger = ctx.triggered_id
    if trigger == "explore-filter-clear":
        first, last = View().days(lookups.today())
        return "month", [first.isoformat(), last.isoformat()], None, None, None, None, None, None
    if trigger == "explore-filter-preset":
        if preset == "custom" or not isinstance(preset, str) or preset not in PRESETS:
            raise PreventUpdate
        first, last = View(preset=preset).days(lookups.today())
        return [no_update, [first.isoformat(), last.isoformat()], *unchanged[2:]]
    if trigger == "explore-filter-dates":
        if not isinstance(dates, list) or len(dates) != 2 or not all(dates):
            raise PreventUpdate
        view_first, view_last = View(preset=preset).days(lookups.today())
        if preset != "custom" and dates == [view_first.isoformat(), view_last.isoformat()]:
            raise PreventUpdate
        return ["custom", *unchanged[1:]]
    # A click names a commune, a bar's key or a month; one that names nothing (client data) changes nothing.
    if trigger == "explore-map" and (unit := explore_input.code(explore_input.point(map_click, "location"))):
        result = list(unchanged)
        result[2] = unit
        return result
    key = explore_input.code(explore_input.point(bar_click, "customdata"))
    if trigger == "explore-bars" and key and isinstance(by, str) and by in FILTERS:
        result = list(unchanged)
        result[2 + FILTERS.index(by)] = key
        return result
    if trigger == "explore-trend" and (month := explore_input.month(explore_input.point(trend_click, "x"))):
        return ["custom", [month.start.isoformat(), month.last_day.isoformat()], *unchanged[2:]]
    raise PreventUpdate


@callback(
    Output("explore-view", "data"),
    Output("explore-url", "search"),
    Input("explore-filter-preset", "value"),
    Input("explore-filter-dates", "value"),
    *[Input(f"explore-filter-{name}", "value") for name in FILTERS],
    Input("explore-by", "value"),
    Input("explore-kpi", "value"),
    Input("explore-indicator-code", "value"),
    Input("explore-indicator-by", "value"),
    State("explore-view", "data"),
    prevent_initial_call=True,
)
def choose_view(preset, dates, *values):  # type: ignore[no-untyped-def]
    """The controls, checked, as the view; the URL follows it (no reload), so reload and share give the same view."""
    *filters, by, kpi, indicator, indicator_by, before = values
    before = before if isinstance(before, dict) else {}
    first, last = dates if preset == "custom" and isinstance(dates, list) and len(dates) == 2 else (None, None)
    chosen = {"by": by, "kpi": kpi, "indicator": indicator, "indicator_by": indicator_by}
    view = parse(
        dict(zip(FILTERS, filters, strict=True))
        | {"lang": before.get("lang"), "preset": preset, "from": first, "to": last, **chosen}
    )
    data = _stored(view)
    if data == before:
        raise PreventUpdate
    return data, view.query() or "?"


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


def _rows(view: View) -> tuple[dict, list[dict], list[dict], list[dict], dict]:
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


@callback(
    Output("explore-summary", "children"),
    Output("explore-error", "children"),
    Output("explore-error", "hide"),
    Output("explore-tiles", "children"),
    Output("explore-map", "figure"),
    Output("explore-trend", "figure"),
    Output("explore-bars", "figure"),
    Output("explore-table", "data"),
    Output("explore-table", "columns"),
    Input("explore-view", "data"),
)
def render(data: dict):  # type: ignore[no-untyped-def]
    """Every figure and table of the view."""
    view = _view(data)
    lang = view.lang
    first, last = view.days(lookups.today())
    names = lookups.names()
    try:
        summary, by_unit, months, rows, targets = _rows(view)
    except IOCError as error:
        blank = figures.empty(lang)
        return _summary(view, first, last), str(error), False, [], blank, blank, blank, [], []
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
    columns = [{"name": t(lang, "table.code"), "id": "key"}, {"name": t(lang, f"by.{view.by}"), "id": "name"}] + [
        {
            "name": figures.kpi_name(k.key, lang),
            "id": k.key,
            "type": "numeric",
            "format": {"specifier": ",.2f" if k.is_rate else ",d"},
        }
        for k in KPIS
    ]
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
    )


@callback(
    Output("explore-drill-target", "data"),
    Output("explore-drill-table", "page_current"),
    Input("explore-table", "active_cell"),
    Input({"type": "explore-tile", "kpi": dash.ALL}, "n_clicks"),
    Input("explore-view", "data"),
    prevent_initial_call=True,
)
def choose_drill(cell, tile_clicks, data):  # type: ignore[no-untyped-def]
    """A table cell names a key and a measure, a tile a measure of the whole selection: the dossiers behind that
    number (a rate lists the dossiers it is a share of). A new view clears the choice."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict):
        if not isinstance(tile_clicks, list) or not any(tile_clicks):
            raise PreventUpdate  # new tiles were drawn, nobody clicked
        kpi = trigger.get("kpi")
        measure = DRILL_SETS.get(kpi, "received") if isinstance(kpi, str) else "received"
        return {"key": None, "measure": measure, "by": None}, 0
    chosen = explore_input.table_cell(cell)
    if trigger == "explore-view" or chosen is None:
        return None, 0
    row_id, column_id = chosen
    return {"key": row_id, "measure": DRILL_SETS.get(column_id, "received"), "by": _view(data).by}, 0


@callback(
    Output("explore-drill-title", "children"),
    Output("explore-drill-table", "data"),
    Output("explore-drill-table", "columns"),
    Output("explore-drill-table", "page_count"),
    Input("explore-drill-target", "data"),
    Input("explore-drill-table", "page_current"),
    State("explore-view", "data"),
)
def drill(target, page, data):  # type: ignore[no-untyped-def]
    """One page of the dossiers behind the chosen number; applicants' names masked, except for admins."""
    view = _view(data)
    lang = view.lang
    target = explore_input.drill_target(target)
    if not target:
        return t(lang, "drill.title_empty"), [], [], 0
    try:
        result, label = _drill_page(view, target, explore_input.page_number(page) * DRILL_PAGE, DRILL_PAGE)
    except IOCError as error:
        return f"{t(lang, 'explore.cannot')}: {error}", [], [], 0
    columns = [{"name": t(lang, f"drill.{c}"), "id": c} for c in DRILL_COLUMNS]
    title = t(
        lang,
        "drill.title",
        measure=figures.kpi_name(target["measure"], lang)
        if target["measure"] in KPI_BY_KEY
        else t(lang, f"drill.measure.{target['measure']}"),
        key=label,
        total=number(result.total, lang),
    )
    return title, [_drill_row(row, lang) for row in result.rows], columns, max(1, math.ceil(result.total / DRILL_PAGE))


def _drill_page(view: View, target: dict, offset: int, limit: int):  # type: ignore[no-untyped-def]
    by, key = target["by"], target["key"]
    filters = view.filters()
    if by is not None:
        filters = replace(filters, **{by: int(key) if by == "channel" else key})
    with warehouse.engine().connect() as connection:
        check_filters(connection, filters)
        period = view.period(lookups.today())
        masked = not is_admin()
        result = dossier_page(connection, period, target["measure"], filters, offset, limit, mask_names=masked)
    if by is None:
        return result, t(view.lang, "drill.selection")
    return result, names_for(view.with_values(by=by)).get(str(key), str(key))


def _drill_row(row: dict, lang: str, file: bool = False) -> dict:
    """A dossier as the drill-down shows it: names beside the codes (a code the reference tables do not name stands
    for its name), labels for channel, status and timeliness; times as text on screen, as themselves in a file."""
    shown = dict(row)
    if not file:
        for column in ("received_at", "due_at", "finished_at"):
            shown[column] = moment(row.get(column)) if row.get(column) else ""
    english = row.get("agency_name_en") if lang == "en" else None
    shown["agency_name"] = english or row.get("agency_name") or row.get("agency_code")
    shown["unit_name"] = row.get("unit_name") or row.get("unit_code")
    shown["procedure_name"] = row.get("procedure_name") or row.get("procedure_code")
    shown["channel"] = t(lang, f"channel.{row['channel']}") if row.get("channel") in lookups.CHANNELS else ""
    shown["status"] = t(lang, f"status.{row['status']}") if row.get("status") in STATUSES else row.get("status")
    shown["timeliness"] = t(lang, f"timeliness.{row['timeliness']}") if row.get("timeliness") else ""
    return {c: shown.get(c) for c in DRILL_COLUMNS}


@callback(
    Output("explore-download", "data"),
    Input({"type": "explore-export", "table": dash.ALL, "format": dash.ALL}, "n_clicks"),
    State("explore-view", "data"),
    State("explore-drill-target", "data"),
    prevent_initial_call=True,
)
def export(clicks, data, target):  # type: ignore[no-untyped-def]
    """The table (or every dossier of the drill-down, up to its limit) as CSV or XLSX, recomputed on the server."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not isinstance(clicks, list) or not any(clicks):
        raise PreventUpdate
    table, fmt = trigger.get("table"), trigger.get("format")
    if not isinstance(table, str) or fmt not in ("csv", "xlsx"):
        raise PreventUpdate
    table = "drill" if table == "drill" else "table"  # the button's id is client data: never put it in a file name
    view = _view(data)
    try:
        rows, headers = _export_rows(view, table, explore_input.drill_target(target))
    except IOCError as error:  # the page says why (the figures' own message), and nothing downloads
        dash.set_props("explore-error", {"children": str(error), "hide": False})
        return no_update
    stem = f"ioc-{table}-{view.by}-{view.days(lookups.today())[0]:%Y%m%d}"
    if fmt == "xlsx":
        rates = [k.key for k in KPIS if k.is_rate] if table == "table" else []
        return dcc.send_bytes(xlsx_bytes(rows, sheet="IOC", headers=headers, percent=rates), f"{stem}.xlsx")
    named = [{headers[k]: v for k, v in row.items()} for row in rows]
    return dcc.send_bytes(csv_bytes(named), f"{stem}.csv", type="text/csv")


def _export_rows(view: View, table: str, target: dict | None) -> tuple[list[dict], dict[str, str]]:
    """The rows and column headers of an export: every dossier of the drill-down (up to its limit), or the table."""
    lang = view.lang
    if table == "drill":
        if not target:
            raise PreventUpdate
        result, _ = _drill_page(view, target, 0, EXPORT_LIMIT)
        rows = [_drill_row(row, lang, file=True) for row in result.rows]
        headers = {c: t(lang, f"drill.{c}") for c in DRILL_COLUMNS}
    else:
        _, _, _, breakdown, _ = _rows(view)
        key_names = names_for(view)
        rows = [
            {
                "key": str(r[view.by]),
                "name": key_names.get(str(r[view.by]), str(r[view.by])),
                **{k.key: r[k.key] for k in KPIS},
            }
            for r in breakdown
        ]
        headers = {"key": t(lang, "table.code"), "name": t(lang, f"by.{view.by}")} | {
            k.key: figures.kpi_name(k.key, lang) for k in KPIS
        }
    return rows, headers


def names_for(view: View) -> dict[str, str]:
    if view.by == "channel":
        return {str(c): t(view.lang, f"channel.{c}") for c in lookups.CHANNELS}
    return lookups.names().of(view.by, view.lang)


def register() -> None:
    dash.register_page(__name__, path="/explore", layout=layout, title="IOC — Phân tích", name="explore")
