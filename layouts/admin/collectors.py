"""``/admin/collectors``: every collector with its last and next run, what it loaded and what waits in quarantine;
add and edit them (:mod:`layouts.admin.collector_form`); enable, disable, remove; run now or backfill a date range in
a process of its own, and watch the run's progress live."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc, html

from layouts import grid
from layouts.admin import collector_actions, collector_progress, collector_table, file_upload
from layouts.admin.collector_form import drawer
from layouts.chrome import frame
from layouts.i18n import language, t
from layouts.page_title import page_title

PATH = "/admin/collectors"
TITLE_KEY = "admin.collectors.title"
#: The modules whose callbacks serve the page (they register as they are imported), one job each.
CALLBACKS = (collector_table, collector_actions, collector_progress)


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
                dmc.Text(
                    t(lang, "admin.collectors.starting"), id="admin-collectors-launching", style={"display": "none"}
                ),
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
            grid.table("admin-collectors-table", lang, wrap=True, row_ids=True),
            _actions(lang),
            drawer(lang),
            remove_dialog,
            dcc.Interval(id="admin-collectors-tick", interval=collector_progress.POLL_MS, disabled=True),
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


def register() -> None:
    dash.register_page(
        __name__, path=PATH, layout=layout, title=page_title("admin-collectors"), name="admin-collectors"
    )
