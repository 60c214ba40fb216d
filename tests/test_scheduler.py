"""The scheduler: one job per enabled collector, kept in the warehouse, following changes without a restart."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from helpers import start_ioc
from ioc.collecting.runs import AlreadyRunningError, RunOwner, claim_run
from ioc.collecting.status import HEARTBEAT_JOB, NextRun, overview, scheduled_times, scheduler_running
from ioc.collecting.store import add_collector, remove_collector, set_enabled, update_collector
from ioc.config import TIMEZONE, now_local
from ioc.scheduler import add_heartbeat_job, build_scheduler, sync_jobs
from ioc.simulator import SimulatorConfig, running_simulator
from ioc.warehouse import schema

RUN = schema.CollectorRun.__table__


@pytest.fixture
def paused_scheduler(warehouse):
    scheduler = build_scheduler(warehouse)
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def add(engine, name: str, **kwargs):
    with engine.begin() as connection:
        return add_collector(connection, name, "dossier-sync", "http://127.0.0.1:9/api/hoso", **kwargs)


def stored_job_ids(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(schema.apscheduler_jobs.c.id)).scalars())


def test_each_enabled_scheduled_collector_becomes_one_job_named_after_it(warehouse, paused_scheduler):
    add(warehouse, "hourly", every="1h")
    add(warehouse, "nightly", cron="30 1 * * *")
    add(warehouse, "off", every="15m", enabled=False)
    add(warehouse, "manual")
    sync_jobs(paused_scheduler, warehouse)
    jobs = {job.id: job for job in paused_scheduler.get_jobs()}
    assert set(jobs) == {"hourly", "nightly"} == stored_job_ids(warehouse)
    assert isinstance(jobs["hourly"].trigger, IntervalTrigger)
    assert jobs["hourly"].trigger.interval.total_seconds() == 3600
    assert isinstance(jobs["nightly"].trigger, CronTrigger)
    assert str(jobs["nightly"].trigger.fields[6]) == "30"  # minute
    assert all(job.max_instances == 1 and job.coalesce and job.args == (job.id,) for job in jobs.values())


def test_changes_to_collectors_are_followed_without_a_restart(warehouse, paused_scheduler):
    add(warehouse, "a", every="1h")
    add(warehouse, "b", cron="0 * * * *")
    sync_jobs(paused_scheduler, warehouse)
    with warehouse.begin() as connection:
        set_enabled(connection, "a", False)
        update_collector(connection, "b", cron="*/5 * * * *")
    add(warehouse, "c", every="10m")
    sync_jobs(paused_scheduler, warehouse)
    jobs = {job.id: job for job in paused_scheduler.get_jobs()}
    assert set(jobs) == {"b", "c"} == stored_job_ids(warehouse)
    assert str(jobs["b"].trigger.fields[6]) == "*/5"
    with warehouse.begin() as connection:
        remove_collector(connection, "b")
    sync_jobs(paused_scheduler, warehouse)
    assert stored_job_ids(warehouse) == {"c"}


def test_an_unchanged_collector_keeps_its_next_run(warehouse, paused_scheduler):
    add(warehouse, "a", every="1h")
    sync_jobs(paused_scheduler, warehouse)
    before = paused_scheduler.get_job("a").next_run_time
    time.sleep(0.05)
    sync_jobs(paused_scheduler, warehouse)
    assert paused_scheduler.get_job("a").next_run_time == before


def test_one_run_of_a_collector_at_a_time(warehouse):
    config = add(warehouse, "a")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        other_process = RunOwner(host=RunOwner.this_process().host, pid=sleeper.pid)
        with warehouse.begin() as connection:
            claim_run(connection, config.id, "incremental", None, None, None, other_process)
        with warehouse.begin() as connection, pytest.raises(AlreadyRunningError, match="already running"):
            claim_run(connection, config.id, "incremental", None, None, None)
    finally:
        sleeper.kill()
        sleeper.wait()
    with warehouse.begin() as connection:
        claim_run(connection, config.id, "incremental", None, None, None)
    with warehouse.connect() as connection:
        rows = connection.execute(select(RUN.c.status, RUN.c.error).order_by(RUN.c.id)).all()
    assert [row.status for row in rows] == ["failed", "running"]
    assert f"process {sleeper.pid}" in rows[0].error


def _wait_until(predicate, timeout: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_the_scheduler_process_runs_new_collectors_and_stops_cleanly_on_sigterm(warehouse, warehouse_env):
    config = SimulatorConfig(seed=5, start=date(2025, 1, 1), now=datetime(2025, 2, 1, 12), daily_volume=40)
    with running_simulator(config) as url:
        with warehouse.begin() as connection:
            add_collector(connection, "first", "dossier-sync", f"{url}/api/hoso", every="1h")
        process = start_ioc("scheduler", "--sync-every", "0.5", env=warehouse_env, merge_output=True)
        try:

            def succeeded(name: str) -> bool:
                collector = schema.Collector.__table__
                query = select(RUN.c.inserted).join(collector, collector.c.id == RUN.c.collector_id)
                query = query.where(collector.c.name == name, RUN.c.status == "succeeded")
                with warehouse.connect() as connection:
                    return any(count > 0 for count in connection.execute(query).scalars())

            _wait_until(lambda: succeeded("first"), 60, process)
            with warehouse.connect() as connection:
                assert scheduler_running(scheduled_times(connection), now_local()), "its heartbeat is in the job store"
            with warehouse.begin() as connection:
                add_collector(connection, "second", "dossier-sync", f"{url}/api/hoso", every="1h")
            _wait_until(lambda: succeeded("second"), 60, process)
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, output
    assert "scheduler stopped" in output
    with warehouse.connect() as connection:
        assert connection.execute(select(RUN.c.id).where(RUN.c.status == "running")).all() == []
    assert stored_job_ids(warehouse) == {"first", "second"}, "a scheduler that stopped leaves no heartbeat"


def test_a_new_collectors_next_run_is_the_job_stores_once_the_running_scheduler_picks_it_up(warehouse):
    scheduler = build_scheduler(warehouse)
    with warehouse.connect() as connection:
        assert not scheduler_running(scheduled_times(connection), now_local()), "no scheduler has started yet"
    scheduler.start(paused=True)  # its job store is the warehouse's; paused, so no collector runs
    try:
        add_heartbeat_job(scheduler)
        add(warehouse, "nightly", cron="30 1 * * *")
        add(warehouse, "hourly", every="1h")
        with warehouse.connect() as connection:
            before = {entry.config.name: entry.next_run for entry in overview(connection)}
        today = datetime.combine(now_local().date(), datetime.min.time()).replace(hour=1, minute=30)
        nightly = today if today > now_local() else today + timedelta(days=1)
        assert before["nightly"] == NextRun(nightly, "waiting"), "the scheduler runs; it has not picked it up yet"
        assert before["hourly"] == NextRun(None, "waiting"), "an interval collector runs as soon as it is picked up"
        sync_jobs(scheduler, warehouse)
        with warehouse.connect() as connection:
            after = {entry.config.name: entry.next_run for entry in overview(connection)}
        stored = scheduler.get_job("nightly").next_run_time.astimezone(TIMEZONE).replace(tzinfo=None, microsecond=0)
        assert (after["nightly"].source, after["nightly"].at.replace(microsecond=0)) == ("scheduler", stored)
        assert after["hourly"].source == "scheduler"
        sync_jobs(scheduler, warehouse)
        assert HEARTBEAT_JOB in stored_job_ids(warehouse), "a sync leaves the scheduler's heartbeat alone"
    finally:
        scheduler.shutdown(wait=False)


def test_a_heartbeat_long_overdue_is_a_scheduler_that_has_stopped():
    now = datetime(2026, 12, 2, 9, 0)
    assert scheduler_running({HEARTBEAT_JOB: now + timedelta(seconds=20)}, now)
    assert not scheduler_running({HEARTBEAT_JOB: now - timedelta(minutes=10)}, now)
    assert not scheduler_running({"nightly": now + timedelta(hours=3)}, now), "a collector's job left behind"
