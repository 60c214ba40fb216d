"""The explorer's indicator panel: any registered indicator (grouped by pillar, named in the reader's language) for the
view's period, commune and agency, broken down by unit, agency or month, on the map, as a 12-month trend, as a table,
and exported as CSV or XLSX. The choice lives in the URL with the rest of the view (:mod:`layouts.view`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dash_mantine_components as dmc
from dash import Input, Output, State, callback, ctx, dcc, no_update, set_props
from dash.exceptions import PreventUpdate

from ioc.errors import IOCError
from ioc.export import csv_bytes, xlsx_bytes
from ioc.indicators.cached import cached_value_rows
from ioc.indicators.model import Indicator
from ioc.indicators.registry import registered
from ioc.kpi.periods import Period, add_months
from ioc.kpi.registry import Target
from ioc.kpi.targets import target_settings
from layouts import figures, lookups, warehouse
from layouts import indicator_figures as shown
from layouts.formatting import day
from layouts.grid import column, grid
from layouts.i18n import error_text, t
from layouts.view import INDICATOR_BREAKDOWNS, View, from_store

#: The pillars in the order the picker groups them; an indicator of another pillar (or none) comes last.
PILLARS = ("documents", "meetings", "procedures", "payments", "feedback", "socioeconomic", "portal766")
TREND_MONTHS = 12


def picker_data(indicators: dict[str, Indicator], lang: str) -> list[dict]:
    """The picker's choices: every registered indicator, grouped by pillar, named in ``lang`` with its code."""
    groups: dict[str, list[dict]] = {}
    for code, indicator in indicators.items():
        pillar = indicator.pillar if indicator.pillar in PILLARS else "other"
        groups.setdefault(pillar, []).append({"value": code, "label": f"{shown.name(indicator, lang)} ({code})"})
    order = [*PILLARS, "other"]
    return [
        {"group": t(lang, f"indicator.pillar.{pillar}"), "items": groups[pillar]}
        for pillar in sorted(groups, key=order.index)
    ]


def panel(view: View, lang: str, graph: dict) -> dmc.Paper:
    """The panel's controls, figures and table; the figures are drawn by :func:`render`."""
    with warehouse.engine().connect() as connection:
        indicators = registered(connection)
    chosen = view.indicator if view.indicator in indicators else None
    return dmc.Paper(
        [
            dmc.Group(
                [
                    dmc.Title(t(lang, "indicator.panel_title"), order=4),
                    dmc.Group(
                        [
                            dmc.Button(label, id=f"explore-indicator-{fmt}", size="xs", variant="default")
                            for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX"))
                        ],
                        gap="xs",
                    ),
                ],
                justify="space-between",
            ),
            dmc.Group(
                [
                    dmc.Select(
                        id="explore-indicator-code",
                        label=t(lang, "indicator.choose"),
                        data=picker_data(indicators, lang),
                        value=chosen,
                        searchable=True,
                        nothingFoundMessage=t(lang, "select.nothing_found"),
                        clearable=True,
                        placeholder=t(lang, "indicator.choose_placeholder"),
                        w=460,
                        maxDropdownHeight=420,
                    ),
                    dmc.SegmentedControl(
                        id="explore-indicator-by",
                        value=view.indicator_by,
                        data=[{"value": b, "label": t(lang, f"indicator.by.{b}")} for b in INDICATOR_BREAKDOWNS],
                    ),
                ],
                align="flex-end",
            ),
            dmc.Text(id="explore-indicator-summary", size="sm"),
            dmc.Alert(id="explore-indicator-error", color="orange", hide=True, title=t(lang, "explore.cannot")),
            dmc.Grid(
                [
                    dmc.GridCol(dcc.Graph(id=graph_id, style={"height": "420px"}, **graph), span={"base": 12, "md": 6})
                    for graph_id in ("explore-indicator-map", "explore-indicator-trend")
                ]
            ),
            dcc.Graph(id="explore-indicator-bars", **graph),
            grid("explore-indicator-table", lang, row_ids=True),
            dcc.Download(id="explore-indicator-download"),
        ],
        withBorder=True,
        p="sm",
    )


@dataclass(frozen=True)
class Figures:
    """What the panel shows of one indicator for a view."""

    indicator: Indicator
    total: dict
    by_unit: list[dict]
    months: list[dict]
    rows: list[dict]
    target: Target | None


def _month_end(day_: date) -> date:
    return date.fromordinal(add_months(day_.replace(day=1), 1).toordinal() - 1)


def read(view: View, today: date) -> Figures | None:
    """The indicator's rows for the view (None when no indicator is chosen); a code the registry does not know, or a
    filter the warehouse does not know, is an IOCError."""
    if view.indicator is None:
        return None
    period = view.period(today)
    unit, agency = view.unit, view.agency
    with warehouse.engine().connect() as connection:
        indicators = registered(connection)
        if view.indicator not in indicators:
            raise IOCError(f"unknown indicator {view.indicator!r}; see `ioc indicator list`")
        code = view.indicator
        last = period.last_day
        months = Period.inclusive(add_months(last.replace(day=1), 1 - TREND_MONTHS), _month_end(last))
        total = cached_value_rows(connection, code, period, None, unit, agency)[0]
        by_unit = cached_value_rows(connection, code, period, "unit", None, agency)
        trend = shown.every_month(
            cached_value_rows(connection, code, months, "month", unit, agency), months.start, months.last_day
        )
        if view.indicator_by == "unit" and unit is None:
            rows = by_unit  # the map's rows are the breakdown's
        else:
            rows = cached_value_rows(connection, code, period, view.indicator_by, unit, agency)
        setting = target_settings(connection, "unit" if unit else "province", unit or "").get(code)
    return Figures(indicators[code], total, by_unit, trend, rows, setting.target if setting else None)


