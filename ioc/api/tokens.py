"""API bearer tokens: created from the command line, stored only as SHA-256 hashes, revocable, audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Connection, select, update

from ioc.errors import IOCError
from ioc.warehouse import audit, schema

API_TOKEN = schema.ApiToken.__table__
#: Tokens start with this, so a leaked one is easy to recognise (and to search for in logs).
PREFIX = "ioc_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(connection: Connection, name: str, actor: str, now: datetime) -> str:
    """A new token for ``name``, returned once and never stored in clear."""
    name = name.strip()
    if not name or len(name) > 100:
        raise IOCError("a token's name must be 1 to 100 characters")
    if connection.execute(select(API_TOKEN.c.id).where(API_TOKEN.c.name == name)).first():
        raise IOCError(f"a token named {name!r} exists already; revoke it or choose another name")
    token = PREFIX + secrets.token_urlsafe(32)
    connection.execute(
        API_TOKEN.insert().values(name=name, token_hash=token_hash(token), created_at=now, created_by=actor)
    )
    audit.record(connection, actor, "api_token.create", name, now)
    return token


def revoke_token(connection: Connection, name: str, actor: str, now: datetime) -> None:
    """Make a token useless from now on (it stays listed, revoked)."""
    revoked = connection.execute(
        update(API_TOKEN).where(API_TOKEN.c.name == name, API_TOKEN.c.revoked_at.is_(None)).values(revoked_at=now)
    )
    if revoked.rowcount == 0:
        raise IOCError(f"no active token named {name!r}")
    audit.record(connection, actor, "api_token.revoke", name, now)


def list_tokens(connection: Connection) -> list[dict]:
    """Every token's name and dates (never the token)."""
    columns = [API_TOKEN.c[name] for name in ("name", "created_at", "created_by", "last_used_at", "revoked_at")]
    return [dict(row) for row in connection.execute(select(*columns).order_by(API_TOKEN.c.name)).mappings()]


def authenticate(connection: Connection, token: str, now: datetime) -> str | None:
    """The name of the active token ``token`` is, noting its use; None for anything else."""
    if not token.startswith(PREFIX):
        return None
    row = connection.execute(
        select(API_TOKEN.c.id, API_TOKEN.c.name).where(
            API_TOKEN.c.token_hash == token_hash(token), API_TOKEN.c.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    connection.execute(update(API_TOKEN).where(API_TOKEN.c.id == row.id).values(last_used_at=now))
    return row.name
