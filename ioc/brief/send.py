"""Sending the brief to its subscribers, once per recipient and day, through the ``notification`` outbox.

Each recipient's sending is one row (kind ``brief``, channel ``email``, dedupe key ``brief:YYYY-MM-DD``). A
recipient is claimed before the message leaves (the row's ``attempts`` goes up by one where it still has the value
read, so two senders never both claim it), then the row says ``sent``, or keeps the error and waits for its next
attempt (:data:`BACKOFF` after each failure) until :data:`MAX_ATTEMPTS`, then ``failed``. A row ``sent`` is never
sent again: a restarted scheduler, a second run or ``ioc brief --send`` on the same day send nothing more. Every
attempt is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from ioc.brief.figures import Brief, gather
from ioc.brief.html import render_html, render_text
from ioc.brief.pdf import render_pdf
from ioc.brief.words import subject
from ioc.errors import IOCError
from ioc.mail import SmtpSettings, message, send
from ioc.subscribers import recipients
from ioc.warehouse import audit, schema
from ioc.warehouse.access import database_errors, transaction

NOTIFICATION = schema.Notification.__table__
#: Attempts per recipient and day, and the wait after the first, second, … failure.
MAX_ATTEMPTS = 3
BACKOFF = (timedelta(minutes=10), timedelta(minutes=20))
#: Seconds to wait on the SMTP server per operation when sending the brief (at most IOC_SMTP_TIMEOUT).
SEND_TIMEOUT = 15.0
#: A run stops after this many failures in a row (the server is down): the rest wait for the next run.
MAX_FAILURES_IN_A_ROW = 3
MAX_ERROR = 1000


@dataclass
class Sending:
    """What one run did: the addresses sent to, failed (with the error), and left alone (sent already, given up,
    or waiting for their next attempt)."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def dedupe_key(day: date) -> str:
    return f"brief:{day.isoformat()}"


def attachment_name(day: date) -> str:
    return f"ban-tin-dieu-hanh-{day.isoformat()}.pdf"


def brief_message(settings: SmtpSettings, address: str, brief: Brief, html: str, text: str, pdf: bytes) -> EmailMessage:
    """One recipient's message: the HTML body, its plain-text alternative and the PDF attached."""
    mail = message(settings, [address], subject(brief), text, html)
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment_name(brief.day))
    return mail


def _row(connection: Connection, key: str, address: str):  # type: ignore[no-untyped-def]
    where = (NOTIFICATION.c.dedupe_key == key, NOTIFICATION.c.channel == "email", NOTIFICATION.c.recipient == address)
    return connection.execute(select(NOTIFICATION).where(*where)).first()


def _wanted(row, now: datetime, manual: bool) -> bool:  # type: ignore[no-untyped-def]
    """Whether a recipient with this outbox row (None: none yet) is to be tried now."""
    if row is None:
        return True
    if row.status == "sent":
        return False
    if manual:  # ``ioc brief --send`` or the admin's button: now, and again after giving up
        return True
    return row.status == "pending" and (row.next_attempt_at is None or row.next_attempt_at <= now)


def _next_attempt(attempt: int, now: datetime) -> datetime | None:
    return now + BACKOFF[attempt - 1] if attempt <= len(BACKOFF) else None


def claim(engine: Engine, day: date, address: str, now: datetime, manual: bool = False) -> int | None:
    """Claim one recipient's sending of ``day``: the attempt's number, or None when it is not to be tried now (sent
    already, given up, waiting for its next attempt, or claimed by another sender at the same moment)."""
    key = dedupe_key(day)
    with database_errors(engine):
        try:
            return _claim(engine, key, day, address, now, manual)
        except IntegrityError:  # another sender inserted the same row first: it is theirs
            return None


def _claim(engine: Engine, key: str, day: date, address: str, now: datetime, manual: bool) -> int | None:
    """:func:`claim` in one transaction: insert the row or take the next attempt where ``attempts`` is unchanged."""
    with engine.begin() as connection:
        row = _row(connection, key, address)
        if not _wanted(row, now, manual):
            return None
        if row is None:
            connection.execute(
                NOTIFICATION.insert().values(
                    kind="brief",
                    channel="email",
                    recipient=address,
                    dedupe_key=key,
                    payload={"day": day.isoformat()},
                    status="pending",
                    attempts=1,
                    next_attempt_at=_next_attempt(1, now),
                    created_at=now,
                )
            )
            return 1
        attempt = row.attempts + 1
        claimed = connection.execute(
            NOTIFICATION.update()
            .where(NOTIFICATION.c.id == row.id, NOTIFICATION.c.attempts == row.attempts)
            .values(status="pending", attempts=attempt, next_attempt_at=_next_attempt(attempt, now))
        ).rowcount
        return attempt if claimed else None


def finish(
    engine: Engine,
    day: date,
    address: str,
    attempt: int,
    error: str | None,
    actor: str,
    now: datetime,
    source_ip: str = audit.LOCAL,
) -> None:
    """Record how the attempt ended (``sent``, or the error: ``pending`` again, ``failed`` at the last), audited."""
    given_up = error is not None and attempt >= MAX_ATTEMPTS
    status = "sent" if error is None else "failed" if given_up else "pending"
    values = {"status": status, "last_error": None if error is None else error[:MAX_ERROR]}
    if error is None:
        values |= {"sent_at": now, "next_attempt_at": None}
    elif given_up:
        values["next_attempt_at"] = None
    with transaction(engine) as connection:
        row = _row(connection, dedupe_key(day), address)
        connection.execute(NOTIFICATION.update().where(NOTIFICATION.c.id == row.id).values(**values))
        details = {"day": day.isoformat(), "attempt": attempt, "status": status}
        if error is not None:
            details["error"] = error[:MAX_ERROR]
        action = "brief.send" if error is None else "brief.send_failed"
        audit.record(connection, actor, action, address, now, details, source_ip=source_ip)


def send_brief(
    engine: Engine,
    day: date,
    settings: SmtpSettings,
    actor: str,
    now: datetime,
    *,
    manual: bool = False,
    source_ip: str = audit.LOCAL,
) -> Sending:
    """Send the brief of ``day`` to each brief subscriber not yet sent it (``manual``: now, whatever the backoff).
    SMTP errors are recorded and reported in the result, never raised; an SMTP server that is not configured is
    an :class:`IOCError` before anything is recorded."""
    if not settings.host:
        raise IOCError("IOC_SMTP_HOST: not set, so IOC cannot send the brief")
    settings = settings.model_copy(update={"timeout": min(settings.timeout, SEND_TIMEOUT)})
    done = Sending()
    with engine.connect() as connection:
        addresses = recipients(connection, "brief")
        wanted = [a for a in addresses if _wanted(_row(connection, dedupe_key(day), a), now, manual)]
        done.skipped = [a for a in addresses if a not in wanted]
        brief = gather(connection, day, now) if wanted else None
    if brief is None:
        return done
    html, text, pdf = render_html(brief), render_text(brief), render_pdf(brief)
    in_a_row = 0
    for address in wanted:
        if in_a_row >= MAX_FAILURES_IN_A_ROW:
            done.skipped.append(address)  # left for the next run, not claimed
            continue
        attempt = claim(engine, day, address, now, manual)
        if attempt is None:
            done.skipped.append(address)
            continue
        try:
            send(settings, brief_message(settings, address, brief, html, text, pdf))
            error = None
        except IOCError as failure:
            error = str(failure)
        finish(engine, day, address, attempt, error, actor, now, source_ip)
        if error is None:
            done.sent.append(address)
            in_a_row = 0
        else:
            done.failed[address] = error
            in_a_row += 1
    return done
