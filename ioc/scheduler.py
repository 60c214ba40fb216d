"""``ioc scheduler``: APScheduler runs the enabled collectors on their schedules, with its jobs in the warehouse.

Each collector is one job whose id is the collector's name (``replace_existing``, ``max_instances=1``,
``coalesce``: missed runs collapse into one). A sync every few seconds compares the stored configurations with
the jobs, so adding, changing, disabling or removing a collector needs no restart (until that sync, a new collector
has no job: the admin page says the scheduler has yet to pick it up). A heartbeat job in the same job store, due every
:data:`HEARTBEAT_SECONDS`, tells the admin pages that a scheduler runs; it is removed when the scheduler stops.
SIGTERM or Ctrl-C lets each running collector finish the page in flight, then the process exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime
from functools import cache
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, delete

from ioc.brief import job as brief_job
from ioc.collecting.runner import run_collector
from ioc.collecting.runs import AlreadyRunningError
from ioc.collecting.status import HEARTBEAT_JOB
from ioc.collecting.store import CollectorConfig, list_collectors, trigger_for
from ioc.config import TIMEZONE, load_settings
from ioc.errors import IOCError
from ioc.notify import JOB_EXECUTOR, JOB_ID, JOB_SECONDS, scheduled_notifications
from ioc.warehouse.access import transaction
from ioc.warehouse.engine import make_engine
from ioc.warehouse.schema import apscheduler_jobs

log = logging.getLogger("ioc.scheduler")
SYNC_JOB_ID = "ioc-sync-collectors"
#: Seconds between the heartbeat job's runs (well within ``ioc.collecting.status.SCHEDULER_GRACE``).
HEARTBEAT_SECONDS = 30
#: Set on SIGTERM: running collectors stop after their page in flight.
STOP = threading.Event()


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


def run_scheduled_collector(name: str) -> None:
    """The job of collector ``name`` (a module-level function, so the job store can name it)."""
    settings = load_settings()
    try:
        result = run_collector(_engine(settings.warehouse_url), name, settings.province, stop=STOP)
    except AlreadyRunningError as error:
        log.warning("%s: skipped, %s", name, error)
        return
    except IOCError as error:
        log.error("%s: %s", name, error)
        return
    progress = result.progress
    message = "%s: run %s %s — %s inserted, %s updated, %s unchanged, %s rejected in %.1f s"
    level = logging.ERROR if result.status == "failed" else logging.INFO
    log.log(
        level,
        message,
        name,
        result.run_id,
        result.status,
        progress.inserted,
        progress.updated,
        progress.unchanged,
        progress.rejected,
        progress.elapsed,
    )
    if result.error:
        log.log(level, "%s: %s", name, result.error)


def scheduler_heartbeat() -> None:
    """The heartbeat job: it does nothing; the job store keeping its next run time is the heartbeat."""


def add_heartbeat_job(scheduler: BackgroundScheduler) -> None:
    """Keep :data:`~ioc.collecting.status.HEARTBEAT_JOB` in the warehouse's job store, due every
    :data:`HEARTBEAT_SECONDS`: the admin pages read it to know that a scheduler runs."""
    scheduler.add_job(
        scheduler_heartbeat,
        IntervalTrigger(seconds=HEARTBEAT_SECONDS, timezone=TIMEZONE),
        id=HEARTBEAT_JOB,
        name=HEARTBEAT_JOB,
        jobstore="default",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )


def remove_heartbeat(engine: Engine) -> None:
    """Take the heartbeat out of the job store once the scheduler has stopped (its jobs ended): the admin pages then
    say at once that no scheduler runs."""
    with transaction(engine) as connection:
        connection.execute(delete(apscheduler_jobs).where(apscheduler_jobs.c.id == HEARTBEAT_JOB))


def schedule_key(config: CollectorConfig) -> str:
    """What identifies a collector's schedule; stored as the job's name to notice changes."""
    return f"{config.name} [{config.schedule}]"


def sync_jobs(scheduler: BackgroundScheduler, engine: Engine) -> None:
    """Make the scheduler's jobs match the enabled, scheduled collectors."""
    with transaction(engine) as connection:
        wanted = {c.name: c for c in list_collectors(connection) if c.enabled and (c.cron or c.interval_seconds)}
    jobs = {job.id: job for job in scheduler.get_jobs(jobstore="default") if job.id != HEARTBEAT_JOB}
    for job_id in set(jobs) - set(wanted):
        scheduler.remove_job(job_id, jobstore="default")
        log.info("%s: unscheduled", job_id)
    for name, config in wanted.items():
        key = schedule_key(config)
        if name in jobs and jobs[name].name == key:
            continue
        trigger = trigger_for(config)
        first_run: dict[str, Any] = {"next_run_time": datetime.now(TIMEZONE)} if config.interval_seconds else {}
        scheduler.add_job(
            run_scheduled_collector,
            trigger=trigger,
            args=[name],
            id=name,
            name=key,
            jobstore="default",
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            **first_run,
        )
        log.info("%s: scheduled %s", name, config.schedule)


