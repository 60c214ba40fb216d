"""The collectors' table on ``/admin/collectors``: a row per collector (its last and next run, what it loaded, what it
shares with others, what waits in quarantine), the row chosen, and the chosen collector's facts and links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import Input, Output, State, callback
from dash.exceptions import PreventUpdate

from ioc.collecting.status import (
    CollectorOverview,
    overview,
    secrets_set,
)
from ioc.collecting.store import format_interval, get_collector
from ioc.errors import IOCError
from layouts import grid, warehouse
from layouts.formatting import moment, number
from layouts.i18n import t

COLUMNS = (
    "name",
    "kind",
    "url",
    "auth",
    "schedule",
    "enabled",
    "last_run",
    "next_run",
    "dossiers",
    "shared",
    "quarantine",
)


def _schedule(entry: CollectorOverview, lang: str) -> str:
    config = entry.config
    if config.cron:
        return f"cron {config.cron}"
    if config.interval_seconds:
        return t(lang, "admin.collectors.every", interval=format_interval(config.interval_seconds))
    return t(lang, "admin.collectors.schedule.manual")


def _next_run(entry: CollectorOverview, lang: str) -> str:
    """The job store's next run; else the schedule's, waiting for the running scheduler to pick the collector up (at
    its next sync) or for a scheduler to start."""
    upcoming = entry.next_run
    if upcoming.source == "none":
        return "–"
    if upcoming.source == "scheduler":
        return moment(upcoming.at)
    if upcoming.source == "waiting":
        if upcoming.at is None:
            return t(lang, "admin.collectors.next_on_pickup")
        return f"{moment(upcoming.at)} ({t(lang, 'admin.collectors.scheduler_waiting')})"
    when = moment(upcoming.at) if upcoming.at else t(lang, "admin.collectors.next_on_start")
    return f"{when} ({t(lang, 'admin.collectors.scheduler_not_running')})"


def shared_text(shared: dict[str, int], lang: str) -> str:
    """``"b: 1.234 · c: 5"``: the dossiers shared with each other collector, or a dash."""
    return " · ".join(f"{name}: {number(n, lang)}" for name, n in shared.items()) or "–"


def table_row(entry: CollectorOverview, lang: str) -> dict[str, Any]:
    """A collector as a row of the table (its name is the row's id)."""
    config, last = entry.config, entry.last_run
    return {
        "id": config.name,
        "name": config.name,
        "kind": config.kind,
        "url": config.url or "–",
        "auth": " · ".join([t(lang, f"admin.collectors.auth.{config.auth}"), *config.secret_envs.values()]),
        "schedule": _schedule(entry, lang),
        "enabled": t(lang, "admin.collectors.yes" if config.enabled else "admin.collectors.no"),
        "last_run": f"{t(lang, f'admin.runs.status.{last.status}')} · {moment(last.finished_at or last.started_at)}"
        if last
        else t(lang, "admin.collectors.never"),
        "next_run": _next_run(entry, lang),
        "dossiers": number(entry.dossiers, lang),
        "shared": shared_text(entry.shared, lang),
        "quarantine": number(entry.open_quarantine, lang),
    }


@callback(
    Output("admin-collectors-table", "rowData"),
    Output("admin-collectors-table", "columnDefs"),
    Input("admin-collectors-version", "data"),
    Input("admin-collectors-running", "data"),
    State("admin-collectors-lang", "data"),
)
def show_collectors(_version, _running, lang):  # type: ignore[no-untyped-def]
    """The table, again after each change and when a run starts or ends."""
    with warehouse.engine().connect() as connection:
        entries = overview(connection)
    columns = grid.columns(COLUMNS, "admin.collectors.column.{}", lang)
    return [table_row(entry, lang) for entry in entries], columns


@callback(
    Output("admin-collectors-selected", "data"),
    Input("admin-collectors-table", "cellClicked"),
    prevent_initial_call=True,
)
def choose(cell):  # type: ignore[no-untyped-def]
    row = grid.clicked_row(cell)
    if row is None:
        raise PreventUpdate
    return row


@callback(
    Output("admin-collectors-detail", "style"),
    Output("admin-collectors-selected-title", "children"),
    Output("admin-collectors-secrets", "children"),
    Output("admin-collectors-toggle", "children"),
    Output("admin-collectors-history", "href"),
    Output("admin-collectors-quarantine", "href"),
    Input("admin-collectors-selected", "data"),
    Input("admin-collectors-version", "data"),
    State("admin-collectors-lang", "data"),
)
def show_selected(name, _version, lang):  # type: ignore[no-untyped-def]
    """The chosen collector's actions; its secrets as variable names, each said to be set here or not."""
    if not name:
        return {"display": "none"}, "", "", "", "", ""
    try:
        with warehouse.engine().connect() as connection:
            config = get_collector(connection, name)
    except IOCError:
        return {"display": "none"}, "", "", "", "", ""
    presence = secrets_set(config.secret_envs)
    secrets = " · ".join(
        f"{variable}: {t(lang, 'admin.collectors.env_set' if is_set else 'admin.collectors.env_unset')}"
        for variable, is_set in presence.items()
    )
    toggle = t(lang, "admin.collectors.disable" if config.enabled else "admin.collectors.enable")
    query = urlencode({"collector": name, "lang": lang})
    return {}, name, secrets, toggle, f"/admin/runs?{query}", f"/admin/quarantine?{query}"
