"""API bearer tokens (``ioc api-token``): the API kind of :mod:`ioc.tokens`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from ioc import tokens

PREFIX = tokens.API.prefix


def create_token(connection: Connection, name: str, actor: str, now: datetime) -> str:
    return tokens.create(connection, tokens.API, name, actor, now)


def revoke_token(connection: Connection, name: str, actor: str, now: datetime) -> None:
    tokens.revoke(connection, tokens.API, name, actor, now)


def list_tokens(connection: Connection) -> list[dict]:
    return tokens.list_all(connection, tokens.API)


def authenticate(connection: Connection, token: str, now: datetime) -> str | None:
    """The name of the active API token ``token`` is, noting its use; None for anything else."""
    found = tokens.authenticate(connection, tokens.API, token, now)
    return found[1] if found else None
