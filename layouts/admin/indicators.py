"""``/admin/indicators`` ("Chỉ tiêu"): the indicator registry — the dossier KPIs, the shipped catalogue and those
admins added — and a form that registers a new one through the same core function as ``ioc indicator add``
(:func:`ioc.indicators.adding.register_indicator`), audited with the admin and their address. Once registered, a file
or source naming it loads, and the explorer offers it, with no code change."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, no_update

from ioc.config import now_local
from ioc.errors import IOCError
from ioc.indicators.adding import register_indicator
from ioc.indicators.model import AGGREGATIONS, DIRECTIONS, Indicator
from ioc.indicators.registry import registered
from layouts import grid, warehouse
from layouts.access import current_ip, current_username
from layouts.chrome import frame
from layouts.i18n import error_text, language, t
from layouts.page_title import page_title

PATH = "/admin/indicators"
TITLE_KEY = "admin.indicators.title"
COLUMNS = ("code", "name", "unit", "aggregation", "direction", "pillar", "origin")
#: The form's text fields and their longest accepted values (the core checks them again).
TEXTS = {"code": 64, "name_vi": 200, "name_en": 200, "unit": 50}


def table_rows(lang: str) -> list[dict]:
    """Every registered indicator as the table shows it."""
    with warehouse.engine().connect() as connection:
        indicators = registered(connection)
    return [
        {
            "id": code,
            "code": code,
            "name": indicator.name_vi if lang == "vi" else indicator.name_en,
            "unit": indicator.unit,
            "aggregation": t(lang, f"admin.indicators.aggregation.{indicator.aggregation}"),
            "direction": t(lang, f"admin.indicators.direction.{indicator.direction}"),
            "pillar": t(lang, f"indicator.pillar.{indicator.pillar}") if indicator.pillar else "",
            "origin": t(lang, f"admin.indicators.origin.{indicator.origin}"),
        }
        for code, indicator in indicators.items()
    ]


def _form(lang: str) -> dmc.Paper:
    texts = [
        dmc.TextInput(id=f"admin-indicators-{name}", label=t(lang, f"admin.indicators.field.{name}"), w=260)
        for name in TEXTS
    ]
    choices = [
        dmc.Select(
            id=f"admin-indicators-{name}",
            label=t(lang, f"admin.indicators.field.{name}"),
            data=[{"value": v, "label": t(lang, f"admin.indicators.{name}.{v}")} for v in values],
            value=values[0],
            allowDeselect=False,
            w=220,
        )
        for name, values in (("aggregation", AGGREGATIONS), ("direction", DIRECTIONS))
    ]
    return dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.indicators.add_title"), order=4),
                dmc.Text(t(lang, "admin.indicators.add_hint"), size="sm", c="dimmed"),
                dmc.Group(texts, align="flex-end"),
                dmc.Group(choices, align="flex-end"),
                dmc.Alert(id="admin-indicators-message", hide=True),
                dmc.Group(dmc.Button(t(lang, "admin.indicators.add"), id="admin-indicators-add")),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    table = grid.table(
        "admin-indicators-table", lang, grid.columns(COLUMNS, "admin.indicators.column.{}", lang), table_rows(lang)
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, TITLE_KEY), order=2),
            dmc.Text(t(lang, "admin.indicators.intro"), c="dimmed"),
            _form(lang),
            dmc.Paper(table, withBorder=True, p="sm"),
            dcc.Store(id="admin-indicators-lang", data=lang),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


def _text(value: object, limit: int) -> str | None:
    """A form field's text, stripped; None for anything else or past its limit."""
    return value.strip() if isinstance(value, str) and len(value) <= limit else None


def added(values: dict[str, object], lang: str) -> tuple[str | None, Indicator | None]:
    """Register the indicator the form describes: (the error a person can act on, None) or (None, the indicator)."""
    texts = {name: _text(values.get(name), limit) for name, limit in TEXTS.items()}
    missing = [name for name, text in texts.items() if not text]
    if missing:
        return t(
            lang, "admin.indicators.missing", fields=", ".join(t(lang, f"admin.indicators.field.{n}") for n in missing)
        ), None
    aggregation, direction = values.get("aggregation"), values.get("direction")
    if aggregation not in AGGREGATIONS or direction not in DIRECTIONS:
        return t(lang, "admin.indicators.choose"), None
    indicator = Indicator(
        code=texts["code"],  # type: ignore[arg-type]
        name_vi=texts["name_vi"],  # type: ignore[arg-type]
        name_en=texts["name_en"],  # type: ignore[arg-type]
        unit=texts["unit"],  # type: ignore[arg-type]
        aggregation=aggregation,  # type: ignore[arg-type]
        direction=direction,  # type: ignore[arg-type]
        origin="custom",
    )
    try:
        return None, register_indicator(warehouse.engine(), indicator, current_username(), now_local(), current_ip())
    except IOCError as error:
        return error_text(error, lang), None


@callback(
    Output("admin-indicators-message", "children"),
    Output("admin-indicators-message", "color"),
    Output("admin-indicators-message", "hide"),
    Output("admin-indicators-table", "rowData"),
    Input("admin-indicators-add", "n_clicks"),
    *[State(f"admin-indicators-{name}", "value") for name in (*TEXTS, "aggregation", "direction")],
    State("admin-indicators-lang", "data"),
    prevent_initial_call=True,
)
def add(_clicks, code, name_vi, name_en, unit, aggregation, direction, lang):  # type: ignore[no-untyped-def]
    """Register the indicator; a refused one changes nothing and says why."""
    lang = language(lang)
    values = {"code": code, "name_vi": name_vi, "name_en": name_en, "unit": unit}
    error, indicator = added(values | {"aggregation": aggregation, "direction": direction}, lang)
    if error or indicator is None:
        return error, "red", False, no_update
    return t(lang, "admin.indicators.added", code=indicator.code), "green", False, table_rows(lang)


def register() -> None:
    dash.register_page(
        __name__, path=PATH, layout=layout, title=page_title("admin-indicators"), name="admin-indicators"
    )
