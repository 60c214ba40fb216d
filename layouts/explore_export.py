"""The explorer's export: the breakdown table or the drill-down's dossiers as CSV or XLSX, recomputed on the server."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from ioc.errors import IOCError
from ioc.export import csv_bytes, xlsx_bytes
from ioc.kpi.registry import KPIS
from layouts import explore_input, explore_risk, figures, lookups
from layouts.explore_drill import DRILL_COLUMNS, drill_page, drill_row
from layouts.explore_render import names_for, view_rows
from layouts.i18n import error_text, t
from layouts.view import View, from_store

#: The most dossiers one drill-down export holds.
EXPORT_LIMIT = 500
#: The tables a button may name.
TABLES = ("table", "drill", "risk")


@callback(
    Output("explore-download", "data"),
    Input({"type": "explore-export", "table": dash.ALL, "format": dash.ALL}, "n_clicks"),
    State("explore-view", "data"),
    State("explore-drill-target", "data"),
    State("explore-risk-agencies", "selectedRows"),
    State("explore-risk-scope", "value"),
    prevent_initial_call=True,
)
def export(clicks, data, target, risk_agency, risk_scope):  # type: ignore[no-untyped-def]
    """The table (or every dossier of the drill-down, up to its limit, or the at-risk dossiers as their grid lists
    them) as CSV or XLSX, recomputed on the server."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not isinstance(clicks, list) or not any(clicks):
        raise PreventUpdate
    table, fmt = trigger.get("table"), trigger.get("format")
    if not isinstance(table, str) or fmt not in ("csv", "xlsx"):
        raise PreventUpdate
    table = table if table in TABLES else "table"  # the button's id is client data: never put it in a file name
    view = from_store(data)
    try:
        if table == "risk":
            rows, headers = _risk_rows(view, risk_agency, risk_scope)
        else:
            rows, headers = _export_rows(view, table, explore_input.drill_target(target))
    except IOCError as error:  # the page says why (the figures' own message), and nothing downloads
        dash.set_props("explore-error", {"children": error_text(error, view.lang), "hide": False})
        return no_update
    stem = f"ioc-{table}-{view.by}-{view.days(lookups.today())[0]:%Y%m%d}"
    if fmt == "xlsx":
        rates = [k.key for k in KPIS if k.is_rate] if table == "table" else ["probability"] if table == "risk" else []
        return dcc.send_bytes(xlsx_bytes(rows, sheet="IOC", headers=headers, percent=rates), f"{stem}.xlsx")
    named = [{headers[k]: v for k, v in row.items()} for row in rows]
    return dcc.send_bytes(csv_bytes(named), f"{stem}.csv", type="text/csv")


def _risk_rows(view: View, selected: object, scope: object) -> tuple[list[dict], dict[str, str]]:
    """The at-risk dossiers as their grid lists them (the agency chosen, the scope), times as themselves."""
    chosen = explore_risk.scope_of(scope)
    rows = explore_risk.dossier_rows(explore_risk.read(view), chosen, explore_risk.agency_of(selected), view.lang, True)
    return rows, explore_risk.headers(explore_risk.DOSSIER_COLUMNS, view.lang)


def _export_rows(view: View, table: str, target: dict | None) -> tuple[list[dict], dict[str, str]]:
    """The rows and column headers of an export: every dossier of the drill-down (up to its limit), or the table."""
    lang = view.lang
    if table == "drill":
        if not target:
            raise PreventUpdate
        result, _ = drill_page(view, target, 0, EXPORT_LIMIT)
        rows = [drill_row(row, lang, file=True) for row in result.rows]
        headers = {c: t(lang, f"drill.{c}") for c in DRILL_COLUMNS}
    else:
        _, _, _, breakdown, _ = view_rows(view)
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
