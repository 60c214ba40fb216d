"""The live progress of the chosen collector's latest run on ``/admin/collectors``, read again every few seconds while
it runs."""

from __future__ import annotations

from datetime import datetime

import dash_mantine_components as dmc
from dash import Input, Output, State, callback, clientside_callback, html, no_update

from ioc.collecting.launch import Launch, launch_state, read_log
from ioc.collecting.status import (
    RunRow,
    latest_run,
)
from ioc.config import load_settings, now_local
from ioc.errors import IOCError
from layouts import warehouse
from layouts.admin.runs import PRE_STYLE, STATUS_COLORS, duration, run_facts
from layouts.formatting import number
from layouts.i18n import t

#: How often the page reads a running run's progress.
POLL_MS = 2000


def progress_panel(run: RunRow | None, lang: str) -> list:
    """A run's progress bar (by the source's count of the run's window, when it gave one; else a striped bar while it
    runs), the records it read (of that count), its counts, and how it ended."""
    if run is None:
        return [dmc.Text(t(lang, "admin.collectors.no_runs"), c="dimmed")]
    running = run.status == "running"
    share = min(100.0, 100.0 * run.handled / run.total) if run.total else (0.0 if running else 100.0)
    if run.status == "succeeded":
        share = 100.0
    counted = t(
        lang,
        "admin.collectors.progress" if run.total is not None else "admin.collectors.progress_count",
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


#: The panel shown again, and the line said while a run is being started hidden.
SHOWN = ({}, {"display": "none"})

# A click on "run now" or "backfill" hides the panel at once and says a run is starting, until the progress callback
# below follows the started process (or shows the latest run again when nothing started): never the previous run.
clientside_callback(
    "function () { return [{display: 'none'}, {}]; }",
    Output("admin-collectors-progress", "style", allow_duplicate=True),
    Output("admin-collectors-launching", "style", allow_duplicate=True),
    Input("admin-collectors-run", "n_clicks"),
    Input("admin-collectors-backfill", "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output("admin-collectors-progress", "children"),
    Output("admin-collectors-tick", "disabled"),
    Output("admin-collectors-running", "data"),
    Output("admin-collectors-progress", "style"),
    Output("admin-collectors-launching", "style"),
    Input("admin-collectors-tick", "n_intervals"),
    Input("admin-collectors-selected", "data"),
    Input("admin-collectors-launch", "data"),
    State("admin-collectors-running", "data"),
    State("admin-collectors-lang", "data"),
)
def show_progress(_tick, name, launched, was_running, lang):  # type: ignore[no-untyped-def]
    """The chosen collector's latest run, read again every few seconds while it runs; a started process that has not
    claimed its run yet is "starting" (and the previous run is not shown), and one that ended without a run shows the
    end of its log."""
    if not name:
        return None, True, no_update if not was_running else False, *SHOWN
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
    panel = notice if starting else [*notice, *progress_panel(run, lang)]
    return panel, not running, running if bool(running) != bool(was_running) else no_update, *SHOWN
