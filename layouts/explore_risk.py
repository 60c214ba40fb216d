"""The explorer's at-risk panel: the pending dossiers due in the next seven days that :func:`ioc.risk.at_risk` finds
likely to be late (or every one it predicts), under the view's agency and commune filters — a grid of agencies
(likely, predicted, the highest probability) and a grid of the dossiers, of all agencies or of the one chosen, sortable
by probability, exported as CSV or XLSX by :mod:`layouts.explore_export`. Applicants' names are masked, except for
admins, as the drill-down masks them; those too thin in history to predict are counted, never guessed."""

from __future__ import annotations

from datetime import datetime

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Input, Output, callback

from ioc.config import now_local
from ioc.kpi.drill import applicant_names
from ioc.risk import LIKELY, RiskReport, RiskRow
from layouts import lookups, risk_read, warehouse
from layouts.access import is_admin
from layouts.formatting import number
from layouts.grid import column, grid
from layouts.i18n import t
from layouts.view import View, from_store

SCOPES = ("likely", "all")
#: The most dossiers the grid lists and a file holds, likeliest first.
LIMIT = 2000
AGENCY_COLUMNS = ("agency_code", "agency_name", "likely", "predicted", "highest")
DOSSIER_COLUMNS = (
    "ma_ho_so",
    "probability",
    "due_at",
    "procedure_name",
    "agency_name",
    "unit_name",
    "applicant_name",
    "received_at",
    "basis",
    "history",
)
WIDTHS = {
    "ma_ho_so": 190,
    "probability": 110,
    "due_at": 150,
    "procedure_name": 260,
    "agency_name": 200,
    "unit_name": 160,
    "applicant_name": 160,
    "received_at": 150,
}
NUMBERS = {"likely": 0, "predicted": 0, "highest": 1, "probability": 1, "history": 0}


def panel(lang: str, export_buttons: object) -> dmc.Paper:
    """The panel's controls and grids; the callbacks below fill them from the view."""
    return dmc.Paper(
        [
            dmc.Group(
                [
                    dmc.Title(t(lang, "risk.explore.title"), order=4),
                    dmc.Group(
                        [
                            dmc.SegmentedControl(
                                id="explore-risk-scope",
                                value="likely",
                                data=[{"value": s, "label": t(lang, f"risk.explore.scope_{s}")} for s in SCOPES],
                            ),
                            export_buttons,
                        ]
                    ),
                ],
                justify="space-between",
            ),
            dmc.Text(id="explore-risk-summary", size="sm"),
            dmc.Text(t(lang, "risk.explore.hint"), size="sm", c="dimmed"),
            _selectable(grid("explore-risk-agencies", lang, height=300, row_ids=True)),
            dmc.Text(t(lang, "risk.explore.all_agencies"), id="explore-risk-title", size="sm", fw=600),
            grid("explore-risk-dossiers", lang, row_ids=True),
        ],
        withBorder=True,
        p="sm",
    )


def _selectable(agencies: dag.AgGrid) -> dag.AgGrid:
    """A click on an agency chooses it (one at a time)."""
    single = {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True}
    agencies.dashGridOptions = agencies.dashGridOptions | {"rowSelection": single}
    return agencies


def read(view: View, at: datetime | None = None) -> RiskReport:
    """The report under the view's agency and commune filters, as of ``at``'s slot (now's by default)."""
    report, _ = risk_read.report(at or now_local(), agency=view.agency, unit=view.unit)
    return report


def chosen_rows(report: RiskReport, scope: str) -> list[RiskRow]:
    """The likely-late rows, or every predicted row, likeliest first."""
    rows = report.rows if scope == "all" else [r for r in report.rows if risk_read.is_likely(r)]
    return sorted(rows, key=risk_read.order)


def agency_rows(report: RiskReport, scope: str, lang: str) -> list[dict]:
    """One row per agency of the chosen rows: likely, predicted and the highest probability, most likely first."""
    names = lookups.names().of("agency", lang)
    grouped: dict[str, list[RiskRow]] = {}
    for row in chosen_rows(report, scope):
        grouped.setdefault(row.agency or "", []).append(row)
    shown = [
        {
            "id": code,
            "agency_code": code,
            "agency_name": names.get(code, code) if code else t(lang, "risk.agency_unknown"),
            "likely": sum(1 for r in rows if risk_read.is_likely(r)),
            "predicted": len(rows),
            "highest": risk_read.percent(rows[0].probability),
        }
        for code, rows in grouped.items()
    ]
    return sorted(shown, key=lambda r: (-r["likely"], -r["predicted"], -r["highest"], r["agency_code"]))


