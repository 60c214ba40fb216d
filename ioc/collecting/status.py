"""What the admin pages read about collectors: each one's last and next run and what it loaded, the run history and
the quarantine, filtered and paged in the warehouse. Nothing here writes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, func, select

from ioc.collecting.store import CollectorConfig, list_collectors, trigger_for
from ioc.config import TIMEZONE, now_local
from ioc.errors import IOCError
from ioc.warehouse import schema
from ioc.warehouse.schema import apscheduler_jobs

RUN = schema.CollectorRun.__table__
COLLECTOR = schema.Collector.__table__
QUARANTINE = schema.Quarantine.__table__
OVERLAP = schema.CollectorOverlap.__table__
#: A job whose next run is this far in the past is not being run: the scheduler that stored it has stopped.
SCHEDULER_GRACE = timedelta(minutes=2)
#: The running scheduler's own job in its job store, due every few seconds (``ioc.scheduler.add_heartbeat_job``); not a
#: collector's name (a colon is not allowed in those).
HEARTBEAT_JOB = "ioc:heartbeat"
STATUSES = ("running", "succeeded", "failed", "stopped")
MODES = ("incremental", "backfill")


@dataclass(frozen=True)
class RunRow:
    """One run as the history shows it (``collector`` is the collector's name)."""

    id: int
    collector: str
    mode: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    since: datetime | None
    until: datetime | None
    cursor_before: str | None
    cursor_after: str | None
    pages: int
    inserted: int
    updated: int
    rejected: int
    unchanged: int
    records: int
    codes_mapped: int
    total: int | None
    error: str | None
    host: str | None
    pid: int | None
    heartbeat_at: datetime | None

    def elapsed(self, now: datetime) -> timedelta:
        return (self.finished_at or now) - self.started_at

    @property
    def handled(self) -> int:
        """Records read so far: inserted, updated, unchanged or rejected (what ``total`` counts at the source)."""
        return self.records


_RUN_COLUMNS = [RUN.c[f.name] for f in fields(RunRow) if f.name != "collector"]


def _runs() -> Select[Any]:
    return select(*_RUN_COLUMNS, COLLECTOR.c.name.label("collector")).join(
        COLLECTOR, COLLECTOR.c.id == RUN.c.collector_id
    )


def _run(row: Any) -> RunRow:
    return RunRow(**{f.name: row[f.name] for f in fields(RunRow)})


@dataclass(frozen=True)
class NextRun:
    """When a collector runs next. ``source``: ``scheduler`` (its job in the running scheduler's job store),
    ``waiting`` (the scheduler runs but has not picked the collector up yet, which its next sync does: ``at`` is
    computed from the schedule), ``schedule`` (no scheduler runs: computed from the schedule) or ``none`` (disabled,
    or run by hand only). A computed ``at`` is None for an interval, which runs as soon as a scheduler picks it up."""

    at: datetime | None
    source: str


def scheduled_times(connection: Connection) -> dict[str, datetime | None]:
    """The scheduler's stored next run of each job (local time), read from its job store without unpickling."""
    rows = connection.execute(select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time))
    return {
        job: None if stamp is None else datetime.fromtimestamp(stamp, TIMEZONE).replace(tzinfo=None)
        for job, stamp in rows
    }


def scheduler_running(scheduled: Mapping[str, datetime | None], now: datetime) -> bool:
    """Whether a scheduler runs: its heartbeat job is in the job store and not long overdue."""
    beat = scheduled.get(HEARTBEAT_JOB)
    return beat is not None and beat >= now - SCHEDULER_GRACE


def next_run(config: CollectorConfig, scheduled: Mapping[str, datetime | None], now: datetime) -> NextRun:
    """The next run of ``config``: its job's in the job store while a scheduler runs, else from the schedule, waiting
    for the running scheduler to pick it up or for a scheduler to start (jobs a stopped scheduler left in the store
    are not its next run)."""
    trigger = trigger_for(config)
    if not config.enabled or trigger is None:
        return NextRun(None, "none")
    running = scheduler_running(scheduled, now)
    stored = scheduled.get(config.name)
    if running and stored is not None:
        return NextRun(stored, "scheduler")
    source = "waiting" if running else "schedule"
    if config.interval_seconds:
        return NextRun(None, source)
    fire = trigger.get_next_fire_time(None, now.replace(tzinfo=TIMEZONE))
    return NextRun(fire.astimezone(TIMEZONE).replace(tzinfo=None) if fire else None, source)


