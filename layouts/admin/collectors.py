"""``/admin/collectors``: every collector with its last and next run, what it loaded and what waits in quarantine;
add and edit them (:mod:`layouts.admin.collector_form`); enable, disable, remove; run now or backfill a date range in
a process of its own, and watch the run's progress live."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, ctx, dash_table, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ioc.collecting.launch import Launch, launch_run, launch_state, read_log
from ioc.collecting.runs import AlreadyRunningError
from ioc.collecting.status import (
    CollectorOverview,
    RunRow,
    dossiers_loaded,
    latest_run,
    overview,
    secrets_set,
    shared_with,
)
from ioc.collecting.store import format_interval, get_collector, remove_collector, set_enabled
from ioc.config import load_settings, now_local
from ioc.errors import IOCError
from ioc.warehouse.access import transaction
from layouts import warehouse
from layouts.access import current_ip, current_username
from layouts.admin import file_upload
from layouts.admin.collector_form import MESSAGE, changed, drawer, message
from layouts.admin.runs import PRE_STYLE, STATUS_COLORS, duration, run_facts
from layouts.admin.widgets import TABLE_STYLE
from layouts.formatting import moment, number
from layouts.i18n import language, t
from layouts.shell import frame

PATH = "/admin/collectors"
TITLE_KEY = "admin.collectors.title"
#: How often the page reads a running run's progress.
POLL_MS = 2000
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
#: The collectors' table wraps long cells (addresses, the next run's note) rather than cut them.
WRAPPED = {"whiteSpace": "normal", "height": "auto", "wordBreak": "break-word"}


def _actions(lang: str) -> dmc.Paper:
    button = {"size": "sm", "variant": "light"}
    return dmc.Paper(
        dmc.Stack(
            [
                dmc.Group(
                    [
                        dmc.Title(id="admin-collectors-selected-title", order=3),
                        dmc.Text(id="admin-collectors-secrets", size="sm", c="dimmed"),
                    ]
                ),
                dmc.Group(
                    [
                        dmc.Button(t(lang, "admin.collectors.edit"), id="admin-collectors-edit", **button),
                        dmc.Button(id="admin-collectors-toggle", **button),
                        dmc.Button(t(lang, "admin.collectors.run_now"), id="admin-collectors-run", size="sm"),
                        dmc.DatePickerInput(
                            id="admin-collectors-backfill-dates",
                            type="range",
                            valueFormat="DD/MM/YYYY",
                            placeholder=t(lang, "admin.collectors.backfill_dates"),
                            w=250,
                        ),
                        dmc.Button(t(lang, "admin.collectors.backfill"), id="admin-collectors-backfill", **button),
                        dmc.Anchor(t(lang, "admin.collectors.history"), id="admin-collectors-history", href=""),
                        dmc.Anchor(t(lang, "admin.collectors.quarantine"), id="admin-collectors-quarantine", href=""),
                        dmc.Button(
                            t(lang, "admin.collectors.remove"), id="admin-collectors-remove", color="red", **button
                        ),
                    ],
                    gap="sm",
                ),
                file_upload.panel(lang),
                html.Div(id="admin-collectors-progress"),
            ],
            gap="sm",
        ),
        id="admin-collectors-detail",
        withBorder=True,
        p="sm",
        style={"display": "none"},
    )


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    remove_dialog = dmc.Modal(
        dmc.Stack(
            [
                dmc.Text(id="admin-collectors-remove-text"),
                dmc.Checkbox(id="admin-collectors-remove-purge", label=t(lang, "admin.collectors.remove_purge")),
                dmc.Group(
                    [
                        dmc.Button(
                            t(lang, "admin.collectors.remove"), id="admin-collectors-remove-confirm", color="red"
                        ),
                        dmc.Button(
                            t(lang, "admin.collectors.cancel"), id="admin-collectors-remove-cancel", variant="default"
                        ),
                    ]
                ),
            ]
        ),
        id="admin-collectors-remove-dialog",
        title=t(lang, "admin.collectors.remove_title"),
    )
    body = dmc.Stack(
        [
            dmc.Group(
                [
                    dmc.Title(t(lang, "admin.collectors.title"), order=2),
                    dmc.Button(t(lang, "admin.collectors.add"), id="admin-collectors-add"),
                ],
                justify="space-between",
            ),
            dmc.Text(t(lang, "admin.collectors.intro"), size="sm", c="dimmed"),
            dmc.Alert(id="admin-collectors-message", hide=True, withCloseButton=True),
            dash_table.DataTable(id="admin-collectors-table", **(TABLE_STYLE | {"style_data": WRAPPED})),
            _actions(lang),
            drawer(lang),
            remove_dialog,
            dcc.Interval(id="admin-collectors-tick", interval=POLL_MS, disabled=True),
            dcc.Store(id="admin-collectors-lang", data=lang),
            dcc.Store(id="admin-collectors-version", data=0),
            dcc.Store(
                id="admin-collectors-selected", data=str(params["collector"]) if params.get("collector") else None
            ),
            dcc.Store(id="admin-collectors-editing"),
            dcc.Store(id="admin-collectors-launch"),
            dcc.Store(id="admin-collectors-running", data=False),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [dmc.DatesProvider(body, settings={"locale": lang, "firstDayOfWeek": 1})])


# the table ------------------------------------------------------------------------------------------------------


def _schedule(entry: CollectorOverview, lang: str) -> str:
    config = entry.config
    if config.cron:
        return f"cron {config.cron}"
    if config.interval_seconds:
        return t(lang, "admin.collectors.every", interval=format_interval(config.interval_seconds))
    return t(lang, "admin.collectors.schedule.manual")


def _next_run(entry: CollectorOverview, lang: str) -> str:
    upcoming = entry.next_run
    if upcoming.source == "none":
        return "–"
    if upcoming.source == "scheduler":
        return moment(upcoming.at)
    when = moment(upcoming.at) if upcoming.at else t(lang, "admin.collectors.next_on_start")
    return f"{when} ({t(lang, 'admin.collectors.scheduler_not_running')})"


def _shared(shared: dict[str, int], lang: str) -> str:
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
        "shared": _shared(entry.shared, lang),
        "quarantine": number(entry.open_quarantine, lang),
    }


@callback(
    Output("admin-collectors-table", "data"),
    Output("admin-collectors-table", "columns"),
    Input("admin-collectors-version", "data"),
    Input("admin-collectors-running", "data"),
    State("admin-collectors-lang", "data"),
)
def show_collectors(_version, _running, lang):  # type: ignore[no-untyped-def]
    """The table, again after each change and when a run starts or ends."""
    with warehouse.engine().connect() as connection:
        entries = overview(connection)
    columns = [{"name": t(lang, f"admin.collectors.column.{c}"), "id": c} for c in COLUMNS]
    return [table_row(entry, lang) for entry in entries], columns


@callback(
    Output("admin-collectors-selected", "data"),
    Input("admin-collectors-table", "active_cell"),
    prevent_initial_call=True,
)
def choose(cell):  # type: ignore[no-untyped-def]
    if not cell or cell.get("row_id") is None:
        raise PreventUpdate
    return cell["row_id"]


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


# actions on the chosen collector ---------------------------------------------------------------------------------


@callback(
    *MESSAGE,
    Output("admin-collectors-version", "data", allow_duplicate=True),
    Input("admin-collectors-toggle", "n_clicks"),
    State("admin-collectors-selected", "data"),
    State("admin-collectors-lang", "data"),
    prevent_initial_call=True,
)
def toggle(_clicks, name, lang):  # type: ignore[no-untyped-def]
    """Switch the chosen collector on or off (the scheduler follows within seconds)."""
    if not name:
        raise PreventUpdate
    try:
        with transaction(warehouse.engine()) as connection:
            enabled = not get_collector(connection, name).enabled
            set_enabled(connection, name, enabled, actor=current_username(), source_ip=current_ip())
    except IOCError as error:
        return *message(str(error), "red"), no_update
    key = "admin.collectors.enabled" if enabled else "admin.collectors.disabled"
    return *message(t(lang, key, name=name), "green"), changed()


def start_run(name: str | None, lang: str, since: date | None = None, until: date | None = None) -> tuple:
    """Start a run in its own process: the message, and what the page keeps to follow the process."""
    if not name:
        raise PreventUpdate
    try:
        launch = launch_run(
            warehouse.engine(),
            name,
            load_settings().data_dir,
            since,
            until,
            actor=current_username(),
            source_ip=current_ip(),
        )
    except AlreadyRunningError as error:
        return *message(f"{t(lang, 'admin.collectors.already_running', name=name)} — {error}", "orange"), no_update
    except IOCError as error:
        return *message(f"{t(lang, 'admin.collectors.error.refused')} — {error}", "red"), no_update
    stored = {"collector": name, "pid": launch.pid, "log": launch.log_name, "at": launch.started_at.isoformat()}
    key = "admin.collectors.backfill_started" if since else "admin.collectors.run_started"
    return *message(t(lang, key, name=name), "blue"), stored


@callback(
    *MESSAGE,
    Output("admin-collectors-launch", "data", allow_duplicate=True),
    Input("admin-collectors-run", "n_clicks"),
    State("admin-collectors-selected", "data"),
    State("admin-collectors-lang", "data"),
    prevent_initial_call=True,
)
def run_now(_clicks, name, lang):  # type: ignore[no-untyped-def]
    """An incremental run from the collector's cursor."""
    return start_run(name, lang)


