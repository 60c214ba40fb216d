"""``/admin/targets``: every registered indicator's target and traffic-light bands (chỉ tiêu) for the province, a unit
or an agency — where each comes from (IOC's default, set in the warehouse, or "chưa đặt" until an admin sets one),
and a form that sets one through :func:`ioc.kpi.targets.save_target`, which validates it and writes the audit log in
the same transaction."""

from __future__ import annotations

import math

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, no_update
from dash.exceptions import PreventUpdate

from ioc.config import now_local
from ioc.errors import IOCError
from ioc.indicators.model import Indicator
from ioc.indicators.registry import registered
from ioc.kpi.registry import Target
from ioc.kpi.targets import SCOPES, TargetSetting, save_target, target_settings
from layouts import grid, lookups, warehouse
from layouts.access import current_ip, current_username
from layouts.chrome import frame
from layouts.formatting import moment, number
from layouts.i18n import error_text, language, t
from layouts.page_title import page_title

PATH = "/admin/targets"
TITLE_KEY = "admin.targets.title"
COLUMNS = ("name", "direction", "target", "green_from", "amber_from", "source", "updated")
BANDS = ("target", "green_from", "amber_from")


def _scope_codes(scope: str, lang: str) -> list[dict]:
    """The units (communes) or agencies a target can be set for, by name."""
    names = lookups.names()
    if scope == "unit":
        return [{"value": c, "label": f"{n} ({c})"} for c, n in names.units.items() if c != names.province_code]
    if scope == "agency":
        agencies = sorted(names.of("agency", lang).items(), key=lambda item: item[1])
        return [{"value": code, "label": name} for code, name in agencies]
    return []


def _settings(scope: str, code: str) -> dict[str, TargetSetting]:
    with warehouse.engine().connect() as connection:
        return target_settings(connection, scope, code)


def _indicators() -> dict[str, Indicator]:
    """Every registered indicator: the dossier KPIs, the shipped catalogue and those admins added."""
    with warehouse.engine().connect() as connection:
        return registered(connection)


def _name(indicator: Indicator, lang: str) -> str:
    return indicator.name_vi if lang == "vi" else indicator.name_en


def _value(value: float, lang: str) -> str:
    return number(value, lang, 0 if float(value).is_integer() else 2)


def _table_rows(scope: str, code: str, lang: str) -> list[dict]:
    """Every registered indicator, with or without a target, as the table shows it."""
    settings = _settings(scope, code)
    rows = []
    for indicator in _indicators().values():
        setting = settings.get(indicator.code)
        row = {
            "id": indicator.code,
            "name": f"{_name(indicator, lang)} ({indicator.unit})",
            "direction": t(lang, "admin.targets.higher" if indicator.higher_is_better else "admin.targets.lower"),
            "source": t(lang, f"admin.targets.source.{setting.source}" if setting else "admin.targets.source.none"),
            "updated": " · ".join(filter(None, (setting.updated_by, moment(setting.updated_at))))
            if setting and setting.updated_at
            else "",
        }
        for band in BANDS:
            row[band] = _value(getattr(setting.target, band), lang) if setting else "–"
        rows.append(row)
    return rows


def _form(lang: str) -> dmc.Paper:
    separators = {"decimalSeparator": ",", "thousandSeparator": "."} if lang == "vi" else {"thousandSeparator": ","}
    numbers = [
        dmc.NumberInput(id=f"admin-targets-{band}", label=t(lang, f"admin.targets.column.{band}"), w=160, **separators)
        for band in BANDS
    ]
    return dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.targets.edit_title"), order=4),
                dmc.Select(
                    id="admin-targets-kpi",
                    label=t(lang, "admin.targets.kpi"),
                    data=[{"value": c, "label": f"{_name(i, lang)} ({c})"} for c, i in _indicators().items()],
                    searchable=True,
                    nothingFoundMessage=t(lang, "select.nothing_found"),
                    allowDeselect=False,
                    w=360,
                ),
                dmc.Text(id="admin-targets-hint", size="sm", c="dimmed"),
                dmc.Group(numbers, align="flex-end"),
                dmc.Alert(id="admin-targets-message", hide=True),
                dmc.Group(dmc.Button(t(lang, "admin.targets.save"), id="admin-targets-save")),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    scope = dmc.Group(
        [
            dmc.SegmentedControl(
                id="admin-targets-scope",
                value="province",
                data=[{"value": s, "label": t(lang, f"admin.targets.scope.{s}")} for s in SCOPES],
            ),
            dmc.Select(
                id="admin-targets-code",
                data=[],
                disabled=True,
                searchable=True,
                nothingFoundMessage=t(lang, "select.nothing_found"),
                allowDeselect=False,
                w=360,
            ),
        ],
        align="flex-end",
    )
    table = grid.table(
        "admin-targets-table",
        lang,
        grid.columns(COLUMNS, "admin.targets.column.{}", lang),
        _table_rows("province", "", lang),
        row_ids=True,
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, TITLE_KEY), order=2),
            dmc.Text(t(lang, "admin.targets.intro"), c="dimmed"),
            scope,
            dmc.Paper(table, withBorder=True, p="sm"),
            _form(lang),
            dcc.Store(id="admin-targets-lang", data=lang),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


