"""``/admin/runs``: the history of collector runs, filtered and paged on the server, newest first; a run's counts,
cursors, process and error in full. Also how a run is shown anywhere in the admin pages."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, ctx, dcc, html

from ioc.collecting.status import MODES, STATUSES, RunFilters, RunRow, get_run, run_history
from ioc.collecting.store import list_collectors
from ioc.config import now_local
from ioc.errors import IOCError
from layouts import grid, warehouse
from layouts.admin.widgets import choice, day_range
from layouts.chrome import frame
from layouts.formatting import moment, number
from layouts.i18n import language, t
from layouts.page_title import page_title

PATH = "/admin/runs"
TITLE_KEY = "admin.runs.title"
PAGE_SIZE = 20
STATUS_COLORS = {"running": "blue", "succeeded": "green", "failed": "red", "stopped": "orange"}
COLUMNS = ("id", "collector", "mode", "status", "started_at", "finished_at", "elapsed", "pages", "inserted")
COLUMNS += ("updated", "unchanged", "rejected")
#: The columns that are counts.
COUNTED = ("pages", "inserted", "updated", "unchanged", "rejected")
#: DataTables of the admin pages: the app's font, text left, the active row marked.


#: Raw text (errors, records) shown as it is: wrapped, scrollable, never interpreted.
PRE_STYLE = {
    "whiteSpace": "pre-wrap",
    "wordBreak": "break-word",
    "maxHeight": "420px",
    "overflow": "auto",
    "background": "#f8f9fa",
    "padding": "8px",
    "margin": 0,
    "fontSize": 13,
}


def duration(value: timedelta) -> str:
    """``h:mm:ss``."""
    seconds = max(0, int(value.total_seconds()))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def status_badge(status: str, lang: str) -> dmc.Badge:
    return dmc.Badge(t(lang, f"admin.runs.status.{status}"), color=STATUS_COLORS.get(status, "gray"), variant="light")


def run_facts(run: RunRow, lang: str, now: datetime) -> dmc.Stack:
    """Everything about one run as text: when, how it ended, counts, cursors, process; the error in full."""
    window = f"{moment(run.since)} – {moment(run.until)}" if run.since else "–"
    facts = [
        ("collector", run.collector),
        ("mode", t(lang, f"admin.runs.mode.{run.mode}")),
        ("started_at", moment(run.started_at)),
        ("finished_at", moment(run.finished_at)),
        ("elapsed", duration(run.elapsed(now))),
        ("window", window),
        ("pages", number(run.pages, lang)),
        ("inserted", number(run.inserted, lang)),
        ("updated", number(run.updated, lang)),
        ("unchanged", number(run.unchanged, lang)),
        ("rejected", number(run.rejected, lang)),
        ("codes_mapped", number(run.codes_mapped, lang)),
        ("total", number(run.total, lang)),
        ("cursor_before", run.cursor_before or "–"),
        ("cursor_after", run.cursor_after or "–"),
        ("process", f"{run.host or '–'} / {run.pid or '–'}"),
        ("heartbeat_at", moment(run.heartbeat_at)),
    ]
    facts_grid = dmc.SimpleGrid(
        [
            dmc.Stack([dmc.Text(t(lang, f"admin.runs.field.{key}"), size="xs", c="dimmed"), dmc.Text(value)], gap=0)
            for key, value in facts
        ],
        cols={"base": 2, "md": 5},
        spacing="sm",
    )
    children = [dmc.Group([dmc.Title(f"#{run.id}", order=4), status_badge(run.status, lang)]), facts_grid]
    if run.error:
        children += [
            dmc.Text(t(lang, "admin.runs.field.error"), size="xs", c="dimmed"),
            html.Pre(run.error, className="admin-pre", style=PRE_STYLE),
        ]
    return dmc.Stack(children, gap="sm")


def collector_options() -> list[dict[str, str]]:
    with warehouse.engine().connect() as connection:
        return [{"value": c.name, "label": c.name} for c in list_collectors(connection)]


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    chosen = params.get("collector")
    names = collector_options()
    filters = dmc.Group(
        [
            choice(
                "admin-runs-collector",
                t(lang, "admin.runs.filter.collector"),
                names,
                t(lang, "admin.runs.filter.all"),
                chosen if any(option["value"] == chosen for option in names) else None,
                lang=lang,
            ),
            dmc.Select(
                id="admin-runs-status",
                label=t(lang, "admin.runs.filter.status"),
                data=[{"value": s, "label": t(lang, f"admin.runs.status.{s}")} for s in STATUSES],
                clearable=True,
                placeholder=t(lang, "admin.runs.filter.all"),
                w=180,
            ),
            dmc.Select(
                id="admin-runs-mode",
                label=t(lang, "admin.runs.filter.mode"),
                data=[{"value": m, "label": t(lang, f"admin.runs.mode.{m}")} for m in MODES],
                clearable=True,
                placeholder=t(lang, "admin.runs.filter.all"),
                w=180,
            ),
            day_range("admin-runs-dates", t(lang, "admin.runs.filter.dates")),
        ],
        align="flex-end",
        gap="sm",
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, "admin.runs.title"), order=2),
            filters,
            dmc.Text(id="admin-runs-summary", size="sm", c="dimmed"),
            grid.table("admin-runs-table", lang, paged=False, row_ids=True),
            grid.pager("admin-runs-page"),
            dmc.Paper(
                dmc.Text(t(lang, "admin.runs.pick"), c="dimmed"), id="admin-runs-detail", withBorder=True, p="sm"
            ),
            dcc.Store(id="admin-runs-lang", data=lang),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [dmc.DatesProvider(body, settings={"locale": lang, "firstDayOfWeek": 1})])


def run_filters(collector: str | None, status: str | None, mode: str | None, dates: list | None) -> RunFilters:
    """The filters as the page gives them, checked (the browser may send anything)."""
    first, last = (dates or [None, None])[:2] if dates and len(dates) == 2 else (None, None)
    return RunFilters(
        collector=collector or None,
        status=status if status in STATUSES else None,
        mode=mode if mode in MODES else None,
        first=date.fromisoformat(first[:10]) if first else None,
        last=date.fromisoformat(last[:10]) if last else None,
    )


def table_rows(filters: RunFilters, page: int, lang: str) -> tuple[list[dict], int]:
    """One page of the history as table rows, and how many runs match."""
    now = now_local()
    with warehouse.engine().connect() as connection:
        runs, total = run_history(connection, filters, page * PAGE_SIZE, PAGE_SIZE)
    rows = [
        {
            "id": str(run.id),
            "collector": run.collector,
            "mode": t(lang, f"admin.runs.mode.{run.mode}"),
            "status": t(lang, f"admin.runs.status.{run.status}"),
            "started_at": moment(run.started_at),
            "finished_at": moment(run.finished_at),
            "elapsed": duration(run.elapsed(now)),
            **{key: number(getattr(run, key), lang) for key in COUNTED},
        }
        for run in runs
    ]
    return rows, total


@callback(
    Output("admin-runs-table", "rowData"),
    Output("admin-runs-table", "columnDefs"),
    Output("admin-runs-page", "total"),
    Output("admin-runs-page", "value"),
    Output("admin-runs-summary", "children"),
    Input("admin-runs-collector", "value"),
    Input("admin-runs-status", "value"),
    Input("admin-runs-mode", "value"),
    Input("admin-runs-dates", "value"),
    Input("admin-runs-page", "value"),
    State("admin-runs-lang", "data"),
)
def show_runs(collector, status, mode, dates, page, lang):  # type: ignore[no-untyped-def]
    """The page of runs the filters select; a changed filter goes back to the first page."""
    page = grid.page_index(page) if ctx.triggered_id == "admin-runs-page" else 0
    rows, total = table_rows(run_filters(collector, status, mode, dates), page, lang)
    columns = grid.columns(COLUMNS, "admin.runs.field.{}", lang)
    summary = t(lang, "admin.runs.summary", total=number(total, lang))
    return rows, columns, max(1, math.ceil(total / PAGE_SIZE)), page + 1, summary


@callback(
    Output("admin-runs-detail", "children"),
    Input("admin-runs-table", "cellClicked"),
    State("admin-runs-lang", "data"),
    prevent_initial_call=True,
)
def show_run(cell, lang):  # type: ignore[no-untyped-def]
    """The chosen run in full."""
    row = grid.clicked_row(cell)
    if row is None:
        return dmc.Text(t(lang, "admin.runs.pick"), c="dimmed")
    try:
        with warehouse.engine().connect() as connection:
            run = get_run(connection, int(row))
    except (IOCError, ValueError):
        return dmc.Text(t(lang, "admin.runs.gone"), c="dimmed")
    return run_facts(run, lang, now_local())


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("admin-runs"), name="admin-runs")
