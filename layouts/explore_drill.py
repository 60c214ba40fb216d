"""The explorer's drill-down: a tile or a table cell chooses a number, and one page at a time of the dossiers behind
it is listed (names beside the codes, labels for the codes of channel, status and timeliness)."""

from __future__ import annotations

import math
from dataclasses import replace

import dash
from dash import Input, Output, State, callback, ctx
from dash.exceptions import PreventUpdate

from ioc.errors import IOCError
from ioc.kpi.drill import DRILL_SETS, dossier_page
from ioc.kpi.known import check_filters
from ioc.kpi.registry import KPI_BY_KEY
from ioc.records import STATUSES
from layouts import explore_input, figures, lookups, warehouse
from layouts.access import is_admin
from layouts.explore_render import names_for
from layouts.formatting import moment, number
from layouts.grid import column
from layouts.i18n import error_text, t
from layouts.view import View, from_store

DRILL_PAGE = 25
#: The drill-down grid's height (px): a page of dossiers scrolls under its pinned header.
HEIGHT = 480
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
#: The drill-down's wider columns (px).
WIDTHS = {"procedure_name": 260, "agency_name": 200, "unit_name": 160, "applicant_name": 160}


@callback(
    Output("explore-drill-target", "data"),
    Output("explore-drill-page", "value"),
    Input("explore-table", "cellClicked"),
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
        return {"key": None, "measure": measure, "by": None}, 1
    chosen = explore_input.table_cell(cell)
    if trigger == "explore-view" or chosen is None:
        return None, 1
    row_id, column_id = chosen
    return {"key": row_id, "measure": DRILL_SETS.get(column_id, "received"), "by": from_store(data).by}, 1


@callback(
    Output("explore-drill-title", "children"),
    Output("explore-drill-table", "rowData"),
    Output("explore-drill-table", "columnDefs"),
    Output("explore-drill-page", "total"),
    Output("explore-drill-page", "disabled"),
    Input("explore-drill-target", "data"),
    Input("explore-drill-page", "value"),
    State("explore-view", "data"),
)
def drill(target, page, data):  # type: ignore[no-untyped-def]
    """One page of the dossiers behind the chosen number; applicants' names masked, except for admins. Without
    dossiers the pager is disabled."""
    view = from_store(data)
    lang = view.lang
    target = explore_input.drill_target(target)
    if not target:
        return t(lang, "drill.title_empty"), [], [], 0, True
    try:
        offset = max(explore_input.page_number(page) - 1, 0) * DRILL_PAGE  # the pager counts from 1
        result, label = drill_page(view, target, offset, DRILL_PAGE)
    except IOCError as error:
        return f"{t(lang, 'explore.cannot')}: {error_text(error, lang)}", [], [], 0, True
    columns = [column(c, t(lang, f"drill.{c}"), width=WIDTHS.get(c, 120)) for c in DRILL_COLUMNS]
    title = t(
        lang,
        "drill.title",
        measure=figures.kpi_name(target["measure"], lang)
        if target["measure"] in KPI_BY_KEY
        else t(lang, f"drill.measure.{target['measure']}"),
        key=label,
        total=number(result.total, lang),
    )
    rows = [drill_row(row, lang) | {"id": str(offset + n)} for n, row in enumerate(result.rows)]
    return title, rows, columns, max(1, math.ceil(result.total / DRILL_PAGE)), result.total == 0


def drill_page(view: View, target: dict, offset: int, limit: int):  # type: ignore[no-untyped-def]
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


def drill_row(row: dict, lang: str, file: bool = False) -> dict:
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
