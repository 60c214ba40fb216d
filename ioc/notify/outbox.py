"""Reading the outbox: the recent notifications (the admin page), and the alert deliveries in trouble (the
data-health page): failed or being retried in the last day, by rule and channel, with the latest error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, or_, select

from ioc.warehouse import schema

NOTIFICATION = schema.Notification.__table__
RULE = schema.AlertRule.__table__
TROUBLE_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Sent:
    """One notification as the admin page lists it (a webhook's recipient is ``rule:<id>``, never its URL)."""

    id: int
    rule: str | None
    channel: str
    recipient: str
    dedupe_key: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class Trouble:
    """A rule's deliveries over one channel that failed or are being retried: how many of each, the latest error."""

    rule: str
    channel: str
    failed: int
    retrying: int
    last_error: str
    since: datetime


def recent(connection: Connection, limit: int = 100) -> list[Sent]:
    """The latest alert notifications, newest first."""
    query = (
        select(NOTIFICATION, RULE.c.name.label("rule_name"))
        .select_from(NOTIFICATION.outerjoin(RULE, RULE.c.id == NOTIFICATION.c.rule_id))
        .where(NOTIFICATION.c.kind == "alert")
        .order_by(NOTIFICATION.c.created_at.desc(), NOTIFICATION.c.id.desc())
        .limit(limit)
    )
    return [
        Sent(
            r.id,
            r.rule_name,
            r.channel,
            r.recipient,
            r.dedupe_key,
            r.status,
            r.attempts,
            r.next_attempt_at,
            r.last_error,
            r.created_at,
            r.sent_at,
        )
        for r in connection.execute(query)
    ]


def troubles(connection: Connection, now: datetime) -> list[Trouble]:
    """Alert deliveries in trouble at ``now``: failed, or pending after a failed attempt, created in the last
    :data:`TROUBLE_WINDOW` (or with an attempt due in it), grouped by rule and channel, most failures first."""
    since = now - TROUBLE_WINDOW
    query = (
        select(
            RULE.c.name,
            NOTIFICATION.c.channel,
            NOTIFICATION.c.status,
            NOTIFICATION.c.last_error,
            NOTIFICATION.c.created_at,
            NOTIFICATION.c.id,
        )
        .select_from(NOTIFICATION.outerjoin(RULE, RULE.c.id == NOTIFICATION.c.rule_id))
        .where(
            NOTIFICATION.c.kind == "alert",
            NOTIFICATION.c.last_error.is_not(None),
            or_(
                NOTIFICATION.c.status == "failed",
                and_(NOTIFICATION.c.status == "pending", NOTIFICATION.c.attempts > 0),
            ),
            or_(NOTIFICATION.c.created_at >= since, NOTIFICATION.c.next_attempt_at >= since),
        )
        .order_by(NOTIFICATION.c.created_at, NOTIFICATION.c.id)
        .limit(10_000)
    )
    grouped: dict[tuple[str, str], dict] = {}
    for name, channel, status, error, created_at, _id in connection.execute(query):
        entry = grouped.setdefault(
            (name or "—", channel), {"failed": 0, "retrying": 0, "error": "", "since": created_at}
        )
        entry["failed" if status == "failed" else "retrying"] += 1
        entry["error"] = error
    found = [
        Trouble(rule, channel, e["failed"], e["retrying"], e["error"], e["since"])
        for (rule, channel), e in grouped.items()
    ]
    return sorted(found, key=lambda t: (-t.failed, -t.retrying, t.rule, t.channel))
