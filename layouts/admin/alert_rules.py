"""``/admin/alerts``: the alert rules (quy tắc cảnh báo) — the list, a form to add or change one, switching one on or
off, removing one — and the recent notifications with their status, attempts and last error. Every change goes
through :mod:`ioc.notify.rules`, audited with the admin and the address. A webhook is shown by its host only (its
path or query may hold a token)."""

from __future__ import annotations

from collections.abc import Callable

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, no_update
from sqlalchemy import Engine

from ioc.config import now_local
from ioc.errors import IOCError
from ioc.kpi.registry import KPIS
from ioc.notify.outbox import Sent, recent
from ioc.notify.rules import (
    CONDITIONS,
    DIRECTIONS,
    SCOPES,
    Rule,
    RuleInput,
    list_rules,
    remove_rule,
    save_rule,
    set_rule_enabled,
    webhook_host,
)
from layouts import grid, warehouse
from layouts.access import current_ip, current_username
from layouts.chrome import frame
from layouts.formatting import moment, number
from layouts.i18n import error_text, language, t
from layouts.page_title import page_title

PATH = "/admin/alerts"
TITLE_KEY = "admin.alerts.title"
COLUMNS = ("name", "subject", "scope", "when", "channels", "quiet", "enabled")
SENT_COLUMNS = ("created_at", "rule", "channel", "recipient", "status", "attempts", "next_attempt_at", "last_error")
RECENT = 100
#: The form's fields, in the order the callbacks read them.
FORM = ("name", "subject-kind", "subject", "scope", "scope-code", "condition", "threshold", "direction", "email",
        "webhook", "secret-env", "quiet", "enabled")  # fmt: skip
VALUE_OF = {"email": "checked", "enabled": "checked"}


def _state() -> tuple[list[Rule], list[Sent]]:
    with warehouse.engine().connect() as connection:
        return list_rules(connection), recent(connection, RECENT)


def _rule_rows(rules: list[Rule], lang: str) -> list[dict]:
    rows = []
    for rule in rules:
        where = t(lang, f"admin.alerts.scope.{rule.scope}") + (f" {rule.scope_code}" if rule.scope_code else "")
        direction = t(lang, f"admin.alerts.direction.{rule.direction}")
        when = (
            f"{t(lang, 'admin.alerts.condition.anomaly')} · {direction}"
            if rule.condition == "anomaly"
            else f"{direction} {number(rule.threshold, lang, 2)}"
        )
        channels = [*([t(lang, "health.delivery.channel.email")] if rule.email else [])]
        if rule.webhook_url:
            channels.append(f"webhook {webhook_host(rule.webhook_url)}")
        rows.append(
            {
                "name": rule.name,
                "subject": rule.subject,
                "scope": where,
                "when": when,
                "channels": ", ".join(channels),
                "quiet": rule.quiet or "",
                "enabled": t(lang, "admin.alerts.yes" if rule.enabled else "admin.alerts.no"),
            }
        )
    return rows


def _sent_rows(sent: list[Sent], lang: str) -> list[dict]:
    return [
        {
            "created_at": moment(row.created_at),
            "rule": row.rule or "—",
            "channel": t(lang, f"health.delivery.channel.{row.channel}"),
            "recipient": row.recipient,  # an address, or rule:<id> for a webhook: never its URL
            "status": t(lang, f"admin.alerts.status.{row.status}"),
            "attempts": row.attempts,
            "next_attempt_at": moment(row.next_attempt_at) if row.status in ("pending", "held") else "",
            "last_error": row.last_error or "",
        }
        for row in sent
    ]


def _options(values: tuple[str, ...], prefix: str, lang: str) -> list[dict]:
    return [{"value": value, "label": t(lang, f"{prefix}.{value}")} for value in values]


