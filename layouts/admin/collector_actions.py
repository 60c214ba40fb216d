"""The actions on the chosen collector of ``/admin/collectors``: enable or disable, run now or backfill in a process of
its own, remove (after asking)."""

from __future__ import annotations

from datetime import date

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from ioc.collecting.configure import delete_collector, toggle_collector
from ioc.collecting.launch import launch_run
from ioc.collecting.runs import AlreadyRunningError
from ioc.collecting.status import (
    dossiers_loaded,
    shared_with,
)
from ioc.config import load_settings
from ioc.errors import IOCError
from layouts import warehouse
from layouts.access import current_ip, current_username
from layouts.admin.collector_form import MESSAGE, changed, message
from layouts.admin.collector_table import shared_text
from layouts.formatting import number
from layouts.i18n import error_text, t


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
        config = toggle_collector(warehouse.engine(), name, actor=current_username(), source_ip=current_ip())
    except IOCError as error:
        return *message(error_text(error, lang), "red"), no_update
    key = "admin.collectors.enabled" if config.enabled else "admin.collectors.disabled"
    return *message(t(lang, key, name=name), "green"), changed()


def start_run(name: str | None, lang: str, since: date | None = None, until: date | None = None) -> tuple:
    """Start a run in its own process: the message, and what the page keeps to follow the process (None when nothing
    started, so that the progress panel, hidden by the click, shows the latest run again)."""
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
        return *message(f"{t(lang, 'admin.collectors.already_running', name=name)} — {error}", "orange"), None
    except IOCError as error:
        return *message(f"{t(lang, 'admin.collectors.error.refused')} — {error_text(error, lang)}", "red"), None
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
        return *message(t(lang, "admin.collectors.error.dates"), "orange"), None
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
        question += " " + t(lang, "admin.collectors.remove_shared", shared=shared_text(shared, lang))
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
        delete_collector(warehouse.engine(), name, bool(purge), actor=current_username(), source_ip=current_ip())
    except IOCError as error:
        return (
            *message(f"{t(lang, 'admin.collectors.error.refused')} — {error_text(error, lang)}", "red"),
            no_update,
            no_update,
            False,
        )
    return *message(t(lang, "admin.collectors.removed", name=name), "green"), changed(), None, False
