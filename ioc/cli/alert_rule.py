"""``ioc alert-rule add|list|enable|disable|remove|check``: the alert rules, and evaluating them now."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ioc.cli.common import FormatOption, OutputFormat, console, print_rows
from ioc.config import load_settings, now_local
from ioc.errors import IOCError
from ioc.notify import run_notifications
from ioc.notify.rules import Rule, RuleInput, list_rules, remove_rule, save_rule, set_rule_enabled, webhook_host
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor

app = typer.Typer(help="Alert rules: what to watch, when it raises, where the news goes.", no_args_is_help=True)


def _condition(below: float | None, above: float | None, anomaly: bool, direction: str | None) -> dict[str, Any]:
    if (below is not None) + (above is not None) + anomaly != 1:
        raise IOCError("give exactly one of --below X, --above X or --anomaly")
    if anomaly:
        return {"condition": "anomaly", "threshold": None, "direction": direction or "either"}
    if direction is not None:
        raise IOCError("--direction goes with --anomaly (--below and --above say the direction)")
    if below is not None:
        return {"condition": "threshold", "threshold": below, "direction": "below"}
    return {"condition": "threshold", "threshold": above, "direction": "above"}


@app.command("add")
def add(
    name: str,
    kpi: Annotated[str | None, typer.Option(help="A dossier KPI, e.g. on_time_rate.")] = None,
    indicator: Annotated[str | None, typer.Option(metavar="CODE", help="An indicator's code.")] = None,
    unit: Annotated[str | None, typer.Option(metavar="CODE", help="Watch one unit (default: the province).")] = None,
    agency: Annotated[str | None, typer.Option(metavar="CODE", help="Watch one agency.")] = None,
    below: Annotated[float | None, typer.Option(help="Raise when the value is below this.")] = None,
    above: Annotated[float | None, typer.Option(help="Raise when the value is above this.")] = None,
    anomaly: Annotated[bool, typer.Option("--anomaly", help="Raise on the anomaly detector's flag.")] = False,
    direction: Annotated[str | None, typer.Option(help="With --anomaly: above, below or either.")] = None,
    no_email: Annotated[bool, typer.Option("--no-email", help="Do not e-mail the alert subscribers.")] = False,
    webhook: Annotated[str | None, typer.Option(metavar="URL", help="POST the alert's JSON here.")] = None,
    webhook_secret_env: Annotated[
        str | None, typer.Option(metavar="VAR", help="The environment variable holding the HMAC signing secret.")
    ] = None,
    quiet: Annotated[str | None, typer.Option(metavar="HH:MM-HH:MM", help="Local hours to keep quiet.")] = None,
) -> None:
    """Add an alert rule, e.g. ``ioc alert-rule add dung-han --kpi on_time_rate --below 80 --quiet 22:00-06:00``."""
    if (kpi is None) == (indicator is None):
        raise IOCError("give exactly one of --kpi NAME or --indicator CODE")
    if unit is not None and agency is not None:
        raise IOCError("give at most one of --unit and --agency")
    scope, code = ("unit", unit) if unit is not None else ("agency", agency) if agency is not None else ("province", "")
    given = RuleInput(
        name=name,
        subject_kind="kpi" if kpi is not None else "indicator",
        subject=kpi if kpi is not None else indicator or "",
        scope=scope,
        scope_code=code or "",
        email=not no_email,
        webhook_url=webhook,
        webhook_secret_env=webhook_secret_env,
        quiet=quiet,
        **_condition(below, above, anomaly, direction),
    )
    with open_warehouse(load_settings()) as engine:
        rule = save_rule(engine, given, command_line_actor(), now_local())
    console.print(f"Added alert rule [bold]{rule.name}[/] ({describe(rule)['when']})")


def describe(rule: Rule) -> dict[str, Any]:
    """A rule as ``list`` prints it (a webhook by its host only: its path or query may hold a token)."""
    where = rule.scope if rule.scope == "province" else f"{rule.scope} {rule.scope_code}"
    when = f"anomaly {rule.direction}" if rule.condition == "anomaly" else f"{rule.direction} {rule.threshold:g}"
    channels = [
        *(["email"] if rule.email else []),
        *([f"webhook {webhook_host(rule.webhook_url)}"] * bool(rule.webhook_url)),
    ]
    return {
        "name": rule.name,
        "subject": f"{rule.subject_kind} {rule.subject}",
        "scope": where,
        "when": when,
        "channels": ", ".join(channels),
        "signed": bool(rule.webhook_secret_env),
        "quiet": rule.quiet,
        "enabled": rule.enabled,
    }


@app.command("list")
def list_(output: FormatOption = OutputFormat.table) -> None:
    """Every alert rule."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        rows = [describe(rule) for rule in list_rules(connection)]
    print_rows(rows, output, "Alert rules")


@app.command()
def enable(name: str) -> None:
    """Switch a rule on."""
    with open_warehouse(load_settings()) as engine:
        set_rule_enabled(engine, name, True, command_line_actor(), now_local())
    console.print(f"Alert rule {name!r} enabled.")


@app.command()
def disable(name: str) -> None:
    """Switch a rule off (it stays, with its notifications)."""
    with open_warehouse(load_settings()) as engine:
        set_rule_enabled(engine, name, False, command_line_actor(), now_local())
    console.print(f"Alert rule {name!r} disabled.")


@app.command()
def remove(name: str) -> None:
    """Remove a rule (its notifications stay in the outbox's history)."""
    with open_warehouse(load_settings()) as engine:
        remove_rule(engine, name, command_line_actor(), now_local())
    console.print(f"Alert rule {name!r} removed.")


@app.command()
def check(
    send: Annotated[bool, typer.Option("--send", help="Also send what is due (otherwise only queue it).")] = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Evaluate the enabled rules now: what raised, what was queued, and with --send what was sent."""
    settings = load_settings()
    with open_warehouse(settings) as engine:
        run = run_notifications(
            engine, now_local(), send=send, dashboard_url=settings.public_url, actor=command_line_actor()
        )
    if run.error:
        raise IOCError(f"alert check: {run.error}")
    assert run.evaluation is not None
    rows: list[dict[str, Any]] = [
        {"rule": r.rule.name, "day": r.day.isoformat(), "value": r.value, "direction": r.direction, "status": "raised"}
        for r in run.evaluation.raised
    ]
    rows += [{"rule": name, "day": None, "value": None, "direction": None, "status": f"error: {problem}"}
             for name, problem in run.evaluation.errors.items()]  # fmt: skip
    print_rows(rows, output, "Alert rules raised")
    if output is OutputFormat.table:
        console.print(f"{run.evaluation.added} notification(s) queued.")
        for outcome in run.outcomes:
            console.print(
                f"{outcome.channel} {outcome.recipient}: {outcome.status}"
                + (f" ({outcome.error})" if outcome.error else "")
            )