def _key_names(by: str, lang: str) -> dict[str, str]:
    if by == "month":
        return {}
    return lookups.names().of(by, lang)


def table(result: Figures, by: str, lang: str, file: bool = False) -> tuple[list[dict], dict[str, str]]:
    """The breakdown's rows as the table (text values) or a file (numbers) has them, and the column headers."""
    indicator = result.indicator
    names = _key_names(by, lang)
    headers = {"key": t(lang, "table.code"), "name": t(lang, f"indicator.by.{by}")}
    headers["value"] = f"{shown.name(indicator, lang)} ({indicator.unit})"
    if indicator.is_ratio:
        headers |= {"numerator": t(lang, "indicator.numerator"), "denominator": t(lang, "indicator.denominator")}
    rows = []
    for row in result.rows:
        key = str(row[by])
        item = {"key": key, "name": shown.month_label(key) if by == "month" else names.get(key, key)}
        item["value"] = row["value"] if file else shown.value_text(indicator, row["value"], lang)
        if indicator.is_ratio:
            item["numerator"], item["denominator"] = row["numerator"], row["denominator"]
        rows.append(item)
    return rows, headers


def summary(result: Figures, view: View, lang: str) -> str:
    """The indicator's value for the whole selection, its target or "chưa đặt", and the days read."""
    first, last = view.days(lookups.today())
    indicator = result.indicator
    parts = [
        f"{shown.name(indicator, lang)}: {shown.with_unit(indicator, result.total['value'], lang)}",
        shown.target_text(indicator, result.target, lang),
        t(lang, "explore.showing", first=day(first), last=day(last)),
    ]
    if result.total["value"] is None and indicator.origin != "dossier":
        parts.append(t(lang, "indicator.whole_periods"))
    return " · ".join(parts)


@callback(
    Output("explore-indicator-summary", "children"),
    Output("explore-indicator-error", "children"),
    Output("explore-indicator-error", "hide"),
    Output("explore-indicator-map", "figure"),
    Output("explore-indicator-trend", "figure"),
    Output("explore-indicator-bars", "figure"),
    Output("explore-indicator-table", "rowData"),
    Output("explore-indicator-table", "columnDefs"),
    Input("explore-view", "data"),
)
def render(data: object):  # type: ignore[no-untyped-def]
    """The chosen indicator's figures and table for the view."""
    view = from_store(data)
    lang = view.lang
    blank = figures.empty(lang)
    try:
        result = read(view, lookups.today())
    except IOCError as error:
        return "", error_text(error, lang), False, blank, blank, blank, [], []
    if result is None:
        return t(lang, "indicator.none_chosen"), "", True, blank, blank, blank, [], []
    names = lookups.names()
    layer, _ = lookups.commune_layer()
    rows, headers = table(result, view.indicator_by, lang)
    indicator = result.indicator
    return (
        summary(result, view, lang),
        "",
        True,
        shown.choropleth(layer, result.by_unit, indicator, names.units, lang),
        shown.trend(result.months, indicator, lang, target=result.target),
        shown.bars(result.rows, view.indicator_by, indicator, _key_names(view.indicator_by, lang), lang)
        if any(row["value"] is not None for row in result.rows)
        else blank,
        [row | {"id": row["key"]} for row in rows],
        [column(key, text, digits=0 if key in ("numerator", "denominator") else None) for key, text in headers.items()],
    )


@callback(
    Output("explore-indicator-download", "data"),
    Input("explore-indicator-csv", "n_clicks"),
    Input("explore-indicator-xlsx", "n_clicks"),
    State("explore-view", "data"),
    prevent_initial_call=True,
)
def export(_csv, _xlsx, data):  # type: ignore[no-untyped-def]
    """The breakdown of the chosen indicator as CSV or XLSX, recomputed on the server from the checked view."""
    fmt = {"explore-indicator-csv": "csv", "explore-indicator-xlsx": "xlsx"}.get(str(ctx.triggered_id))
    if fmt is None:
        raise PreventUpdate
    view = from_store(data)
    try:
        result = read(view, lookups.today())
    except IOCError as error:
        set_props("explore-indicator-error", {"children": error_text(error, view.lang), "hide": False})
        return no_update
    if result is None:
        raise PreventUpdate
    rows, headers = table(result, view.indicator_by, view.lang, file=True)
    stem = f"ioc-indicator-{result.indicator.code}-{view.indicator_by}-{view.days(lookups.today())[0]:%Y%m%d}"
    if fmt == "xlsx":
        rates = ["value"] if result.indicator.is_ratio else []
        return dcc.send_bytes(xlsx_bytes(rows, sheet="IOC", headers=headers, percent=rates), f"{stem}.xlsx")
    named = [{headers[k]: v for k, v in row.items()} for row in rows]
    return dcc.send_bytes(csv_bytes(named), f"{stem}.csv", type="text/csv")
