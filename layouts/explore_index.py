"""The explorer's Decision 766 panel: the index by commune or by agency for the view's period (a grid with the six
groups, the total, the points IOC can compute and what one more progress point takes, names beside codes), and the
dossiers behind a row's progress component (handled in the period and not on time, :mod:`ioc.kpi.drill`)."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Input, Output, callback

from ioc.kpi.drill import dossier_page
from ioc.kpi.index766 import GROUPS
from ioc.kpi.index_gap import index_and_gap_rows
from ioc.kpi.query import Filters
from ioc.records import STATUSES
from layouts import lookups, warehouse
from layouts.formatting import moment
from layouts.grid_locale import locale_text
from layouts.i18n import t
from layouts.index_columns import index_header
from layouts.view import View, from_store

BREAKDOWNS = ("unit", "agency")
#: The most late dossiers a drill-down lists.
DRILL_LIMIT = 200
GRID = {"style": {"height": "420px", "width": "100%"}}
DEFAULT_COLUMN = {"sortable": True, "filter": True, "resizable": True}


def panel(lang: str) -> dmc.Paper:
    """The panel's controls and grids; :func:`render` fills them from the view."""
    return dmc.Paper(
        [
            dmc.Group(
                [
                    dmc.Title(t(lang, "index.explore.title"), order=4),
                    dmc.SegmentedControl(
                        id="explore-index-by",
                        value="unit",
                        data=[{"value": by, "label": t(lang, f"index.explore.by_{by}")} for by in BREAKDOWNS],
                    ),
                ],
                justify="space-between",
            ),
            dag.AgGrid(
                id="explore-index-grid",
                rowData=[],
                columnDefs=[],
                defaultColDef=DEFAULT_COLUMN,
                dashGridOptions={
                    "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
                    "localeText": locale_text(lang),
                },
                csvExportParams={"fileName": "chi-so-766.csv"},
                **GRID,
            ),
            dmc.Text(t(lang, "index.explore.drill_hint"), id="explore-index-drill-title", size="sm", c="dimmed"),
            dag.AgGrid(
                id="explore-index-drill",
                rowData=[],
                columnDefs=[],
                defaultColDef=DEFAULT_COLUMN,
                dashGridOptions={"localeText": locale_text(lang)},
                **GRID,
            ),
        ],
        withBorder=True,
        p="sm",
    )


def rows(view: View, by: str) -> list[dict]:
    """One row per commune or agency: code, name, the groups' points, total, computable points and the on-time
    dossiers one more progress point needs."""
    names = lookups.names()
    known = names.of(by, view.lang)
    period = view.period(lookups.today())
    with warehouse.engine().connect() as connection:
        scored = index_and_gap_rows(connection, period, by)
    shown = []
    for row, gaps in scored:
        key = row[by]
        if by == "unit" and key == names.province_code:
            continue
        shown.append(
            {
                "code": key,
                "name": known.get(key, key),
                **{group: row[f"group_{group}"] for group in GROUPS},
                "points": row["points"],
                "computable_points": row["computable_points"],
                "progress_needed": next((gap.needed for gap in gaps if gap.key == "handled_on_time"), None),
            }
        )
    return sorted(shown, key=lambda r: (-r["points"], str(r["code"])))


def columns(lang: str) -> list[dict]:
    number = {"type": "rightAligned", "filter": "agNumberColumnFilter"}
    return [
        {"field": "code", "headerName": t(lang, "index.explore.code"), "pinned": "left", "width": 130},
        {"field": "name", "headerName": t(lang, "index.explore.name"), "pinned": "left", "width": 260},
        *({"field": group, "headerName": index_header(f"group_{group}", lang), **number} for group in GROUPS),
        {"field": "points", "headerName": index_header("points", lang), **number},
        {"field": "computable_points", "headerName": index_header("computable_points", lang), **number},
        {"field": "progress_needed", "headerName": t(lang, "index.explore.progress_gap"), **number},
    ]


def late_dossiers(view: View, by: str, key: str) -> tuple[list[dict], int]:
    """The dossiers behind one row's progress component: handled in the period and not on time (names masked)."""
    names = lookups.names()
    filters = Filters(unit=key) if by == "unit" else Filters(agency=key)
    with warehouse.engine().connect() as connection:
        page = dossier_page(connection, view.period(lookups.today()), "handled_late", filters, limit=DRILL_LIMIT)
    return [
        {
            "source_key": row["source_key"],
            "procedure": row["procedure_name"] or row["procedure_code"],
            "agency": row["agency_name"] or row["agency_code"],
            "unit": names.units.get(row["unit_code"], row["unit_name"] or row["unit_code"]),
            "received_at": moment(row["received_at"]),
            "due_at": moment(row["due_at"]),
            "finished_at": moment(row["finished_at"]),
            "status": STATUSES.get(row["status"], str(row["status"])),
        }
        for row in page.rows
    ], page.total


#: The drill-down's columns and the translation of each header.
DRILL_COLUMNS = {
    "source_key": "drill.source_key",
    "procedure": "index.explore.procedure",
    "agency": "index.explore.agency",
    "unit": "index.explore.unit",
    "received_at": "drill.received_at",
    "due_at": "drill.due_at",
    "finished_at": "drill.finished_at",
    "status": "drill.status",
}


@callback(
    Output("explore-index-grid", "rowData"),
    Output("explore-index-grid", "columnDefs"),
    Input("explore-view", "data"),
    Input("explore-index-by", "value"),
)
def render(data: object, by: object):  # type: ignore[no-untyped-def]
    """The index by commune or agency for the view's period."""
    view = from_store(data)
    chosen = by if by in BREAKDOWNS else "unit"
    return rows(view, chosen), columns(view.lang)


@callback(
    Output("explore-index-drill", "rowData"),
    Output("explore-index-drill", "columnDefs"),
    Output("explore-index-drill-title", "children"),
    Input("explore-index-grid", "selectedRows"),
    Input("explore-view", "data"),
    Input("explore-index-by", "value"),
)
def drill(selected: object, data: object, by: object):  # type: ignore[no-untyped-def]
    """The late dossiers of the chosen row, or the hint while none is chosen."""
    view = from_store(data)
    lang = view.lang
    chosen = by if by in BREAKDOWNS else "unit"
    row = selected[0] if isinstance(selected, list) and selected and isinstance(selected[0], dict) else None
    key = row.get("code") if row else None
    if not isinstance(key, str) or len(key) > 64:
        return [], [], t(lang, "index.explore.drill_hint")
    listed, total = late_dossiers(view, chosen, key)
    headers = [{"field": column, "headerName": t(lang, key)} for column, key in DRILL_COLUMNS.items()]
    name = lookups.names().of(chosen, lang).get(key, key)
    title = f"{t(lang, 'index.explore.drill_title', name=name)} — {t(lang, 'index.explore.drill_count', count=total)}"
    return listed, headers, title
