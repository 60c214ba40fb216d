"""Run bookkeeping: one run of a collector at a time, a row per run, and runs left behind by dead processes."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, insert, null, select, update

from ioc.config import now_local
from ioc.errors import IOCError
from ioc.processes import alive
from ioc.warehouse import schema
from ioc.warehouse.load import PageCounts

RUN = schema.CollectorRun.__table__
COLLECTOR = schema.Collector.__table__
#: A running run whose process cannot be checked (another host) is taken for dead after this silence.
STALE_AFTER = timedelta(minutes=15)


class AlreadyRunningError(IOCError):
    """Another live process is running this collector."""


@dataclass(frozen=True)
class RunOwner:
    host: str
    pid: int

    @classmethod
    def this_process(cls) -> RunOwner:
        return cls(host=socket.gethostname(), pid=os.getpid())


def _is_stale(row, owner: RunOwner, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    """A run is dead when its process on this host is gone, or when it has been silent too long."""
    silent = now - (row.heartbeat_at or row.started_at) > STALE_AFTER
    if row.host == owner.host and row.pid is not None and row.pid != owner.pid:
        return not alive(row.pid) or silent
    return silent


def claim_run(
    connection: Connection,
    collector_id: int,
    mode: str,
    since: datetime | None,
    until: datetime | None,
    cursor_before: str | None,
    owner: RunOwner | None = None,
) -> int:
    """Start a run row, refusing while another live process runs the collector.

    The first statement locks the collector's row (PostgreSQL) or the database (SQLite), so two
    processes claiming at once are serialised. Runs of dead processes are closed as ``failed``.
    """
    owner = owner or RunOwner.this_process()
    now = now_local()
    connection.execute(
        update(COLLECTOR).where(COLLECTOR.c.id == collector_id).values(updated_at=COLLECTOR.c.updated_at)
    )
    running = connection.execute(select(RUN).where(RUN.c.collector_id == collector_id, RUN.c.status == "running")).all()
    for row in running:
        if not _is_stale(row, owner, now):
            raise AlreadyRunningError(
                f"the collector is already running (run {row.id}, process {row.pid} on {row.host}, since "
                f"{row.started_at:%d/%m/%Y %H:%M:%S})"
            )
        connection.execute(
            update(RUN)
            .where(RUN.c.id == row.id)
            .values(
                status="failed",
                finished_at=now,
                error=f"interrupted: process {row.pid} on {row.host} ended during the run; the next run resumed",
            )
        )
    result = connection.execute(
        insert(RUN).values(
            collector_id=collector_id,
            mode=mode,
            status="running",
            started_at=now,
            since=since,
            until=until,
            cursor_before=cursor_before,
            host=owner.host,
            pid=owner.pid,
            heartbeat_at=now,
        )
    )
    return int(result.inserted_primary_key[0])


def live_run(connection: Connection, collector_id: int, owner: RunOwner | None = None) -> int | None:
    """The id of the collector's run that a live process is running, if any (what :func:`claim_run` refuses on)."""
    owner = owner or RunOwner.this_process()
    now = now_local()
    running = connection.execute(select(RUN).where(RUN.c.collector_id == collector_id, RUN.c.status == "running"))
    return next((row.id for row in running if not _is_stale(row, owner, now)), None)


def resumable_backfill_cursor(
    connection: Connection, collector_id: int, since: datetime, until: datetime
) -> str | None:
    """Where the latest backfill of the same range stopped, unless it finished. Call before claiming a run."""
    latest = connection.execute(
        select(RUN.c.status, RUN.c.cursor_after)
        .where(RUN.c.collector_id == collector_id, RUN.c.mode == "backfill", RUN.c.since == since, RUN.c.until == until)
        .order_by(RUN.c.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.status == "succeeded":
        return None
    return latest.cursor_after


def record_page(
    connection: Connection,
    run_id: int,
    counts: PageCounts,
    cursor: str,
    remaining: int | None,
    codes_mapped: int = 0,
    records: int | None = None,
) -> None:
    """Add a loaded page to the run, in the page's transaction (``codes_mapped``: its draft unit codes mapped;
    ``records``: how many it held, else the sum of ``counts``)."""
    read = counts.inserted + counts.updated + counts.unchanged + counts.rejected if records is None else records
    connection.execute(
        update(RUN)
        .where(RUN.c.id == run_id)
        .values(
            pages=RUN.c.pages + 1,
            inserted=RUN.c.inserted + counts.inserted,
            updated=RUN.c.updated + counts.updated,
            unchanged=RUN.c.unchanged + counts.unchanged,
            rejected=RUN.c.rejected + counts.rejected,
            records=RUN.c.records + read,
            codes_mapped=RUN.c.codes_mapped + codes_mapped,
            cursor_after=cursor,
            heartbeat_at=now_local(),
            **({"total": func.coalesce(RUN.c.total, remaining)} if remaining is not None else {}),
        )
    )


def finish_run(connection: Connection, run_id: int, status: str, error: str | None = None) -> None:
    """End the run. A run that succeeded has read its whole window: a total the source gave that differs from what it
    read was not the window's count (a source-wide one, or the window changed meanwhile), so it is left out."""
    values: dict[str, Any] = {"status": status, "finished_at": now_local(), "error": error}
    if status == "succeeded":
        values["total"] = case((RUN.c.total == RUN.c.records, RUN.c.total), else_=null())
    connection.execute(update(RUN).where(RUN.c.id == run_id).values(**values))
