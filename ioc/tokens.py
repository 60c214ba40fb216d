"""Secret tokens made from the command line: shown once, stored only as SHA-256 hashes, revocable, audited.

Two kinds: bearer tokens for the read-only API (``ioc api-token``) and display tokens that open the wall on a
wall-screen (``ioc display-token``). A kind is its table, the prefix that makes a leaked token recognisable, and the
name its audit entries carry.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, Table, or_, select, update

from ioc.errors import IOCError
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction

#: A token's last use is written at most this often (a wall asks every minute; the time need not be finer).
LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenKind:
    table: Table
    prefix: str
    noun: str


API = TokenKind(schema.ApiToken.__table__, "ioc_", "api_token")  # type: ignore[arg-type]
DISPLAY = TokenKind(schema.DisplayToken.__table__, "iocd_", "display_token")  # type: ignore[arg-type]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(
    connection: Connection, kind: TokenKind, name: str, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> str:
    """A new token named ``name``, returned once and never stored in clear."""
    name = name.strip()
    if not name or len(name) > 100:
        raise IOCError("a token's name must be 1 to 100 characters", key="token_name")
    if connection.execute(select(kind.table.c.id).where(kind.table.c.name == name)).first():
        raise IOCError(
            f"a token named {name!r} exists already; revoke it or choose another name", key="token_exists", name=name
        )
    token = kind.prefix + secrets.token_urlsafe(32)
    connection.execute(
        kind.table.insert().values(name=name, token_hash=token_hash(token), created_at=now, created_by=actor)
    )
    audit.record(connection, actor, f"{kind.noun}.create", name, now, source_ip=source_ip)
    return token


def rotate(
    connection: Connection, kind: TokenKind, name: str, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> tuple[str, bool]:
    """A new secret for the token ``name``, in place, or a new token of that name when there is none; returns the
    token (shown once) and whether one existed.

    Only hashes are kept, so an old secret cannot be shown again: rotating keeps one token of that name (its id, its
    playlist, a wall-screen already open with it) instead of adding another, and the old secret stops working
    at once. A revoked token of that name is made active again.
    """
    table = kind.table
    found = connection.execute(select(table.c.id).where(table.c.name == name)).first()
    if found is None:
        return create(connection, kind, name, actor, now, source_ip=source_ip), False
    token = kind.prefix + secrets.token_urlsafe(32)
    connection.execute(
        update(table).where(table.c.id == found.id).values(token_hash=token_hash(token), revoked_at=None)
    )
    audit.record(connection, actor, f"{kind.noun}.rotate", name, now, source_ip=source_ip)
    return token, True


def revoke(
    connection: Connection, kind: TokenKind, name: str, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> None:
    """Make a token useless from now on (it stays listed, revoked)."""
    table = kind.table
    revoked = connection.execute(
        update(table).where(table.c.name == name, table.c.revoked_at.is_(None)).values(revoked_at=now)
    )
    if revoked.rowcount == 0:
        raise IOCError(f"no active token named {name!r}", key="no_token", name=name)
    audit.record(connection, actor, f"{kind.noun}.revoke", name, now, source_ip=source_ip)


def create_token(
    engine: Engine, kind: TokenKind, name: str, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> str:
    """:func:`create`, committed (``ioc display-token create``, the admin page)."""
    with transaction(engine) as connection:
        return create(connection, kind, name, actor, now, source_ip=source_ip)


def revoke_token(
    engine: Engine, kind: TokenKind, name: str, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> None:
    """:func:`revoke`, committed (``ioc display-token revoke``, the admin page)."""
    with transaction(engine) as connection:
        revoke(connection, kind, name, actor, now, source_ip=source_ip)


def open_display(engine: Engine, token: str, now: datetime, source_ip: str = audit.LOCAL) -> tuple[int, str] | None:
    """A wall-screen opening its link: the display token's id and name, or None; audited either way, committed."""
    with transaction(engine) as connection:
        found = authenticate(connection, DISPLAY, token, now)
        action, target = ("display.open", found[1]) if found else ("display.refused", None)
        audit.record(connection, "display", action, target, now, source_ip=source_ip)
    return found


def list_all(connection: Connection, kind: TokenKind) -> list[dict]:
    """Every token's name and dates (never the token)."""
    columns = [kind.table.c[name] for name in ("name", "created_at", "created_by", "last_used_at", "revoked_at")]
    return [dict(row) for row in connection.execute(select(*columns).order_by(kind.table.c.name)).mappings()]


def _note_use(connection: Connection, kind: TokenKind, row, now: datetime) -> None:  # type: ignore[no-untyped-def]
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_RESOLUTION:
        connection.execute(update(kind.table).where(kind.table.c.id == row.id).values(last_used_at=now))


def authenticate(connection: Connection, kind: TokenKind, token: str, now: datetime) -> tuple[int, str] | None:
    """The id and name of the active token ``token`` is, noting its use; None for anything else."""
    if not token.startswith(kind.prefix):
        return None
    table = kind.table
    row = connection.execute(
        select(table.c.id, table.c.name, table.c.last_used_at).where(
            table.c.token_hash == token_hash(token), table.c.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    _note_use(connection, kind, row, now)
    return row.id, row.name


def _note_use_when_due(engine: Engine, kind: TokenKind, row, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Write a token's last use, in a short transaction of its own, only when due (once a LAST_USE_RESOLUTION)."""
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_RESOLUTION:
        table = kind.table
        with engine.begin() as connection:
            due = or_(table.c.last_used_at.is_(None), table.c.last_used_at <= now - LAST_USE_RESOLUTION)
            connection.execute(update(table).where(table.c.id == row.id, due).values(last_used_at=now))


def verify(engine: Engine, kind: TokenKind, token: str, now: datetime) -> tuple[int, str] | None:
    """:func:`authenticate` for a request: it reads without a write lock, and notes the use only when due."""
    if not token.startswith(kind.prefix):
        return None
    table = kind.table
    with engine.connect() as connection:
        row = connection.execute(
            select(table.c.id, table.c.name, table.c.last_used_at).where(
                table.c.token_hash == token_hash(token), table.c.revoked_at.is_(None)
            )
        ).first()
    if row is None:
        return None
    _note_use_when_due(engine, kind, row, now)
    return row.id, row.name


def active_name(engine: Engine, kind: TokenKind, token_id: int, now: datetime) -> str | None:
    """The name of the token with ``token_id`` while it is not revoked, noting its use; None once revoked.

    Asked at every request of a wall-screen, so it reads without a write lock; the use is written only when due.
    """
    table = kind.table
    with engine.connect() as connection:
        row = connection.execute(
            select(table.c.id, table.c.name, table.c.last_used_at).where(
                table.c.id == token_id, table.c.revoked_at.is_(None)
            )
        ).first()
    if row is None:
        return None
    _note_use_when_due(engine, kind, row, now)
    return row.name
