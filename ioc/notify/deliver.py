"""Sending what the outbox holds when it is due: pending notifications, and held ones whose quiet hours ended.

Each is first **claimed**: an ``UPDATE … WHERE id = … AND status = … AND next_attempt_at = …`` that moves its next
attempt :data:`LEASE` ahead, committed before sending, so two schedulers (or a scheduler and ``ioc alert-rule check
--send``) never send one twice, and a process that dies mid-send leaves it to be retried after the lease. Then it is
sent — e-mail through :mod:`ioc.mail`, a webhook through :mod:`ioc.notify.webhook` — and marked ``sent``, or on
failure given ``attempts + 1``, ``last_error`` and a next attempt :data:`BACKOFF_BASE` × 2^(attempts − 1) later (at most
:data:`BACKOFF_CAP`); after :data:`MAX_ATTEMPTS` failures it is ``failed``. Every sending, failure and giving up is in
the audit log (actor ``ioc:notify`` unless told otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select

from ioc import mail
from ioc.errors import IOCError
from ioc.notify import webhook, wording
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction

NOTIFICATION = schema.Notification.__table__
RULE = schema.AlertRule.__table__
LEASE = timedelta(minutes=5)
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 8
ACTOR = "ioc:notify"


@dataclass(frozen=True)
class Outcome:
    """One delivery attempt: the notification, its channel and recipient, and how it ended."""

    id: int
    channel: str
    recipient: str
    status: str  # sent, retry or failed
    error: str | None = None


class UnmendableError(IOCError):
    """A failure no retry can mend (the rule or its webhook was removed): the notification fails at once."""


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 1, 2, 4, 8 … minutes, at most :data:`BACKOFF_CAP`."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def due(engine: Engine, now: datetime, limit: int) -> list[Any]:
    """The alert notifications due at ``now``, oldest attempt first (the brief's own rows are ``ioc.brief``'s)."""
    query = (
        select(NOTIFICATION)
        .where(
            NOTIFICATION.c.kind == "alert",
            or_(NOTIFICATION.c.status == "pending", NOTIFICATION.c.status == "held"),
            NOTIFICATION.c.next_attempt_at <= now,
        )
        .order_by(NOTIFICATION.c.next_attempt_at, NOTIFICATION.c.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return list(connection.execute(query))


def claim(engine: Engine, row: Any, now: datetime) -> bool:
    """Take ``row`` for sending, unless another process took it since it was read."""
    with transaction(engine) as connection:
        taken = connection.execute(
            NOTIFICATION.update()
            .where(
                NOTIFICATION.c.id == row.id,
                NOTIFICATION.c.status == row.status,
                NOTIFICATION.c.next_attempt_at == row.next_attempt_at,
            )
            .values(status="pending", next_attempt_at=now + LEASE)
        ).rowcount
    return taken == 1


def _send(engine: Engine, row: Any, smtp: mail.SmtpSettings | None) -> None:
    """Send one notification, or raise IOCError saying why not."""
    payload = dict(row.payload or {})
    if row.channel == "email":
        if smtp is None:
            smtp = mail.load_smtp_settings()
        mail.send(smtp, mail.message(smtp, [row.recipient], wording.title(payload), wording.text(payload)))
        return
    with engine.connect() as connection:
        rule = connection.execute(
            select(RULE.c.webhook_url, RULE.c.webhook_secret_env).where(RULE.c.id == row.rule_id)
        ).first()
    if rule is None or not rule.webhook_url:
        raise UnmendableError("webhook: the rule or its webhook was removed")
    webhook.post(rule.webhook_url, payload, webhook.secret_of(rule.webhook_secret_env), str(row.id))


def _record(engine: Engine, row: Any, now: datetime, error: str | None, actor: str, final: bool = False) -> Outcome:
    """Write how the attempt ended, with its audit entry, in one transaction."""
    attempts = row.attempts + 1
    target = f"notification:{row.id}"
    details = {"channel": row.channel, "recipient": row.recipient, "rule_id": row.rule_id, "attempts": attempts}
    with transaction(engine) as connection:
        where = NOTIFICATION.update().where(NOTIFICATION.c.id == row.id)
        if error is None:
            connection.execute(where.values(status="sent", attempts=attempts, sent_at=now, last_error=None))
            audit.record(connection, actor, "notification.sent", target, now, details, source_ip=audit.LOCAL)
            return Outcome(row.id, row.channel, row.recipient, "sent")
        error = error[:1000]
        if final or attempts >= MAX_ATTEMPTS:
            connection.execute(where.values(status="failed", attempts=attempts, last_error=error, next_attempt_at=None))
            audit.record(
                connection, actor, "notification.failed", target, now, details | {"error": error}, source_ip=audit.LOCAL
            )
            return Outcome(row.id, row.channel, row.recipient, "failed", error)
        retry_at = now + backoff(attempts)
        connection.execute(where.values(attempts=attempts, last_error=error, next_attempt_at=retry_at))
        audit.record(
            connection,
            actor,
            "notification.retry",
            target,
            now,
            details | {"error": error, "retry_at": str(retry_at)},
            source_ip=audit.LOCAL,
        )
        return Outcome(row.id, row.channel, row.recipient, "retry", error)


def deliver(
    engine: Engine,
    now: datetime,
    *,
    limit: int = 50,
    budget_seconds: float = 30.0,
    smtp: mail.SmtpSettings | None = None,
    actor: str = ACTOR,
    clock: Callable[[], float] | None = None,
) -> list[Outcome]:
    """Send up to ``limit`` due notifications; no new one is started once ``budget_seconds`` have passed."""
    import time

    monotonic = clock or time.monotonic
    started = monotonic()
    outcomes = []
    for row in due(engine, now, limit):
        if monotonic() - started > budget_seconds:
            break
        if not claim(engine, row, now):
            continue
        error, final = None, False
        try:
            _send(engine, row, smtp)
        except IOCError as problem:
            error, final = str(problem), isinstance(problem, UnmendableError)
        outcomes.append(_record(engine, row, now, error, actor, final))
    return outcomes
