"""``/admin/quarantine``: the records the collectors rejected, filtered and paged on the server, each with its reason
and the raw record as the source sent it (text, never rendered); and re-processing them with the collector's current
configuration once the cause is fixed."""

from __future__ import annotations

import json
import math

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ioc.collecting.reprocess import ReprocessResult, reprocess_quarantine
from ioc.collecting.status import QuarantineFilters, get_quarantined, quarantine_page
from ioc.config import load_settings
from ioc.errors import IOCError
from ioc.reasons import translated
from layouts import grid, warehouse
from layouts.access import current_ip, current_username
from layouts.admin.runs import PRE_STYLE, collector_options
from layouts.admin.widgets import choice
from layouts.chrome import frame
from layouts.formatting import moment, number
from layouts.i18n import error_text, language, t
from layouts.page_title import page_title

PATH = "/admin/quarantine"
TITLE_KEY = "admin.quarantine.title"
PAGE_SIZE = 20
COLUMNS = ("id", "collector", "source_key", "reason", "quarantined_at", "reprocessed_at")


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    chosen = params.get("collector")
    names = collector_options()
    filters = dmc.Group(
        [
            choice(
                "admin-quarantine-collector",
                t(lang, "admin.quarantine.filter.collector"),
                names,
                t(lang, "admin.quarantine.filter.all"),
                chosen if any(option["value"] == chosen for option in names) else None,
                lang=lang,
            ),
            dmc.TextInput(
                id="admin-quarantine-reason",
                label=t(lang, "admin.quarantine.filter.reason"),
                debounce=400,
                w=280,
            ),
            dmc.Switch(id="admin-quarantine-reprocessed", label=t(lang, "admin.quarantine.filter.reprocessed")),
            dmc.Button(t(lang, "admin.quarantine.reprocess"), id="admin-quarantine-reprocess", disabled=True),
        ],
        align="flex-end",
        gap="sm",
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, "admin.quarantine.title"), order=2),
            dmc.Text(t(lang, "admin.quarantine.intro"), size="sm", c="dimmed"),
            filters,
            dmc.Alert(id="admin-quarantine-message", hide=True, withCloseButton=True),
            dmc.Text(id="admin-quarantine-summary", size="sm", c="dimmed"),
            grid.table("admin-quarantine-table", lang, paged=False, row_ids=True),
            grid.pager("admin-quarantine-page"),
            dmc.Paper(
                dmc.Text(t(lang, "admin.quarantine.pick"), c="dimmed"),
                id="admin-quarantine-detail",
                withBorder=True,
                p="sm",
            ),
            dcc.Store(id="admin-quarantine-lang", data=lang),
            dcc.Store(id="admin-quarantine-version", data=0),
            dcc.Store(id="admin-quarantine-selected"),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


def table_rows(filters: QuarantineFilters, page: int, lang: str = "vi") -> tuple[list[dict], int]:
    """One page of rejected records as table rows (reasons, in the reader's language, and keys as plain text), and
    how many match."""
    with warehouse.engine().connect() as connection:
        records, total = quarantine_page(connection, filters, page * PAGE_SIZE, PAGE_SIZE)
    rows = [
        {
            "id": str(record.id),
            "collector": record.collector,
            "source_key": record.source_key or "–",
            "reason": translated(record.reason, lang),
            "quarantined_at": moment(record.quarantined_at),
            "reprocessed_at": moment(record.reprocessed_at) if record.reprocessed_at else "",
        }
        for record in records
    ]
    return rows, total


@callback(
    Output("admin-quarantine-table", "rowData"),
    Output("admin-quarantine-table", "columnDefs"),
    Output("admin-quarantine-page", "total"),
    Output("admin-quarantine-page", "value"),
    Output("admin-quarantine-summary", "children"),
    Output("admin-quarantine-reprocess", "disabled"),
    Input("admin-quarantine-collector", "value"),
    Input("admin-quarantine-reason", "value"),
    Input("admin-quarantine-reprocessed", "checked"),
    Input("admin-quarantine-page", "value"),
    Input("admin-quarantine-version", "data"),
    State("admin-quarantine-lang", "data"),
)
def show_records(collector, reason, reprocessed, page, _version, lang):  # type: ignore[no-untyped-def]
    """The page of records the filters select; a changed filter goes back to the first page."""
    page = grid.page_index(page) if ctx.triggered_id in ("admin-quarantine-page", "admin-quarantine-version") else 0
    filters = QuarantineFilters(collector or None, (reason or "").strip() or None, bool(reprocessed))
    lang = language(lang)
    rows, total = table_rows(filters, page, lang)
    columns = grid.columns(COLUMNS, "admin.quarantine.column.{}", lang)
    summary = t(lang, "admin.quarantine.summary", total=number(total, lang))
    return rows, columns, max(1, math.ceil(total / PAGE_SIZE)), page + 1, summary, not collector


def pretty(raw: str) -> str:
    """A raw record as indented JSON text (as stored if it is not JSON)."""
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False, indent=2)
    except ValueError:
        return raw


