"""``/admin/audit``: the audit log (nhật ký), newest first — filtered by actor, action, target and days, paged on
the server by :func:`ioc.warehouse.audit.query`; details are shown as JSON text, never as markup."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time, timedelta

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, ctx, dcc

from ioc.warehouse.audit import choices, query
from layouts import grid, warehouse
from layouts.admin.widgets import choice, day_range
from layouts.chrome import frame
from layouts.formatting import moment, number
from layouts.i18n import language, t
from layouts.page_title import page_title

PATH = "/admin/audit"
TITLE_KEY = "admin.audit.title"
PAGE_SIZE = 50
COLUMNS = ("at", "actor", "action", "target", "source_ip", "details")
FILTERS = ("admin-audit-actor", "admin-audit-action", "admin-audit-target", "admin-audit-dates")


def _day(value: object) -> date | None:
    """A date picker's value (``YYYY-MM-DD``, perhaps with a time), else None."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _range(dates: list | None) -> tuple[datetime | None, datetime | None]:
    """Whole days, both included, as the query's ``since`` ≤ time < ``until``."""
    first, last = (_day(value) for value in ((dates or []) + [None, None])[:2])
    since = datetime.combine(first, time()) if first else None
    until = datetime.combine(last + timedelta(days=1), time()) if last else None
    return since, until


#: Actors that are not a user name: a wall-screen opening its display link is audited as ``display``.
MACHINE_ACTORS = ("display",)


def _row(entry: dict, lang: str) -> dict:
    actor = entry["actor"]
    return {
        "at": moment(entry["at"]),
        "actor": t(lang, f"admin.audit.actor.{actor}") if actor in MACHINE_ACTORS else actor,
        "action": entry["action"],
        "target": entry["target"] or "",
        "source_ip": entry["source_ip"] or "",
        "details": json.dumps(entry["details"] or {}, ensure_ascii=False, sort_keys=True, default=str),
    }


def entries(
    actor: str | None, action: str | None, target: str | None, dates: list | None, page: int | None, lang: str
) -> tuple[list[dict], int, str]:
    """One page of the filtered log as table rows, the number of pages, and a line saying how many entries match."""
    since, until = _range(dates)
    page = max(0, int(page or 0))
    with warehouse.engine().connect() as connection:
        rows, total = query(
            connection,
            actor=actor or None,
            action=action or None,
            target_contains=(target or "").strip() or None,
            since=since,
            until=until,
            limit=PAGE_SIZE,
            offset=page * PAGE_SIZE,
        )
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return [_row(row, lang) for row in rows], pages, t(lang, "admin.audit.total", count=number(total, lang))


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    with warehouse.engine().connect() as connection:
        known = choices(connection)
    rows, pages, total = entries(None, None, None, None, 0, lang)
    filters = dmc.Group(
        [
            choice(
                "admin-audit-actor",
                t(lang, "admin.audit.column.actor"),
                known["actor"],
                t(lang, "admin.audit.all"),
                lang=lang,
            ),
            choice(
                "admin-audit-action",
                t(lang, "admin.audit.column.action"),
                known["action"],
                t(lang, "admin.audit.all"),
                lang=lang,
            ),
            dmc.TextInput(id="admin-audit-target", label=t(lang, "admin.audit.target_contains"), debounce=400, w=220),
            day_range("admin-audit-dates", t(lang, "admin.audit.days")),
        ],
        align="flex-end",
        gap="sm",
    )
    column_defs = grid.columns(COLUMNS, "admin.audit.column.{}", lang)
    for definition in column_defs:
        if definition["field"] == "details":
            definition["cellStyle"] = {"fontFamily": "monospace", "fontSize": 13}
    table = dmc.Stack(
        [
            grid.table("admin-audit-table", lang, column_defs, rows, paged=False),
            dmc.Pagination(id="admin-audit-page", total=pages, value=1, size="sm", withEdges=True),
        ],
        gap="xs",
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, TITLE_KEY), order=2),
            filters,
            dmc.Text(total, id="admin-audit-total", size="sm", c="dimmed"),
            dmc.Paper(table, withBorder=True, p="sm"),
            dcc.Store(id="admin-audit-lang", data=lang),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [dmc.DatesProvider(body, settings={"locale": lang, "firstDayOfWeek": 1})])


@callback(
    Output("admin-audit-table", "rowData"),
    Output("admin-audit-page", "total"),
    Output("admin-audit-page", "value"),
    Output("admin-audit-total", "children"),
    *[Input(component, "value") for component in FILTERS],
    Input("admin-audit-page", "value"),
    State("admin-audit-lang", "data"),
    prevent_initial_call=True,
)
def show(actor, action, target, dates, page, lang):  # type: ignore[no-untyped-def]
    """The page asked for; a changed filter starts again at the first page."""
    page = grid.page_index(page) if ctx.triggered_id == "admin-audit-page" else 0
    rows, pages, total = entries(actor, action, target, dates, page, language(lang))
    return rows, pages, page + 1, total


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("admin-audit"), name="admin-audit")
