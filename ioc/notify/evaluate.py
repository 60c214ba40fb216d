"""Which enabled rules raise now, and their notifications in the outbox.

A **threshold** rule compares today's value with its threshold in its direction (strictly above, strictly below):

- a dossier KPI (or an indicator computed from dossiers): the month to date — from the first of ``today``'s month
  to the end of ``today``, pending counts at that end — over the rule's scope (``ioc.kpi.query``);
- any other indicator: its latest value — the latest period (day, month, quarter or year) starting on or before
  ``today`` in which the scope has a value, read as ``ioc indicator values`` reads that period.

No value (no data, a rate without a denominator) raises nothing. An **anomaly** rule raises when the anomaly detector
(:mod:`ioc.anomalies`) flags the rule's measure and scope for yesterday, in the rule's direction (``either``: both).

A raised rule puts one notification per channel and recipient in the outbox — e-mail to each alert subscriber, one
webhook POST (recipient ``rule:<id>``) — under the key ``rule:<id>:<subject>:<day>``; the outbox's unique constraint
and an insert that ignores conflicts make the same news go once, on either engine. Inside the rule's quiet hours the
notification is ``held`` until they end; newer news of the rule (the next day's) replaces what they still hold, so
the morning brings one message per rule and recipient, not one per quiet day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from ioc.errors import IOCError
from ioc.kpi.periods import Period
from ioc.kpi.query import Filters, kpi_rows
from ioc.notify.rules import Rule, list_rules
from ioc.subscribers import recipients
from ioc.warehouse import schema
from ioc.warehouse.dialect import insert_ignoring_conflicts

NOTIFICATION = schema.Notification.__table__
INDICATOR = schema.Indicator.__table__
VALUE = schema.IndicatorValue.__table__
UNIT = schema.Unit.__table__


@dataclass(frozen=True)
class Raised:
    """A rule that raises: the day its news is about, the value, and for an anomaly what was expected."""

    rule: Rule
    day: date
    value: float | int
    direction: str  # the side it is on: above or below
    expected: float | None = None
    score: float | None = None

    @property
    def dedupe_key(self) -> str:
        return f"rule:{self.rule.id}:{self.rule.subject}:{self.day.isoformat()}"


def province_code(connection: Connection) -> str:
    return connection.execute(select(UNIT.c.code).where(UNIT.c.level == "province")).scalar() or ""


def _filters(rule: Rule) -> Filters:
    if rule.scope == "unit":
        return Filters(unit=rule.scope_code)
    if rule.scope == "agency":
        return Filters(agency=rule.scope_code)
    return Filters()


def _is_dossier_measure(connection: Connection, rule: Rule) -> bool:
    if rule.subject_kind == "kpi":
        return True
    origin = connection.execute(select(INDICATOR.c.origin).where(INDICATOR.c.code == rule.subject)).scalar()
    return origin == "dossier"


def month_to_date(today: date) -> Period:
    return Period(today.replace(day=1), today + timedelta(days=1))


def latest_indicator_value(connection: Connection, rule: Rule, today: date) -> float | None:
    """The indicator's latest value over the rule's scope (see the module's docstring), or None."""
    from ioc.indicators.query import value_rows  # it reads the KPI modules too: imported when needed

    conditions = [
        VALUE.c.indicator_code == rule.subject,
        VALUE.c.period_start <= today,
        VALUE.c.no_data.is_(False),
    ]
    if rule.scope == "unit":
        conditions.append(VALUE.c.unit_code == rule.scope_code)
    elif rule.scope == "agency":
        conditions.append(VALUE.c.agency_code == rule.scope_code)
    latest = connection.execute(
        select(VALUE.c.period_start, VALUE.c.period_end)
        .where(*conditions)
        .order_by(VALUE.c.period_end.desc(), VALUE.c.period_start.desc())
        .limit(1)
    ).first()
    if latest is None:
        return None
    period = Period(latest.period_start, latest.period_end + timedelta(days=1))
    unit = rule.scope_code if rule.scope == "unit" else None
    agency = rule.scope_code if rule.scope == "agency" else None
    rows = value_rows(connection, rule.subject, period, unit=unit, agency=agency, today=today)
    return rows[0]["value"] if rows else None


def current_value(connection: Connection, rule: Rule, today: date) -> float | int | None:
    """Today's value of a threshold rule's subject over its scope (see the module's docstring)."""
    if _is_dossier_measure(connection, rule):
        rows = kpi_rows(connection, month_to_date(today), None, _filters(rule))
        return rows[0].get(rule.subject) if rows else None
    return latest_indicator_value(connection, rule, today)


def _threshold(connection: Connection, rule: Rule, today: date) -> Raised | None:
    value = current_value(connection, rule, today)
    if value is None or rule.threshold is None:
        return None
    if rule.direction == "above" and value > rule.threshold:
        return Raised(rule, today, value, "above")
    if rule.direction == "below" and value < rule.threshold:
        return Raised(rule, today, value, "below")
    return None


def _anomaly(connection: Connection, rule: Rule, today: date) -> Raised | None:
    from ioc.anomalies import anomalies  # statsmodels: loaded only when an anomaly rule is evaluated

    code = rule.scope_code if rule.scope != "province" else province_code(connection)
    found = anomalies(connection, today, days=1, measures=(rule.subject,), scope=rule.scope, code=code)
    for anomaly in found:
        if rule.direction in ("either", anomaly.direction):
            return Raised(rule, anomaly.day, anomaly.value, anomaly.direction, anomaly.expected, anomaly.score)
    return None


def raised(connection: Connection, rule: Rule, today: date) -> Raised | None:
    """Whether ``rule`` raises on ``today``, and with what."""
    if rule.condition == "anomaly":
        return _anomaly(connection, rule, today)
    return _threshold(connection, rule, today)


def quiet_until(rule: Rule, now: datetime) -> datetime | None:
    """The end of the quiet hours ``now`` falls in (local times), or None when ``now`` is not quiet for ``rule``."""
    start, end = rule.quiet_from, rule.quiet_until
    if start is None or end is None:
        return None
    minute = now.hour * 60 + now.minute
    quiet = start <= minute < end if start < end else minute >= start or minute < end
    if not quiet:
        return None
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    ends = midnight + timedelta(minutes=end)
    return ends if ends > now else ends + timedelta(days=1)


def payload(found: Raised, dashboard_url: str) -> dict[str, Any]:
    """What every channel says (the webhook's JSON body; the e-mail is worded from it)."""
    rule = found.rule
    return {
        "rule": rule.name,
        "subject": rule.subject,
        "subject_kind": rule.subject_kind,
        "scope": rule.scope,
        "code": rule.scope_code,
        "condition": rule.condition,
        "value": found.value,
        "threshold": rule.threshold,
        "expected": found.expected,
        "score": found.score,
        "direction": found.direction,
        "day": found.day.isoformat(),
        "url": dashboard_url.rstrip("/") + "/explore",
    }


def enqueue(connection: Connection, found: Raised, now: datetime, dashboard_url: str) -> int:
    """Put ``found``'s notifications in the outbox, each unless already there; how many were new."""
    rule = found.rule
    targets = [("email", address) for address in recipients(connection, "alerts")] if rule.email else []
    if rule.webhook_url:
        targets.append(("webhook", f"rule:{rule.id}"))
    held = quiet_until(rule, now)
    body = payload(found, dashboard_url)
    added = 0
    keys = ["dedupe_key", "channel", "recipient"]
    insert = insert_ignoring_conflicts(connection, NOTIFICATION, keys).returning(NOTIFICATION.c.id)
    for channel, recipient in targets:
        result = connection.execute(
            insert.values(
                kind="alert",
                rule_id=rule.id,
                channel=channel,
                recipient=recipient,
                dedupe_key=found.dedupe_key,
                payload=body,
                status="held" if held else "pending",
                attempts=0,
                next_attempt_at=held or now,
                created_at=now,
            )
        )
        new = result.all()  # the row's id when it was new, nothing when it was there
        if new:
            added += 1
            _drop_older_held(connection, rule.id, channel, recipient, new[0].id)
    return added


def _drop_older_held(connection: Connection, rule_id: int, channel: str, recipient: str, newest: int) -> None:
    """Newer news of a rule replaces what its quiet hours still hold for the same recipient (never sent)."""
    connection.execute(
        NOTIFICATION.delete().where(
            NOTIFICATION.c.rule_id == rule_id,
            NOTIFICATION.c.channel == channel,
            NOTIFICATION.c.recipient == recipient,
            NOTIFICATION.c.status == "held",
            NOTIFICATION.c.id != newest,
        )
    )


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation found: the rules that raised, the notifications it added, and the rules it could not
    evaluate with why (a rule's own problem never stops the others)."""

    raised: list[Raised]
    added: int
    errors: dict[str, str]


def evaluate(connection: Connection, now: datetime, dashboard_url: str, *, limit: int = 500) -> Evaluation:
    """Evaluate the enabled rules (at most ``limit``) at ``now`` (naive local) and enqueue what raised, in the
    caller's transaction."""
    found, errors, added = [], {}, 0
    for rule in list_rules(connection, enabled_only=True)[:limit]:
        try:
            hit = raised(connection, rule, now.date())
        except IOCError as error:
            errors[rule.name] = str(error)
            continue
        if hit is not None:
            found.append(hit)
            added += enqueue(connection, hit, now, dashboard_url)
    return Evaluation(found, added, errors)