@dataclass(frozen=True)
class CollectorOverview:
    """A collector with what the admin needs at a glance."""

    config: CollectorConfig
    last_run: RunRow | None
    next_run: NextRun
    dossiers: int
    open_quarantine: int
    #: How many dossiers it shares with each other collector that delivers some of the same, by that one's name.
    shared: dict[str, int]


def overview(connection: Connection, now: datetime | None = None) -> list[CollectorOverview]:
    """Every collector with its latest run, next run, dossiers loaded and records waiting in quarantine."""
    now = now or now_local()
    latest_ids = select(func.max(RUN.c.id)).group_by(RUN.c.collector_id).scalar_subquery()
    last = {row.collector: _run(row) for row in connection.execute(_runs().where(RUN.c.id.in_(latest_ids))).mappings()}
    loaded = dict(connection.execute(select(COLLECTOR.c.id, COLLECTOR.c.dossiers)).all())
    waiting = dict(
        connection.execute(
            select(QUARANTINE.c.collector_id, func.count())
            .where(QUARANTINE.c.reprocessed_at.is_(None))
            .group_by(QUARANTINE.c.collector_id)
        ).all()
    )
    scheduled = scheduled_times(connection)
    shared = shared_dossiers(connection)
    return [
        CollectorOverview(
            config,
            last.get(config.name),
            next_run(config, scheduled, now),
            loaded.get(config.id, 0),
            waiting.get(config.id, 0),
            shared.get(config.id, {}),
        )
        for config in list_collectors(connection)
    ]


def shared_dossiers(connection: Connection, collector_id: int | None = None) -> dict[int, dict[str, int]]:
    """For each collector (or only ``collector_id``), how many dossiers it shares with each other collector, by that
    one's name: the loader's counts (``collector_overlap``), so this never scans ``dossier``."""
    other = COLLECTOR.alias("other")
    query = (
        select(OVERLAP.c.collector_id, other.c.name, OVERLAP.c.dossiers)
        .join(other, other.c.id == OVERLAP.c.other_id)
        .where(OVERLAP.c.dossiers > 0)
        .order_by(other.c.name)
    )
    if collector_id is not None:
        query = query.where(OVERLAP.c.collector_id == collector_id)
    shared: dict[int, dict[str, int]] = {}
    for collector, name, dossiers in connection.execute(query):
        shared.setdefault(collector, {})[name] = int(dossiers)
    return shared


def dossiers_loaded(connection: Connection, name: str) -> int:
    """The dossiers collector ``name`` has loaded (0 for no such collector)."""
    return connection.execute(select(COLLECTOR.c.dossiers).where(COLLECTOR.c.name == name)).scalar() or 0


def shared_with(connection: Connection, name: str) -> dict[str, int]:
    """How many dossiers collector ``name`` shares with each other collector, by that one's name (empty for none)."""
    collector_id = connection.execute(select(COLLECTOR.c.id).where(COLLECTOR.c.name == name)).scalar()
    return {} if collector_id is None else shared_dossiers(connection, collector_id).get(collector_id, {})


def secrets_set(secret_envs: Mapping[str, str]) -> dict[str, bool]:
    """Whether each named environment variable is set here; its value is never read out."""
    return {variable: bool(os.environ.get(variable)) for variable in secret_envs.values()}


@dataclass(frozen=True)
class RunFilters:
    """Which runs the history shows; days are whole and both included."""

    collector: str | None = None
    status: str | None = None
    mode: str | None = None
    first: date | None = None
    last: date | None = None