@callback(
    Output("admin-targets-code", "data"),
    Output("admin-targets-code", "value"),
    Output("admin-targets-code", "disabled"),
    Output("admin-targets-code", "placeholder"),
    Input("admin-targets-scope", "value"),
    State("admin-targets-lang", "data"),
    prevent_initial_call=True,
)
def choose_scope(scope, lang):  # type: ignore[no-untyped-def]
    """The units or agencies of the chosen scope; the province has none to choose."""
    lang = language(lang)
    placeholder = t(lang, f"admin.targets.choose.{scope}") if scope in ("unit", "agency") else ""
    return _scope_codes(scope, lang), None, scope not in ("unit", "agency"), placeholder


@callback(
    Output("admin-targets-table", "rowData"),
    Input("admin-targets-scope", "value"),
    Input("admin-targets-code", "value"),
    State("admin-targets-lang", "data"),
    prevent_initial_call=True,
)
def show(scope, code, lang):  # type: ignore[no-untyped-def]
    """The targets that apply to the chosen scope (the province's until a unit or an agency is chosen)."""
    return _table_rows(scope if code else "province", code or "", language(lang))


@callback(
    Output("admin-targets-kpi", "value"),
    Input("admin-targets-table", "cellClicked"),
    prevent_initial_call=True,
)
def pick_row(cell):  # type: ignore[no-untyped-def]
    """A click on a row edits its KPI."""
    row = grid.clicked_row(cell)
    if row is None or row not in _indicators():
        raise PreventUpdate
    return row


@callback(
    *[Output(f"admin-targets-{band}", "value") for band in BANDS],
    Output("admin-targets-hint", "children"),
    Input("admin-targets-kpi", "value"),
    Input("admin-targets-scope", "value"),
    Input("admin-targets-code", "value"),
    State("admin-targets-lang", "data"),
    prevent_initial_call=True,
)
def prefill(kpi, scope, code, lang):  # type: ignore[no-untyped-def]
    """The form starts from the KPI's current target for the scope, with what its bands mean."""
    lang = language(lang)
    indicators = _indicators()
    if not isinstance(kpi, str) or kpi not in indicators:
        return "", "", "", ""
    setting = _settings(scope if code else "province", code or "").get(kpi)
    values = [getattr(setting.target, band) for band in BANDS] if setting else ["", "", ""]
    hint = t(lang, "admin.targets.hint.higher" if indicators[kpi].higher_is_better else "admin.targets.hint.lower")
    return (*values, hint)


def _number(value: object) -> float | None:
    """A finite number from a number field (a number, or text while it is being typed), else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        parsed = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return parsed if math.isfinite(parsed) else None


def _saved(kpi: str | None, values: list, scope: str, code: str | None, lang: str) -> str | None:
    """Save a target; the error a person can act on (nothing saved), or None once it committed."""
    if scope in ("unit", "agency") and not any(option["value"] == code for option in _scope_codes(scope, lang)):
        return t(lang, f"admin.targets.choose.{scope}")
    if not isinstance(kpi, str) or kpi not in _indicators():
        return t(lang, "admin.targets.choose_kpi")
    numbers = [_number(value) for value in values]
    if None in numbers:
        return t(lang, "admin.targets.numbers_needed")
    target = Target(*numbers)  # type: ignore[arg-type]
    actor = current_username()
    scope_code = code if scope in ("unit", "agency") else ""
    try:
        save_target(
            warehouse.engine(), kpi, target, scope, scope_code or "", actor, now_local(), source_ip=current_ip()
        )
    except IOCError as error:
        return error_text(error, lang)
    return None


@callback(
    Output("admin-targets-message", "children"),
    Output("admin-targets-message", "color"),
    Output("admin-targets-message", "hide"),
    Output("admin-targets-table", "rowData", allow_duplicate=True),
    Input("admin-targets-save", "n_clicks"),
    State("admin-targets-kpi", "value"),
    *[State(f"admin-targets-{band}", "value") for band in BANDS],
    State("admin-targets-scope", "value"),
    State("admin-targets-code", "value"),
    State("admin-targets-lang", "data"),
    prevent_initial_call=True,
)
def save(_clicks, kpi, value, green_from, amber_from, scope, code, lang):  # type: ignore[no-untyped-def]
    """Set the KPI's target and bands for the scope; a refused one changes nothing and says why."""
    lang = language(lang)
    error = _saved(kpi, [value, green_from, amber_from], scope, code, lang)
    if error:
        return error, "red", False, no_update
    labels = {option["value"]: option["label"] for option in _scope_codes(scope, lang)}
    where = labels.get(code) or t(lang, "admin.targets.scope.province")
    done = t(lang, "admin.targets.saved", kpi=_name(_indicators()[kpi], lang), scope=where)
    return done, "green", False, _table_rows(scope, code or "", lang)


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("admin-targets"), name="admin-targets")
