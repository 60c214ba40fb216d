"""The add-and-edit form of ``/admin/collectors`` (a drawer): each field checked with the core's own rules and its
message shown under it; saved through the same core functions as ``ioc collector add`` (which check again and audit).
Also the page's message and version, which the form and the page's actions both write."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import dash_mantine_components as dmc
from dash import Input, Output, State, callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from ioc.collecting.configure import change_collector, create_collector
from ioc.collecting.kind import AUTH_SECRETS, kind_location
from ioc.collecting.options import default_options, option_fields
from ioc.collecting.registry import collector_kinds, get_kind
from ioc.collecting.store import (
    ENV_NAME_PATTERN,
    NAME_PATTERN,
    check_cron,
    check_url,
    format_interval,
    get_collector,
    parse_interval,
    parse_options_text,
    validate_options,
)
from ioc.errors import IOCError
from layouts import warehouse
from layouts.access import current_ip, current_username
from layouts.admin.collector_options import options_error
from layouts.i18n import error_text, t

ROLES = tuple(dict.fromkeys(role for roles in AUTH_SECRETS.values() for role in roles))
SCHEDULES = ("manual", "interval", "cron")
#: The form's fields that can be wrong, each with its own message under it.
FIELDS = ("name", "url", "schedule", "options", *(f"secret-{role}" for role in ROLES))


def _secret_input(role: str, lang: str) -> dmc.TextInput:
    return dmc.TextInput(
        id=f"admin-collectors-form-secret-{role}",
        label=t(lang, "admin.collectors.form.secret", role=role),
        placeholder="HUE_DVC_API_KEY",
        description=t(lang, "admin.collectors.form.secret_hint"),
    )


def drawer(lang: str) -> dmc.Drawer:
    """The form in a drawer at the right, kept mounted so its values stay while it is closed."""
    kinds = [{"value": name, "label": f"{name} — {kind.description}"} for name, kind in collector_kinds().items()]
    return dmc.Drawer(
        dmc.Stack(
            [
                dmc.TextInput(id="admin-collectors-form-name", label=t(lang, "admin.collectors.form.name")),
                dmc.Select(
                    id="admin-collectors-form-kind",
                    label=t(lang, "admin.collectors.form.kind"),
                    data=kinds,
                    allowDeselect=False,
                ),
                dmc.TextInput(id="admin-collectors-form-url", label="URL", placeholder="https://…"),
                dmc.Select(
                    id="admin-collectors-form-auth",
                    label=t(lang, "admin.collectors.form.auth"),
                    data=[{"value": mode, "label": t(lang, f"admin.collectors.auth.{mode}")} for mode in AUTH_SECRETS],
                    allowDeselect=False,
                ),
                *[_secret_input(role, lang) for role in ROLES],
                dmc.SegmentedControl(
                    id="admin-collectors-form-schedule-type",
                    data=[{"value": s, "label": t(lang, f"admin.collectors.schedule.{s}")} for s in SCHEDULES],
                ),
                dmc.TextInput(
                    id="admin-collectors-form-schedule",
                    label=t(lang, "admin.collectors.form.schedule"),
                    description=t(lang, "admin.collectors.form.schedule_hint"),
                ),
                dmc.JsonInput(  # it shows validationError, not error, while its text is not JSON: save sets both
                    id="admin-collectors-form-options",
                    label=t(lang, "admin.collectors.form.options"),
                    description=t(lang, "admin.collectors.form.options_hint"),
                    validationError=t(lang, "admin.collectors.form.options_not_json"),
                    autosize=True,
                    minRows=4,
                ),
                html.Div(id="admin-collectors-form-options-help"),
                dmc.Switch(id="admin-collectors-form-enabled", label=t(lang, "admin.collectors.form.enabled")),
                dmc.Alert(id="admin-collectors-form-error", color="red", hide=True),
                dmc.Group(
                    [
                        dmc.Button(t(lang, "admin.collectors.form.save"), id="admin-collectors-form-save"),
                        dmc.Button(
                            t(lang, "admin.collectors.cancel"), id="admin-collectors-form-cancel", variant="default"
                        ),
                    ]
                ),
            ],
            gap="sm",
        ),
        id="admin-collectors-drawer",
        position="right",
        size="lg",
        keepMounted=True,
    )


def _no_errors() -> list:
    return [None] * len(FIELDS)


def _defaults_text(kind: str | None) -> str:
    """The kind's default options as the editor shows them (``{}`` for an unknown kind)."""
    try:
        return json.dumps(default_options(kind or ""), ensure_ascii=False, indent=2)
    except IOCError:
        return "{}"


def _reads_url(kind: str | None) -> bool:
    """Whether the kind's source is the collector's URL (an unknown kind is taken to be)."""
    try:
        return kind_location(get_kind(kind or "")) == "url"
    except IOCError:
        return True