def _filtered_runs(query: Select[Any], filters: RunFilters) -> Select[Any]:
    if filters.collector:
        query = query.where(COLLECTOR.c.name == filters.collector)
    if filters.status:
        query = query.where(RUN.c.status == filters.status)
    if filters.mode:
        query = query.where(RUN.c.mode == filters.mode)
    if filters.first:
        query = query.where(RUN.c.started_at >= datetime.combine(filters.first, datetime.min.time()))
    if filters.last:
        query = query.where(RUN.c.started_at < datetime.combine(filters.last + timedelta(days=1), datetime.min.time()))
    return query


def run_history(connection: Connection, filters: RunFilters, offset: int, limit: int) -> tuple[list[RunRow], int]:
    """One page of runs, newest first, and how many match."""
    count = select(func.count()).select_from(RUN.join(COLLECTOR, COLLECTOR.c.id == RUN.c.collector_id))
    total = connection.execute(_filtered_runs(count, filters)).scalar_one()
    query = _filtered_runs(_runs(), filters).order_by(RUN.c.id.desc()).offset(offset).limit(limit)
    return [_run(row) for row in connection.execute(query).mappings()], total


def get_run(connection: Connection, run_id: int) -> RunRow:
    row = connection.execute(_runs().where(RUN.c.id == run_id)).mappings().first()
    if row is None:
        raise IOCError(f"no run {run_id}")
    return _run(row)


def latest_run(connection: Connection, collector: str) -> RunRow | None:
    query = _runs().where(COLLECTOR.c.name == collector).order_by(RUN.c.id.desc()).limit(1)
    row = connection.execute(query).mappings().first()
    return None if row is None else _run(row)


@dataclass(frozen=True)
class QuarantineFilters:
    """Which rejected records to show: a collector's, with a reason containing some text, reprocessed ones or not."""

    collector: str | None = None
    reason: str | None = None
    include_reprocessed: bool = False


@dataclass(frozen=True)
class QuarantinedRecord:
    """A rejected record; ``raw`` (the record as the source sent it, JSON text) only when read one by one."""

    id: int
    collector: str
    run_id: int | None
    source_key: str | None
    reason: str
    quarantined_at: datetime
    reprocessed_at: datetime | None
    raw: str | None = None


def _quarantine_query(filters: QuarantineFilters, *columns: Any) -> Select[Any]:
    query = select(*columns).select_from(QUARANTINE.join(COLLECTOR, COLLECTOR.c.id == QUARANTINE.c.collector_id))
    if filters.collector:
        query = query.where(COLLECTOR.c.name == filters.collector)
    if filters.reason and filters.reason.strip():
        query = query.where(func.lower(QUARANTINE.c.reason).contains(filters.reason.strip().lower(), autoescape=True))
    if not filters.include_reprocessed:
        query = query.where(QUARANTINE.c.reprocessed_at.is_(None))
    return query


_LISTED = [
    QUARANTINE.c.id,
    COLLECTOR.c.name.label("collector"),
    QUARANTINE.c.run_id,
    QUARANTINE.c.source_key,
    QUARANTINE.c.reason,
    QUARANTINE.c.quarantined_at,
    QUARANTINE.c.reprocessed_at,
]


def quarantine_page(
    connection: Connection, filters: QuarantineFilters, offset: int, limit: int
) -> tuple[list[QuarantinedRecord], int]:
    """One page of rejected records, newest first, without their raw text, and how many match."""
    total = connection.execute(_quarantine_query(filters, func.count())).scalar_one()
    query = _quarantine_query(filters, *_LISTED).order_by(QUARANTINE.c.id.desc()).offset(offset).limit(limit)
    return [QuarantinedRecord(**row) for row in connection.execute(query).mappings()], total


def get_quarantined(connection: Connection, record_id: int) -> QuarantinedRecord:
    """One rejected record with its raw text."""
    query = _quarantine_query(QuarantineFilters(include_reprocessed=True), *_LISTED, QUARANTINE.c.raw)
    row = connection.execute(query.where(QUARANTINE.c.id == record_id)).mappings().first()
    if row is None:
        raise IOCError(f"no quarantined record {record_id}")
    return QuarantinedRecord(**row)