def _form(lang: str, rules: list[Rule]) -> dmc.Paper:
    def field(name: str) -> str:
        return f"admin-alerts-{name}"

    subjects = [
        {"value": kpi.key, "label": f"{kpi.key} — {kpi.name_vi if lang == 'vi' else kpi.name_en}"} for kpi in KPIS
    ]
    return dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.alerts.form_title"), order=4),
                dmc.Select(
                    id="admin-alerts-pick",
                    label=t(lang, "admin.alerts.pick"),
                    data=[rule.name for rule in rules],
                    clearable=True,
                    searchable=True,
                    nothingFoundMessage=t(lang, "select.nothing_found"),
                ),
                dmc.TextInput(id=field("name"), label=t(lang, "admin.alerts.name")),
                dmc.Group(
                    [
                        dmc.Select(
                            id=field("subject-kind"),
                            label=t(lang, "admin.alerts.subject_kind"),
                            data=_options(("kpi", "indicator"), "admin.alerts.kind", lang),
                            value="kpi",
                            allowDeselect=False,
                        ),
                        dmc.Autocomplete(id=field("subject"), label=t(lang, "admin.alerts.subject"), data=subjects),
                    ]
                ),
                dmc.Group(
                    [
                        dmc.Select(
                            id=field("scope"),
                            label=t(lang, "admin.alerts.scope"),
                            data=_options(SCOPES, "admin.alerts.scope", lang),
                            value="province",
                            allowDeselect=False,
                        ),
                        dmc.TextInput(id=field("scope-code"), label=t(lang, "admin.alerts.scope_code")),
                    ]
                ),
                dmc.Group(
                    [
                        dmc.Select(
                            id=field("condition"),
                            label=t(lang, "admin.alerts.condition"),
                            data=_options(CONDITIONS, "admin.alerts.condition", lang),
                            value="threshold",
                            allowDeselect=False,
                        ),
                        dmc.NumberInput(
                            id=field("threshold"), label=t(lang, "admin.alerts.threshold"), decimalSeparator=","
                        ),
                        dmc.Select(
                            id=field("direction"),
                            label=t(lang, "admin.alerts.direction"),
                            data=_options(DIRECTIONS, "admin.alerts.direction", lang),
                            value="below",
                            allowDeselect=False,
                        ),
                    ]
                ),
                dmc.Checkbox(id=field("email"), label=t(lang, "admin.alerts.email"), checked=True),
                dmc.TextInput(id=field("webhook"), label=t(lang, "admin.alerts.webhook"), autoComplete="off"),
                dmc.TextInput(id=field("secret-env"), label=t(lang, "admin.alerts.secret_env"), autoComplete="off"),
                dmc.TextInput(id=field("quiet"), label=t(lang, "admin.alerts.quiet"), placeholder="22:00-06:00"),
                dmc.Checkbox(id=field("enabled"), label=t(lang, "admin.alerts.enabled"), checked=True),
                dmc.Group(
                    [
                        dmc.Button(t(lang, "admin.alerts.save"), id="admin-alerts-save"),
                        dmc.Button(t(lang, "admin.alerts.enable"), id="admin-alerts-enable", variant="light"),
                        dmc.Button(t(lang, "admin.alerts.disable"), id="admin-alerts-disable", variant="light"),
                        dmc.Button(t(lang, "admin.alerts.remove"), id="admin-alerts-remove", color="red"),
                    ]
                ),
                dmc.Alert(id="admin-alerts-message", hide=True),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    rules, sent = _state()
    rules_table = grid.table(
        "admin-alerts-table", lang, grid.columns(COLUMNS, "admin.alerts.column.{}", lang), _rule_rows(rules, lang)
    )
    sent_table = grid.table(
        "admin-alerts-sent",
        lang,
        grid.columns(SENT_COLUMNS, "admin.alerts.sent.column.{}", lang),
        _sent_rows(sent, lang),
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, TITLE_KEY), order=2),
            dmc.Text(t(lang, "admin.alerts.intro"), c="dimmed"),
            dmc.Paper(rules_table, withBorder=True, p="sm"),
            _form(lang, rules),
            dmc.Title(t(lang, "admin.alerts.recent_title"), order=4),
            dmc.Paper(sent_table, withBorder=True, p="sm"),
            dcc.Store(id="admin-alerts-lang", data=lang),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


def form_input(values: list[object]) -> RuleInput:
    """The form's values (in :data:`FORM`'s order) as a rule to check; anything of the wrong type counts as empty."""
    given = dict(zip(FORM, values, strict=True))

    def text(name: str) -> str:
        value = given.get(name)
        return value if isinstance(value, str) else ""

    threshold = given.get("threshold")
    return RuleInput(
        name=text("name"),
        subject_kind=text("subject-kind"),
        subject=text("subject").split(" — ")[0].strip(),
        scope=text("scope"),
        scope_code=text("scope-code"),
        condition=text("condition"),
        threshold=float(threshold) if isinstance(threshold, int | float) and not isinstance(threshold, bool) else None,
        direction=text("direction"),
        email=given.get("email") is True,
        webhook_url=text("webhook") or None,
        webhook_secret_env=text("secret-env") or None,
        quiet=text("quiet") or None,
        enabled=given.get("enabled") is True,
    )