def dossier_rows(report: RiskReport, scope: str, agency: str | None, lang: str, file: bool = False) -> list[dict]:
    """The chosen rows (of ``agency`` when one is chosen, ``""`` for dossiers without one), up to :data:`LIMIT`:
    names beside codes, applicants masked unless an admin asks; times as text on screen, as themselves in a file."""
    names = lookups.names()
    agencies = names.of("agency", lang)
    rows = [r for r in chosen_rows(report, scope) if agency is None or (r.agency or "") == agency][:LIMIT]
    with warehouse.engine().connect() as connection:
        applicants = applicant_names(connection, [r.ma_ho_so for r in rows], mask_names=not is_admin())
    listed = []
    for n, row in enumerate(rows):
        shown = {
            "ma_ho_so": row.ma_ho_so,
            "probability": risk_read.percent(row.probability),
            "due_at": row.due if file else risk_read.due_text(row.due),
            "procedure_name": names.procedures.get(row.procedure or "", row.procedure or ""),
            "agency_name": agencies.get(row.agency or "", row.agency or ""),
            "unit_name": names.units.get(row.unit, row.unit),
            "applicant_name": applicants.get(row.ma_ho_so, ""),
            "received_at": row.received_at if file else risk_read.due_text(row.received_at),
            "basis": t(lang, f"risk.basis.{row.basis}") if row.basis in ("procedure", "field", "agency") else row.basis,
            "history": row.history,
        }
        listed.append(shown if file else shown | {"id": str(n)})
    return listed


def headers(fields: tuple[str, ...], lang: str) -> dict[str, str]:
    return {field: t(lang, f"risk.column.{field}") for field in fields}


def _columns(fields: tuple[str, ...], lang: str) -> list[dict]:
    return [
        column(field, text, digits=NUMBERS.get(field), width=WIDTHS.get(field, 120))
        | ({"sort": "desc"} if field in ("likely", "probability") else {})
        for field, text in headers(fields, lang).items()
    ]


def scope_of(value: object) -> str:
    return value if isinstance(value, str) and value in SCOPES else "likely"


def agency_of(selected: object) -> str | None:
    """The agency code a selected row names (client data), or None for all agencies."""
    row = selected[0] if isinstance(selected, list) and selected and isinstance(selected[0], dict) else None
    code = row.get("agency_code") if row else None
    return code if isinstance(code, str) and len(code) <= 64 else None


@callback(
    Output("explore-risk-agencies", "rowData"),
    Output("explore-risk-agencies", "columnDefs"),
    Output("explore-risk-summary", "children"),
    Input("explore-view", "data"),
    Input("explore-risk-scope", "value"),
)
def render(data: object, scope: object):  # type: ignore[no-untyped-def]
    """The agencies of the at-risk dossiers under the view's filters, and what the report covers."""
    view = from_store(data)
    lang = view.lang
    report = read(view)
    likely = sum(1 for r in report.rows if risk_read.is_likely(r))
    summary = t(
        lang,
        "risk.explore.summary",
        likely=number(likely, lang),
        threshold=risk_read.probability_text(LIKELY, lang),
        predicted=number(len(report.rows), lang),
        refused=number(report.refused, lang),
    )
    return agency_rows(report, scope_of(scope), lang), _columns(AGENCY_COLUMNS, lang), summary


@callback(
    Output("explore-risk-dossiers", "rowData"),
    Output("explore-risk-dossiers", "columnDefs"),
    Output("explore-risk-title", "children"),
    Input("explore-risk-agencies", "selectedRows"),
    Input("explore-view", "data"),
    Input("explore-risk-scope", "value"),
)
def dossiers(selected: object, data: object, scope: object):  # type: ignore[no-untyped-def]
    """The dossiers of the chosen agency, or of all agencies while none is chosen."""
    view = from_store(data)
    lang = view.lang
    agency = agency_of(selected)
    rows = dossier_rows(read(view), scope_of(scope), agency, lang)
    if agency is None:
        title = t(lang, "risk.explore.all_agencies")
    else:
        name = lookups.names().of("agency", lang).get(agency, agency) if agency else t(lang, "risk.agency_unknown")
        title = t(lang, "risk.explore.of_agency", name=name)
    return rows, _columns(DOSSIER_COLUMNS, lang), title