@callback(
    *MESSAGE,
    Output("admin-collectors-launch", "data", allow_duplicate=True),
    Input("admin-collectors-backfill", "n_clicks"),
    State("admin-collectors-selected", "data"),
    State("admin-collectors-backfill-dates", "value"),
    State("admin-collectors-lang", "data"),
    prevent_initial_call=True,
)
def backfill(_clicks, name, dates, lang):  # type: ignore[no-untyped-def]
    """A backfill of the chosen days, both included."""
    if not dates or len(dates) != 2 or not all(dates):
        return *message(t(lang, "admin.collectors.error.dates"), "orange"), no_update
    first, last = (date.fromisoformat(value[:10]) for value in dates)
    return start_run(name, lang, first, last)


@callback(
    Output("admin-collectors-remove-dialog", "opened"),
    Output("admin-collectors-remove-text", "children"),
    Output("admin-collectors-remove-purge", "checked"),
    Input("admin-collectors-remove", "n_clicks"),
    Input("admin-collectors-remove-cancel", "n_clicks"),
    State("admin-collectors-selected", "data"),
    State("admin-collectors-lang", "data"),
    prevent_initial_call=True,
)
def ask_remove(_remove, _cancel, name, lang):  # type: ignore[no-untyped-def]
    """Removing asks first, saying how many dossiers the collector loaded, and how many of them other collectors also
    deliver (those stay counted, from the other collectors' rows)."""
    if ctx.triggered_id == "admin-collectors-remove-cancel" or not name:
        return False, no_update, False
    with warehouse.engine().connect() as connection:
        held = dossiers_loaded(connection, name)
        shared = shared_with(connection, name)
    question = t(lang, "admin.collectors.remove_question", name=name, dossiers=number(held, lang))
    if shared:
        question += " " + t(lang, "admin.collectors.remove_shared", shared=_shared(shared, lang))
    return True, question, False


