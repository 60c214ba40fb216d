"""``/``: the way in — the wall-screen for leaders, the explorer for analysts; each person sees only the ways they may
take."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc

from layouts.access import allowed, current_principal, path_need
from layouts.chrome import frame
from layouts.i18n import language, t
from layouts.page_title import page_title


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    principal = current_principal()
    cards = [
        dmc.Card(
            [
                dmc.Title(t(lang, f"home.{key}.title"), order=3),
                dmc.Text(t(lang, f"home.{key}.text"), c="dimmed"),
                dmc.Anchor(t(lang, "home.open"), href=f"/{key}?lang={lang}"),
            ],
            withBorder=True,
            padding="lg",
            w=360,
        )
        for key in ("wall", "explore")
        if allowed(principal, path_need(f"/{key}"))
    ]
    return frame(lang, "/", [dmc.Group(cards, align="stretch")])


def register() -> None:
    dash.register_page(__name__, path="/", layout=layout, title=page_title("home"), name="home")
