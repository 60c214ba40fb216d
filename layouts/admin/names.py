"""``/admin/names``: a source's unit names that matched no commune or agency (the national portal's), waiting in the
collector's quarantine; an admin maps each to a commune or an agency, and the records waiting under it load.

Reads and writes go through the core functions ``ioc collector map-name`` uses (``ioc.collecting.mapping``); the
server lets only admins reach the page and its ``admin-names-…`` callbacks, and the callback checks the role again."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, no_update

from ioc.auth import role_at_least
from ioc.collecting.mapping import map_and_reprocess, waiting_names
from ioc.config import load_settings
from ioc.errors import IOCError
from layouts import grid, lookups, warehouse
from layouts.access import current_ip, current_principal, current_username
from layouts.admin.runs import collector_options
from layouts.admin.widgets import choice
from layouts.chrome import frame
from layouts.formatting import number
from layouts.i18n import error_text, language, t
from layouts.page_title import page_title

PATH = "/admin/names"
TITLE_KEY = "admin.names.title"
#: A mapping target in the form's choice: ``unit|agency``.
SEPARATOR = "|"


def targets(lang: str) -> list[dict[str, str]]:
    """The communes, then the provincial agencies, as choices ``unit|agency``."""
    names = lookups.names()
    communes = [
        {"value": f"{code}{SEPARATOR}", "label": f"{name} ({code})"}
        for code, name in names.units.items()
        if code != names.province_code
    ]
    agencies = [
        {"value": f"{names.province_code}{SEPARATOR}{code}", "label": f"{names.agencies[code]} ({code})"}
        for code in sorted(names.provincial_agencies, key=lambda c: names.agencies[c].casefold())
    ]
    return [
        {"group": t(lang, "admin.names.communes"), "items": communes},
        {"group": t(lang, "admin.names.agencies"), "items": agencies},
    ]


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    chosen = params.get("collector")
    collectors = collector_options()
    form = dmc.Group(
        [
            choice(
                "admin-names-collector",
                t(lang, "admin.names.collector"),
                collectors,
                t(lang, "admin.names.collector.pick"),
                chosen if any(option["value"] == chosen for option in collectors) else None,
                lang=lang,
            ),
            choice(
                "admin-names-name",
                t(lang, "admin.names.name"),
                [],
                t(lang, "admin.names.name.pick"),
                width=340,
                lang=lang,
            ),
            choice("admin-names-target", t(lang, "admin.names.target"), targets(lang), "", width=340, lang=lang),
            dmc.Button(t(lang, "admin.names.map"), id="admin-names-map"),
        ],
        align="flex-end",
        gap="sm",
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, "admin.names.title"), order=2),
            dmc.Text(t(lang, "admin.names.intro"), size="sm", c="dimmed"),
            form,
            dmc.Alert(id="admin-names-message", hide=True, withCloseButton=True),
            dmc.Text(id="admin-names-summary", size="sm", c="dimmed"),
            grid.table("admin-names-table", lang),
            dcc.Store(id="admin-names-lang", data=lang),
            dcc.Store(id="admin-names-version", data=0),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


@callback(
    Output("admin-names-table", "rowData"),
    Output("admin-names-table", "columnDefs"),
    Output("admin-names-summary", "children"),
    Output("admin-names-name", "data"),
    Input("admin-names-collector", "value"),
    Input("admin-names-version", "data"),
    State("admin-names-lang", "data"),
)
def show_names(collector, _version, lang):  # type: ignore[no-untyped-def]
    """The chosen collector's unmatched names (as text) and how many records wait under each."""
    columns = grid.columns(("name", "records"), "admin.names.column.{}", lang)
    if not collector:
        return [], columns, t(lang, "admin.names.none_chosen"), []
    try:
        waiting = waiting_names(warehouse.engine(), collector)
    except IOCError:
        return [], columns, t(lang, "admin.names.none_chosen"), []
    rows = [{"name": item.name, "records": number(item.records, lang)} for item in waiting]
    choices = [{"value": item.name, "label": item.name} for item in waiting]
    return rows, columns, t(lang, "admin.names.summary", total=number(len(waiting), lang)), choices


@callback(
    Output("admin-names-message", "children"),
    Output("admin-names-message", "color"),
    Output("admin-names-message", "hide"),
    Output("admin-names-version", "data"),
    Input("admin-names-map", "n_clicks"),
    State("admin-names-collector", "value"),
    State("admin-names-name", "value"),
    State("admin-names-target", "value"),
    State("admin-names-version", "data"),
    State("admin-names-lang", "data"),
    prevent_initial_call=True,
)
def map_chosen(_clicks, collector, name, target, version, lang):  # type: ignore[no-untyped-def]
    """Map the chosen name to the chosen commune or agency (audited), then re-process the collector's quarantine."""
    principal = current_principal()
    if principal is None or principal.role is None or not role_at_least(principal.role, "admin"):
        return t(lang, "admin.names.refused"), "red", False, no_update
    if not collector or not name or not target or SEPARATOR not in target:
        return t(lang, "admin.names.incomplete"), "orange", False, no_update
    unit, agency = target.split(SEPARATOR, 1)
    try:
        done = map_and_reprocess(
            warehouse.engine(),
            collector,
            name,
            unit,
            agency,
            load_settings().province,
            actor=current_username(),
            source_ip=current_ip(),
        )
    except IOCError as error:
        return f"{t(lang, 'admin.names.failed')} — {error_text(error, lang)}", "red", False, no_update
    result = done.reprocessed
    text = t(lang, "admin.names.mapped", name=done.name, loaded=number(result.loaded, lang))
    return text, "green", False, (version or 0) + 1


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("admin-names"), name="admin-names")
