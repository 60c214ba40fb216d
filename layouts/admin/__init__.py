"""``/admin``: the admins' pages — collectors and their runs, the quarantine, users, the indicators, their targets,
boundaries, the e-mail subscribers, the audit log — and an index of them, under the data-health table of every
source. The server lets only admins reach ``/admin`` and every ``admin-…`` callback."""

from __future__ import annotations

import importlib
from types import ModuleType

import dash
import dash_mantine_components as dmc

from layouts.admin.health_table import health_table
from layouts.chrome import frame
from layouts.i18n import language, t
from layouts.page_title import page_title

#: The admin pages, in the order the index and the menu show them.
PAGES = (
    "collectors",
    "runs",
    "quarantine",
    "names",
    "users",
    "displays",
    "subscribers",
    "alert_rules",
    "indicators",
    "targets",
    "boundaries",
    "audit",
)


def pages() -> list[ModuleType]:
    return [importlib.import_module(f"layouts.admin.{name}") for name in PAGES]


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    cards = [
        dmc.Card(
            dmc.Anchor(t(lang, page.TITLE_KEY), href=f"{page.PATH}?lang={lang}", fw=600, size="lg"),
            withBorder=True,
            padding="lg",
            w=300,
        )
        for page in pages()
    ]
    children = [dmc.Title(t(lang, "admin.title"), order=2), dmc.Text(t(lang, "admin.intro"), c="dimmed", mb="md")]
    return frame(lang, "/admin", [*children, *health_table(lang), dmc.Group(cards, align="stretch")])


def register() -> None:
    dash.register_page(__name__, path="/admin", layout=layout, title=page_title("admin"), name="admin")
    for page in pages():
        page.register()