def build_scheduler(engine: Engine, workers: int = 4) -> BackgroundScheduler:
    """A background scheduler whose collector jobs live in the warehouse's ``apscheduler_jobs`` table."""
    return BackgroundScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tablename=apscheduler_jobs.name),
            "internal": MemoryJobStore(),
        },
        executors={
            "default": ThreadPoolExecutor(max_workers=workers),
            # the alerts and the brief each on one thread of their own: a slow webhook or SMTP server never holds a
            # collector's worker
            JOB_EXECUTOR: ThreadPoolExecutor(max_workers=1),
            brief_job.EXECUTOR: ThreadPoolExecutor(max_workers=1),
        },
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=TIMEZONE,
    )


def add_notification_job(scheduler: BackgroundScheduler, engine: Engine) -> None:
    """The alert rules' job (:func:`ioc.notify.scheduled_notifications`) every minute, in the in-memory store, on
    its own one-thread executor so that a slow webhook never holds a collector's worker."""
    scheduler.add_job(
        scheduled_notifications,
        IntervalTrigger(seconds=JOB_SECONDS, timezone=TIMEZONE),
        args=[engine],
        id=JOB_ID,
        jobstore="internal",
        executor=JOB_EXECUTOR,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )


def add_brief_job(scheduler: BackgroundScheduler) -> None:
    """The daily brief's job (:func:`ioc.brief.job.scheduled_brief`, from 07:00 local), in the in-memory store, on
    its own one-thread executor."""
    scheduler.add_job(
        brief_job.scheduled_brief,
        brief_job.trigger(),
        id=brief_job.JOB_ID,
        jobstore="internal",
        executor=brief_job.EXECUTOR,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )


def run_scheduler(sync_seconds: float = 10.0, workers: int = 4) -> None:
    """Run until SIGTERM or Ctrl-C; collectors in flight finish their page first."""
    settings = load_settings()
    engine = _engine(settings.warehouse_url)
    scheduler = build_scheduler(engine, workers)
    STOP.clear()

    def request_stop(signum: int, _frame: Any) -> None:
        log.info("received %s: finishing the pages in flight", signal.Signals(signum).name)
        STOP.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, request_stop)
    scheduler.start()
    add_heartbeat_job(scheduler)
    sync_jobs(scheduler, engine)
    scheduler.add_job(
        sync_jobs,
        IntervalTrigger(seconds=sync_seconds, timezone=TIMEZONE),
        args=[scheduler, engine],
        id=SYNC_JOB_ID,
        jobstore="internal",
        executor="default",
        replace_existing=True,
    )
    add_brief_job(scheduler)
    add_notification_job(scheduler, engine)
    log.info("scheduler started: %d collector jobs", len(scheduler.get_jobs(jobstore="default")))
    while not STOP.wait(0.5):
        pass
    scheduler.shutdown(wait=True)
    remove_heartbeat(engine)
    log.info("scheduler stopped")