def form_values(name: str | None) -> dict[str, Any]:
    """The form's values: a collector's (to edit), or a new one's defaults."""
    kind = next(iter(collector_kinds()), None)
    values: dict[str, Any] = {"name": "", "kind": kind, "url": "", "auth": "none"}
    values |= {"schedule_type": "interval", "schedule": "15m", "options": _defaults_text(kind), "enabled": True}
    values |= {f"secret-{role}": "" for role in ROLES}
    if name is None:
        return values
    with warehouse.engine().connect() as connection:
        config = get_collector(connection, name)
    values |= {"name": config.name, "kind": config.kind, "url": config.url or "", "auth": config.auth}
    values |= {f"secret-{role}": variable for role, variable in config.secret_envs.items()}
    if config.cron:
        values |= {"schedule_type": "cron", "schedule": config.cron}
    elif config.interval_seconds:
        values |= {"schedule_type": "interval", "schedule": format_interval(config.interval_seconds)}
    else:
        values |= {"schedule_type": "manual", "schedule": ""}
    values |= {"options": json.dumps(config.options, ensure_ascii=False, indent=2), "enabled": config.enabled}
    return values


FORM_PROPS = [("name", "value"), ("name", "disabled"), ("kind", "value"), ("kind", "disabled"), ("url", "value")]
FORM_PROPS += [("auth", "value"), *((f"secret-{role}", "value") for role in ROLES), ("schedule-type", "value")]
FORM_PROPS += [("schedule", "value"), ("options", "value"), ("enabled", "checked")]


@callback(
    Output("admin-collectors-drawer", "opened"),
    Output("admin-collectors-drawer", "title"),
    Output("admin-collectors-editing", "data"),
    *[Output(f"admin-collectors-form-{field}", prop) for field, prop in FORM_PROPS],
    *[Output(f"admin-collectors-form-{field}", "error", allow_duplicate=True) for field in FIELDS],
    Output("admin-collectors-form-error", "hide", allow_duplicate=True),
    Input("admin-collectors-add", "n_clicks"),
    Input("admin-collectors-edit", "n_clicks"),
    State("admin-collectors-selected", "data"),
    State("admin-collectors-lang", "data"),
    prevent_initial_call=True,
)
def open_form(_add, _edit, selected, lang):  # type: ignore[no-untyped-def]
    """The form, empty to add a collector or filled to edit the chosen one (whose name and kind stay)."""
    editing = selected if ctx.triggered_id == "admin-collectors-edit" else None
    if ctx.triggered_id == "admin-collectors-edit" and not selected:
        raise PreventUpdate
    v = form_values(editing)
    title = t(lang, "admin.collectors.form.edit_title", name=editing) if editing else t(lang, "admin.collectors.add")
    fields = [v["name"], editing is not None, v["kind"], editing is not None, v["url"], v["auth"]]
    fields += [v[f"secret-{role}"] for role in ROLES]
    fields += [v["schedule_type"], v["schedule"], v["options"], v["enabled"]]
    return True, title, editing, *fields, *_no_errors(), True


@callback(
    *[Output(f"admin-collectors-form-secret-{role}", "display") for role in ROLES],
    Input("admin-collectors-form-auth", "value"),
)
def show_secret_inputs(auth):  # type: ignore[no-untyped-def]
    """One input per secret the auth mode needs."""
    needed = AUTH_SECRETS.get(auth or "none", ())
    return ["block" if role in needed else "none" for role in ROLES]


@callback(
    Output("admin-collectors-form-url", "display"),
    Input("admin-collectors-form-kind", "value"),
)
def show_location(kind):  # type: ignore[no-untyped-def]
    """The URL field only for a kind whose source is the collector's URL; the others say where in their options."""
    return "block" if _reads_url(kind) else "none"


@callback(
    Output("admin-collectors-form-options", "value", allow_duplicate=True),
    Input("admin-collectors-form-kind", "value"),
    State("admin-collectors-editing", "data"),
    prevent_initial_call=True,
)
def kind_options(kind, editing):  # type: ignore[no-untyped-def]
    """A new collector's options start from the chosen kind's defaults; an edited one keeps its own."""
    return no_update if editing else _defaults_text(kind)


@callback(
    Output("admin-collectors-form-options-help", "children"),
    Input("admin-collectors-form-kind", "value"),
    State("admin-collectors-lang", "data"),
)
def options_help(kind, lang):  # type: ignore[no-untyped-def]
    """The kind's options with their types, defaults and meaning, from its options model's JSON schema."""
    try:
        fields = option_fields(kind or "")
    except IOCError:
        return None
    required = t(lang, "admin.collectors.options.required")
    rows = [
        [
            field.name,
            field.type,
            required if field.required else json.dumps(field.default, ensure_ascii=False),
            field.description,
        ]
        for field in fields
    ]
    head = [t(lang, f"admin.collectors.options.{c}") for c in ("name", "type", "default", "meaning")]
    return html.Details(
        [
            html.Summary(t(lang, "admin.collectors.options.title", kind=kind)),
            dmc.Table(data={"head": head, "body": rows}, fz="xs", withTableBorder=True),
        ],
        id="admin-collectors-form-options-fields",
        open=True,
    )


