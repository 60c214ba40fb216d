"""The audit log: who did what, when."""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from ioc.errors import IOCError
from ioc.warehouse import schema

AUDIT = schema.AuditLog.__table__
#: The most entries one page of :func:`query` returns.
MAX_PAGE = 500
LIKE_ESCAPE = "\\"
#: The address of an action taken on this machine rather than through the dashboard: the command line, the scheduler.
LOCAL = "local"


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
    *,
    source_ip: str,
) -> None:
    """Append one entry, in the caller's transaction (so the action and its record commit together). ``source_ip`` is
    where the action came from: the request's address for the dashboard, :data:`LOCAL` for this machine; it has no
    default, so that no call site can leave it out."""
    if not source_ip:
        raise ValueError(f"the audit entry {action!r} needs the address it came from (source_ip)")
    connection.execute(
        AUDIT.insert().values(
            at=at, actor=actor, action=action, target=target, details=details or {}, source_ip=source_ip
        )
    )


def _containing(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards taken literally."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


def query(
    connection: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    target_contains: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page of entries, newest first, and how many entries match in all.

    ``actor`` and ``action`` match exactly; ``target_contains`` matches anywhere in the target, ignoring the case of
    Latin letters; ``since`` ≤ time < ``until``. An empty filter is no filter. Values are bound, never spliced in.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise IOCError(f"an audit page holds 1 to {MAX_PAGE} entries, not {limit}")
    if offset < 0:
        raise IOCError("an audit page cannot start before the first entry")
    c = AUDIT.c
    conditions = []
    if actor:
        conditions.append(c.actor == actor)
    if action:
        conditions.append(c.action == action)
    if target_contains:
        pattern = func.lower(_containing(target_contains))
        conditions.append(func.lower(c.target).like(pattern, escape=LIKE_ESCAPE))
    if since is not None:
        conditions.append(c.at >= since)
    if until is not None:
        conditions.append(c.at < until)
    total = connection.execute(select(func.count()).select_from(AUDIT).where(*conditions)).scalar_one()
    page = select(AUDIT).where(*conditions).order_by(c.at.desc(), c.id.desc()).limit(limit).offset(offset)
    return [dict(row) for row in connection.execute(page).mappings()], int(total)


def choices(connection: Connection) -> dict[str, list[str]]:
    """The actors and the actions the log holds, sorted: what its filters can choose from."""
    return {
        name: list(connection.execute(select(column).distinct().order_by(column)).scalars())
        for name, column in (("actor", AUDIT.c.actor), ("action", AUDIT.c.action))
    }