def form_values(rule: Rule) -> list[object]:
    """A stored rule's values for the form, in :data:`FORM`'s order (its webhook in full: admins only)."""
    return [
        rule.name, rule.subject_kind, rule.subject, rule.scope, rule.scope_code, rule.condition, rule.threshold,
        rule.direction, rule.email, rule.webhook_url or "", rule.webhook_secret_env or "", rule.quiet or "",
        rule.enabled,
    ]  # fmt: skip


def _apply(action: Callable[[Engine], object], lang: str, done: str) -> tuple:
    """``action`` (a core function that commits); the message, then the rule table, the choice and the outbox."""
    try:
        action(warehouse.engine())
    except (IOCError, PermissionError) as error:
        return error_text(error, lang), "red", False, no_update, no_update, no_update
    rules, sent = _state()
    return done, "green", False, _rule_rows(rules, lang), [rule.name for rule in rules], _sent_rows(sent, lang)


_FORM_STATES = [State(f"admin-alerts-{name}", VALUE_OF.get(name, "value")) for name in FORM]
_RESULT = (
    Output("admin-alerts-message", "children", allow_duplicate=True),
    Output("admin-alerts-message", "color", allow_duplicate=True),
    Output("admin-alerts-message", "hide", allow_duplicate=True),
    Output("admin-alerts-table", "rowData", allow_duplicate=True),
    Output("admin-alerts-pick", "data", allow_duplicate=True),
    Output("admin-alerts-sent", "rowData", allow_duplicate=True),
)


@callback(
    [Output(f"admin-alerts-{name}", VALUE_OF.get(name, "value")) for name in FORM],
    Input("admin-alerts-pick", "value"),
    prevent_initial_call=True,
)
def pick(name):  # type: ignore[no-untyped-def]
    """Fill the form with the chosen rule."""
    rules = {rule.name: rule for rule in _state()[0]}
    if not isinstance(name, str) or name not in rules:
        return [no_update] * len(FORM)
    return form_values(rules[name])


@callback(
    *_RESULT,
    Input("admin-alerts-save", "n_clicks"),
    State("admin-alerts-pick", "value"),
    *_FORM_STATES,
    State("admin-alerts-lang", "data"),
    prevent_initial_call=True,
)
def save(_clicks, picked, *values):  # type: ignore[no-untyped-def]
    """Add the rule, or change the one picked, as ``ioc alert-rule add`` checks it."""
    *fields, lang = values
    lang = language(lang)
    given = form_input(list(fields))
    replace = picked if isinstance(picked, str) and picked else None
    actor = current_username()
    return _apply(
        lambda e: save_rule(e, given, actor, now_local(), replace=replace, source_ip=current_ip()),
        lang,
        t(lang, "admin.alerts.saved", name=given.name.strip()),
    )


def _switch(name: object, enabled: bool, lang: str) -> tuple:
    lang = language(lang)
    if not isinstance(name, str) or not name:
        return t(lang, "admin.alerts.pick_first"), "red", False, no_update, no_update, no_update
    actor = current_username()
    done = t(lang, "admin.alerts.switched_on" if enabled else "admin.alerts.switched_off", name=name)
    return _apply(lambda e: set_rule_enabled(e, name, enabled, actor, now_local(), source_ip=current_ip()), lang, done)


@callback(
    *_RESULT,
    Input("admin-alerts-enable", "n_clicks"),
    State("admin-alerts-pick", "value"),
    State("admin-alerts-lang", "data"),
    prevent_initial_call=True,
)
def enable(_clicks, name, lang):  # type: ignore[no-untyped-def]
    return _switch(name, True, lang)


@callback(
    *_RESULT,
    Input("admin-alerts-disable", "n_clicks"),
    State("admin-alerts-pick", "value"),
    State("admin-alerts-lang", "data"),
    prevent_initial_call=True,
)
def disable(_clicks, name, lang):  # type: ignore[no-untyped-def]
    return _switch(name, False, lang)


@callback(
    *_RESULT,
    Input("admin-alerts-remove", "n_clicks"),
    State("admin-alerts-pick", "value"),
    State("admin-alerts-lang", "data"),
    prevent_initial_call=True,
)
def remove(_clicks, name, lang):  # type: ignore[no-untyped-def]
    """Remove the picked rule (its notifications stay, without their rule)."""
    lang = language(lang)
    if not isinstance(name, str) or not name:
        return t(lang, "admin.alerts.pick_first"), "red", False, no_update, no_update, no_update
    actor = current_username()
    done = t(lang, "admin.alerts.removed", name=name)
    return _apply(lambda e: remove_rule(e, name, actor, now_local(), source_ip=current_ip()), lang, done)


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("admin-alerts"), name="admin-alerts")
