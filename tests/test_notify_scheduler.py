"""The scheduler's alert job: every minute, in the in-memory store, on an executor of its own — so a webhook that
hangs holds that job only, and the collectors' jobs run on meanwhile."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from test_notify_delivery import Receiver
from test_notify_evaluate import dossier

from ioc.collecting.store import add_collector
from ioc.config import TIMEZONE, now_local
from ioc.notify import JOB_EXECUTOR, JOB_ID, JOB_SECONDS
from ioc.notify.rules import RuleInput, save_rule
from ioc.scheduler import add_notification_job, build_scheduler
from ioc.warehouse.access import transaction
from ioc.warehouse.load import load_page


def test_the_job_runs_every_minute_on_its_own_executor(warehouse) -> None:
    scheduler = build_scheduler(warehouse)
    scheduler.start(paused=True)
    try:
        add_notification_job(scheduler, warehouse)
        job = scheduler.get_job(JOB_ID, jobstore="internal")
        assert job.executor == JOB_EXECUTOR and job.trigger.interval.total_seconds() == JOB_SECONDS == 60
        assert (job.max_instances, job.coalesce) == (1, True)
        assert scheduler.get_jobs(jobstore="default") == []  # never in the warehouse's store
    finally:
        scheduler.shutdown(wait=False)


def test_a_hanging_webhook_never_blocks_the_collectors_jobs(warehouse) -> None:
    today = now_local().replace(hour=0, minute=0, second=1, microsecond=0)
    with transaction(warehouse) as connection:
        collector = add_collector(connection, "dossiers", "dossier-sync", "http://127.0.0.1:9/api/hoso")
        load_page(connection, collector.id, None, [dossier(f"A-{i}", "SO-A", today, True) for i in range(5)], [],
                  datetime.now())  # fmt: skip
    ran = threading.Event()
    with Receiver(["hang"]) as receiver:
        given = RuleInput("late", "kpi", "on_time_rate", threshold=50.0, email=False, webhook_url=receiver.url)
        save_rule(warehouse, given, "admin", datetime.now())
        scheduler = build_scheduler(warehouse, workers=1)
        scheduler.start()
        try:
            add_notification_job(scheduler, warehouse)
            scheduler.modify_job(JOB_ID, jobstore="internal", next_run_time=datetime.now(TIMEZONE))
            deadline = time.monotonic() + 20
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.05)
            assert receiver.received, "the alert job did not post"
            scheduler.add_job(  # a collector's job, say
                ran.set, "interval", seconds=30, next_run_time=datetime.now(TIMEZONE), jobstore="internal"
            )
            assert ran.wait(2), "the collectors' executor was held by the alert job"
        finally:
            scheduler.shutdown(wait=True)