@callback(
    *MESSAGE,
    Output("admin-collectors-version", "data", allow_duplicate=True),
    Output("admin-collectors-selected", "data", allow_duplicate=True),
    Output("admin-collectors-remove-dialog", "opened", allow_duplicate=True),
    Input("admin-collectors-remove-confirm", "n_clicks"),
    State("admin-collectors-selected", "data"),
    State("admin-collectors-remove-purge", "checked"),
    State("admin-collectors-lang", "data"),
    prevent_initial_call=True,
)
def remove(_clicks, name, purge, lang):  # type: ignore[no-untyped-def]
    """Remove the collector with its runs and quarantine (and its dossiers when asked)."""
    if not name:
        raise PreventUpdate
    try:
        with transaction(warehouse.engine()) as connection:
            remove_collector(connection, name, bool(purge), actor=current_username(), source_ip=current_ip())
    except IOCError as error:
        return *message(f"{t(lang, 'admin.collectors.error.refused')} — {error}", "red"), no_update, no_update, False
    return *message(t(lang, "admin.collectors.removed", name=name), "green"), changed(), None, False


# live progress ----------------------------------------------------------------------------------------------------


def progress_panel(run: RunRow | None, lang: str) -> list:
    """A run's progress bar (by the source's count, when it gave one), its counts, and how it ended."""
    if run is None:
        return [dmc.Text(t(lang, "admin.collectors.no_runs"), c="dimmed")]
    running = run.status == "running"
    share = min(100.0, 100.0 * run.handled / run.total) if run.total else (0.0 if running else 100.0)
    if run.status == "succeeded":
        share = 100.0
    counted = t(
        lang,
        "admin.collectors.progress",
        handled=number(run.handled, lang),
        total=number(run.total, lang),
        elapsed=duration(run.elapsed(now_local())),
    )
    bar = dmc.Progress(
        id="admin-collectors-progress-bar",
        value=share if run.total or not running else 100,
        striped=running,
        animated=running,
        color=STATUS_COLORS.get(run.status, "gray"),
        size="lg",
    )
    return [dmc.Text(counted, size="sm", id="admin-collectors-progress-text"), bar, run_facts(run, lang, now_local())]