def check_form(
    lang: str,
    adding: bool,
    name: str | None,
    kind: str | None,
    url: str | None,
    auth: str | None,
    secrets: dict[str, str | None],
    schedule_type: str | None,
    schedule: str | None,
    options_text: str | None,
) -> tuple[dict[str, str], dict[str, Any]]:
    """Each field checked with the core's rules, for a message next to it; and the values to hand to the core."""
    errors: dict[str, str] = {}
    auth = auth if auth in AUTH_SECRETS else "none"
    values: dict[str, Any] = {"url": (url or "").strip() or None, "auth": auth, "every": None, "cron": None}
    if adding and not NAME_PATTERN.match((name or "").strip()):
        errors["name"] = t(lang, "admin.collectors.error.name")
    if not _reads_url(kind):
        values["url"] = None  # the kind's source is in its options; a URL left from another kind is not kept
    try:
        check_url(values["url"])
    except IOCError as error:
        errors["url"] = f"{t(lang, 'admin.collectors.error.url')} — {error_text(error, lang)}"
    text = (schedule or "").strip()
    try:
        if schedule_type == "interval":
            parse_interval(text)
            values["every"] = text
        elif schedule_type == "cron":
            values["cron"] = check_cron(text)
    except IOCError as error:
        errors["schedule"] = f"{t(lang, f'admin.collectors.error.{schedule_type}')} — {error_text(error, lang)}"
    values["secret_envs"] = []
    for role in AUTH_SECRETS[auth]:
        variable = (secrets.get(role) or "").strip()
        if not ENV_NAME_PATTERN.match(variable):
            errors[f"secret-{role}"] = t(lang, "admin.collectors.error.secret", role=role)
        values["secret_envs"].append(f"{role}={variable}")
    try:
        options = parse_options_text(options_text)
        validate_options(kind or "", options)
        values["options"] = options
    except IOCError as error:
        errors["options"] = options_error(error, lang)
    return errors, values


def message(text: str, color: str) -> tuple[str, str, bool]:
    return text, color, False


def changed() -> float:
    """A new value for the page's version: the table and the chosen collector are read again."""
    return datetime.now().timestamp()


MESSAGE = [
    Output("admin-collectors-message", "children", allow_duplicate=True),
    Output("admin-collectors-message", "color", allow_duplicate=True),
    Output("admin-collectors-message", "hide", allow_duplicate=True),
]


@callback(
    *[Output(f"admin-collectors-form-{field}", "error") for field in FIELDS],
    Output("admin-collectors-form-error", "children"),
    Output("admin-collectors-form-error", "hide"),
    Output("admin-collectors-drawer", "opened", allow_duplicate=True),
    Output("admin-collectors-version", "data", allow_duplicate=True),
    Output("admin-collectors-selected", "data", allow_duplicate=True),
    *MESSAGE,
    Output("admin-collectors-form-options", "validationError"),
    Input("admin-collectors-form-save", "n_clicks"),
    State("admin-collectors-editing", "data"),
    *[State(f"admin-collectors-form-{field}", "value") for field in ("name", "kind", "url", "auth")],
    *[State(f"admin-collectors-form-secret-{role}", "value") for role in ROLES],
    *[State(f"admin-collectors-form-{field}", "value") for field in ("schedule-type", "schedule", "options")],
    State("admin-collectors-form-enabled", "checked"),
    State("admin-collectors-lang", "data"),
    prevent_initial_call=True,
)
def save(_clicks, editing, name, kind, url, auth, *rest):  # type: ignore[no-untyped-def]
    """Check the form, then add or change the collector through the core (which checks again and audits); on any
    error nothing is saved and the form stays open with the messages."""
    secrets = dict(zip(ROLES, rest[: len(ROLES)], strict=True))
    schedule_type, schedule, options_text, enabled, lang = rest[len(ROLES) :]
    errors, values = check_form(
        lang, editing is None, name, kind, url, auth, secrets, schedule_type, schedule, options_text
    )
    unchanged = [no_update] * (3 + len(MESSAGE))
    not_json = errors.get("options") or t(lang, "admin.collectors.form.options_not_json")
    if errors:
        shown = [errors.get(field) for field in FIELDS]
        return *shown, t(lang, "admin.collectors.error.form"), False, *unchanged, not_json
    who = {"actor": current_username(), "source_ip": current_ip()}
    given = [values[key] for key in ("url", "auth", "secret_envs", "every", "cron", "options")]
    try:
        if editing is None:
            name = name.strip()
            create_collector(warehouse.engine(), name, kind, *given, enabled=bool(enabled), **who)
        else:
            name = editing
            change_collector(warehouse.engine(), editing, *given, enabled=bool(enabled), **who)
    except IOCError as error:
        return (
            *_no_errors(),
            f"{t(lang, 'admin.collectors.error.refused')} — {error_text(error, lang)}",
            False,
            *unchanged,
            not_json,
        )
    saved = t(lang, "admin.collectors.saved", name=name)
    return *_no_errors(), None, True, False, changed(), name, *message(saved, "green"), not_json


@callback(
    Output("admin-collectors-drawer", "opened", allow_duplicate=True),
    Input("admin-collectors-form-cancel", "n_clicks"),
    prevent_initial_call=True,
)
def cancel_form(_clicks):  # type: ignore[no-untyped-def]
    return False
