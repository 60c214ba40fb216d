"""The people IOC e-mails: the daily brief, alerts, or both. Admins manage them (``ioc subscriber``, the admin
page); every change is audited. Addresses are checked for shape only — delivery is the SMTP server's business."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, Engine, select

from ioc.errors import IOCError
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction

SUBSCRIBER = schema.Subscriber.__table__
#: One address: a local part and a domain with a dot, no spaces or angle brackets, at most 254 characters.
EMAIL = re.compile(r"[^\s@<>,;\"]{1,64}@[^\s@<>,;\"]+\.[^\s@<>,;\".]{2,63}")
MAX_NAME = 200
Purpose = Literal["brief", "alerts"]


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str | None
    brief: bool
    alerts: bool
    active: bool


def normalised_email(email: str) -> str:
    """``email`` trimmed and lower-cased, or :class:`IOCError` when it is not one address."""
    value = email.strip().lower() if isinstance(email, str) else ""
    if len(value) > 254 or not EMAIL.fullmatch(value):
        raise IOCError(f"{email!r}: not an e-mail address", key="subscriber.email", email=str(email)[:80])
    return value


def list_subscribers(connection: Connection) -> list[Subscriber]:
    """Every subscriber, by address."""
    rows = connection.execute(select(SUBSCRIBER).order_by(SUBSCRIBER.c.email))
    return [Subscriber(r.email, r.name, r.brief, r.alerts, r.active) for r in rows]


def recipients(connection: Connection, purpose: Purpose) -> list[str]:
    """The active subscribers' addresses that receive ``purpose`` (the brief, or alerts), sorted."""
    column = SUBSCRIBER.c.brief if purpose == "brief" else SUBSCRIBER.c.alerts
    query = select(SUBSCRIBER.c.email).where(SUBSCRIBER.c.active, column).order_by(SUBSCRIBER.c.email)
    return list(connection.execute(query).scalars())


def save_subscriber(
    engine: Engine,
    email: str,
    actor: str,
    now: datetime,
    *,
    name: str | None = None,
    brief: bool = True,
    alerts: bool = True,
    active: bool = True,
    source_ip: str = audit.LOCAL,
) -> Subscriber:
    """Add a subscriber, or change one with the same address. Audited, committed."""
    address = normalised_email(email)
    name = (name or "").strip()[:MAX_NAME] or None
    values = {"name": name, "brief": bool(brief), "alerts": bool(alerts), "active": bool(active)}
    with transaction(engine) as connection:
        found = connection.execute(select(SUBSCRIBER.c.id).where(SUBSCRIBER.c.email == address)).scalar()
        if found is None:
            connection.execute(SUBSCRIBER.insert().values(email=address, created_at=now, created_by=actor, **values))
            action = "subscriber.add"
        else:
            connection.execute(SUBSCRIBER.update().where(SUBSCRIBER.c.id == found).values(**values))
            action = "subscriber.change"
        audit.record(connection, actor, action, address, now, values, source_ip=source_ip)
    return Subscriber(address, name, values["brief"], values["alerts"], values["active"])


def remove_subscriber(engine: Engine, email: str, actor: str, now: datetime, source_ip: str = audit.LOCAL) -> None:
    """Remove a subscriber; :class:`IOCError` when there is none with that address. Audited, committed."""
    address = normalised_email(email)
    with transaction(engine) as connection:
        removed = connection.execute(SUBSCRIBER.delete().where(SUBSCRIBER.c.email == address)).rowcount
        if not removed:
            raise IOCError(f"no subscriber {address}", key="subscriber.unknown", email=address)
        audit.record(connection, actor, "subscriber.remove", address, now, source_ip=source_ip)