def _launch(data: object) -> Launch | None:
    """The started process the page keeps (client data, so read with care)."""
    if not isinstance(data, dict):
        return None
    try:
        return Launch(str(data["collector"]), int(data["pid"]), str(data["log"]), datetime.fromisoformat(data["at"]))
    except (KeyError, TypeError, ValueError):
        return None


def _log_end(log_name: str) -> str:
    try:
        return read_log(load_settings().data_dir, log_name) or "–"
    except IOCError:
        return "–"


@callback(
    Output("admin-collectors-progress", "children"),
    Output("admin-collectors-tick", "disabled"),
    Output("admin-collectors-running", "data"),
    Input("admin-collectors-tick", "n_intervals"),
    Input("admin-collectors-selected", "data"),
    Input("admin-collectors-launch", "data"),
    State("admin-collectors-running", "data"),
    State("admin-collectors-lang", "data"),
)
def show_progress(_tick, name, launched, was_running, lang):  # type: ignore[no-untyped-def]
    """The chosen collector's latest run, read again every few seconds while it runs; a started process that has not
    claimed its run yet is "starting", and one that ended without a run shows the end of its log."""
    if not name:
        return None, True, no_update if not was_running else False
    notice = []
    starting = False
    with warehouse.engine().connect() as connection:
        launch = _launch(launched)
        if launch is not None and launch.collector == name:
            state = launch_state(connection, launch)
            if state.run_id is None and state.alive:
                starting = True
                notice = [dmc.Text(t(lang, "admin.collectors.starting"), id="admin-collectors-starting")]
            elif state.run_id is None:
                notice = [
                    dmc.Alert(t(lang, "admin.collectors.start_failed"), color="red"),
                    html.Pre(_log_end(launch.log_name), id="admin-collectors-log", style=PRE_STYLE),
                ]
        run = latest_run(connection, name)
    running = starting or (run is not None and run.status == "running")
    panel = [*notice, *progress_panel(run, lang)]
    return panel, not running, running if bool(running) != bool(was_running) else no_update


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title="IOC — Bộ thu thập", name="admin-collectors")
