"""The audit log: who did what, when."""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ioc.warehouse import schema

AUDIT = schema.AuditLog.__table__


def command_line_actor() -> str:
    """The actor of a command-line action: the operating-system account that ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def record(
    connection: Connection,
    actor: str,
    action: str,
    target: str | None,
    at: datetime,
    details: dict[str, Any] | None = None,
    source_ip: str | None = None,
) -> None:
    """Append one entry, in the caller's transaction (so the action and its record commit together)."""
    connection.execute(
        AUDIT.insert().values(
            at=at, actor=actor, action=action, target=target, details=details or {}, source_ip=source_ip
        )
    )