@callback(
    Output("admin-quarantine-detail", "children"),
    Output("admin-quarantine-selected", "data"),
    Input("admin-quarantine-table", "cellClicked"),
    State("admin-quarantine-lang", "data"),
    prevent_initial_call=True,
)
def show_record(cell, lang):  # type: ignore[no-untyped-def]
    """The chosen record: its reason (in the reader's language) and the raw record, both as text."""
    lang = language(lang)
    row = grid.clicked_row(cell)
    if row is None:
        return dmc.Text(t(lang, "admin.quarantine.pick"), c="dimmed"), None
    try:
        with warehouse.engine().connect() as connection:
            record = get_quarantined(connection, int(row))
    except (IOCError, ValueError):
        return dmc.Text(t(lang, "admin.quarantine.gone"), c="dimmed"), None
    facts = [
        ("collector", record.collector),
        ("source_key", record.source_key or "–"),
        ("run", f"#{record.run_id}" if record.run_id else "–"),
        ("quarantined_at", moment(record.quarantined_at)),
        ("reprocessed_at", moment(record.reprocessed_at)),
    ]
    return dmc.Stack(
        [
            dmc.Group(
                [
                    dmc.Stack(
                        [dmc.Text(t(lang, f"admin.quarantine.column.{key}"), size="xs", c="dimmed"), value], gap=0
                    )
                    for key, value in facts
                ],
                gap="xl",
            ),
            dmc.Text(t(lang, "admin.quarantine.column.reason"), size="xs", c="dimmed"),
            html.Pre(translated(record.reason, lang), id="admin-quarantine-reason-text", style=PRE_STYLE),
            dmc.Text(t(lang, "admin.quarantine.raw"), size="xs", c="dimmed"),
            html.Pre(pretty(record.raw or ""), id="admin-quarantine-raw", style=PRE_STYLE),
            dmc.Group(
                dmc.Button(
                    t(lang, "admin.quarantine.reprocess_one"),
                    id="admin-quarantine-reprocess-one",
                    variant="light",
                    disabled=record.reprocessed_at is not None,
                )
            ),
        ],
        gap="xs",
    ), record.id


def result_text(result: ReprocessResult, collector: str, lang: str) -> str:
    return t(
        lang,
        "admin.quarantine.reprocessed",
        collector=collector,
        examined=number(result.examined, lang),
        loaded=number(result.loaded, lang),
        inserted=number(result.inserted, lang),
        updated=number(result.updated, lang),
        still=number(result.still_rejected, lang),
    )


def run_reprocess(collector: str, ids: list[int] | None, version: int | None, lang: str) -> tuple:
    """Re-process through the core (audited); the message, its colour, and a new version so the table is read again."""
    try:
        result = reprocess_quarantine(
            warehouse.engine(),
            collector,
            load_settings().province,
            ids,
            actor=current_username(),
            source_ip=current_ip(),
        )
    except IOCError as error:
        return f"{t(lang, 'admin.quarantine.refused')} — {error_text(error, lang)}", "red", False, no_update
    color = "green" if result.still_rejected == 0 else "orange"
    return result_text(result, collector, lang), color, False, (version or 0) + 1


MESSAGE = [
    Output("admin-quarantine-message", "children", allow_duplicate=True),
    Output("admin-quarantine-message", "color", allow_duplicate=True),
    Output("admin-quarantine-message", "hide", allow_duplicate=True),
    Output("admin-quarantine-version", "data", allow_duplicate=True),
]


@callback(
    *MESSAGE,
    Input("admin-quarantine-reprocess", "n_clicks"),
    State("admin-quarantine-collector", "value"),
    State("admin-quarantine-version", "data"),
    State("admin-quarantine-lang", "data"),
    prevent_initial_call=True,
)
def reprocess(_clicks, collector, version, lang):  # type: ignore[no-untyped-def]
    """Re-process the chosen collector's open quarantine with its current configuration."""
    if not collector:
        raise PreventUpdate
    return run_reprocess(collector, None, version, lang)


@callback(
    *MESSAGE,
    Input("admin-quarantine-reprocess-one", "n_clicks"),
    State("admin-quarantine-selected", "data"),
    State("admin-quarantine-version", "data"),
    State("admin-quarantine-lang", "data"),
    prevent_initial_call=True,
)
def reprocess_one(clicks, record_id, version, lang):  # type: ignore[no-untyped-def]
    """Re-process only the record on show."""
    if not clicks or record_id is None:
        raise PreventUpdate
    try:
        with warehouse.engine().connect() as connection:
            collector = get_quarantined(connection, int(record_id)).collector
    except (IOCError, ValueError):
        raise PreventUpdate from None
    return run_reprocess(collector, [int(record_id)], version, lang)


def register() -> None:
    dash.register_page(
        __name__, path=PATH, layout=layout, title=page_title("admin-quarantine"), name="admin-quarantine"
    )
