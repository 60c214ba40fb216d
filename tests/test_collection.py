"""Collecting from the simulator over real HTTP on loopback, into SQLite and PostgreSQL: nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import date, datetime

import httpx
import pytest
from sqlalchemy import func, select

from helpers import run_ioc, start_ioc
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector, update_collector
from ioc.config import load_settings
from ioc.initialise import initialise
from ioc.simulator import Simulator, SimulatorConfig, running_simulator
from ioc.warehouse import schema
from ioc.warehouse.engine import make_engine

START = date(2025, 1, 1)
NOW = datetime(2025, 3, 1, 12, 0, 0)
WINDOW = (datetime(2025, 1, 1), datetime(2025, 3, 2))
FAST_RETRIES = {"backoff_initial_seconds": 0.01, "backoff_max_seconds": 0.05, "max_attempts": 30}
#: How each malformed kind of the simulator shows in the quarantine's reasons, checked in this order.
KIND_BY_REASON = (
    ("missing_key", ("MaHoSo is missing",)),
    ("finished_without_end", ("without NgayKetThucXuLy",)),
    ("bad_date", ("is not a date-time",)),
    ("due_before_received", ("NgayHenTra", "is before NgayTiepNhan")),
    ("finished_before_received", ("NgayKetThucXuLy", "is before NgayTiepNhan")),
    ("bad_channel", ("KenhThucHien", "is not one of")),
    ("bad_status", ("TrangThaiHoSo", "is not one of")),
    ("unknown_unit", ("MaDVHC", "is not province 46")),
)


def kind_of(reason: str) -> str:
    return next(kind for kind, fragments in KIND_BY_REASON if all(f in reason for f in fragments))


def sim_config(**changes) -> SimulatorConfig:
    values = {"seed": 11, "start": START, "now": NOW, "daily_volume": 60, "malformed_rate": 0.03, **changes}
    return SimulatorConfig(**values)


def add(engine, url: str, name: str = "sim", auth: str = "none", secrets: list[str] | None = None, **options):
    with engine.begin() as connection:
        return add_collector(connection, name, "dossier-sync", f"{url}/api/hoso", auth, secrets, options=options)


def backfill(engine, name: str = "sim", **kwargs):
    return run_collector(engine, name, "46", since=date(2025, 1, 1), until=date(2025, 3, 1), **kwargs)


def warehouse_counts(engine) -> tuple[dict[int, int], dict[str, int], int]:
    dossier = schema.Dossier.__table__
    with engine.connect() as connection:
        by_status = dict(connection.execute(select(dossier.c.status, func.count()).group_by(dossier.c.status)).all())
        by_unit = dict(
            connection.execute(select(dossier.c.unit_code, func.count()).group_by(dossier.c.unit_code)).all()
        )
        total = connection.execute(select(func.count()).select_from(dossier)).scalar_one()
    return by_status, by_unit, total


def quarantine_reasons(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(schema.Quarantine.reason)).scalars())


def snapshot(engine) -> list[tuple]:
    """Every dossier as loaded, without the warehouse's own ids and load times."""
    dossier = schema.Dossier.__table__
    columns = [c for c in dossier.c if c.name not in ("id", "loaded_at", "collector_id")]
    with engine.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(select(*columns)))


def test_backfill_equals_the_simulators_ground_truth(warehouse):
    config = sim_config()
    truth = Simulator(config).truth(*WINDOW)
    with running_simulator(config) as url:
        add(warehouse, url, page_size=200)
        result = backfill(warehouse)
    assert result.status == "succeeded", result.error
    by_status, by_unit, total = warehouse_counts(warehouse)
    assert total == truth.valid
    assert by_status == truth.by_status
    assert by_unit == truth.by_unit
    assert result.progress.inserted == truth.valid
    assert result.progress.rejected == sum(truth.malformed.values())


def test_every_malformed_kind_lands_in_quarantine_with_its_reason_and_never_counts(warehouse):
    config = sim_config(malformed_rate=0.08)
    truth = Simulator(config).truth(*WINDOW)
    assert set(truth.malformed) == {kind for kind, _ in KIND_BY_REASON}, "the simulator serves every malformed kind"
    with running_simulator(config) as url:
        add(warehouse, url, page_size=500)
        backfill(warehouse)
    reasons = quarantine_reasons(warehouse)
    assert len(reasons) == sum(truth.malformed.values())
    assert dict(Counter(map(kind_of, reasons))) == truth.malformed
    assert warehouse_counts(warehouse)[2] == truth.valid


def test_running_again_adds_no_duplicates(warehouse):
    config = sim_config()
    with running_simulator(config) as url:
        add(warehouse, url, page_size=300)
        backfill(warehouse)
        before = snapshot(warehouse)
        again = backfill(warehouse)
        incremental = run_collector(warehouse, "sim", "46")
    assert (again.status, again.progress.inserted, again.progress.updated) == ("succeeded", 0, 0)
    assert (incremental.status, incremental.progress.inserted, incremental.progress.updated) == ("succeeded", 0, 0)
    assert snapshot(warehouse) == before
    assert len(quarantine_reasons(warehouse)) == sum(Simulator(config).truth(*WINDOW).malformed.values())


def test_incremental_runs_follow_dossiers_through_their_statuses(warehouse):
    config = sim_config()
    later = datetime(2025, 3, 8, 16, 0, 0)
    with running_simulator(config) as url:
        add(warehouse, url, page_size=250)
        first = run_collector(warehouse, "sim", "46")
        httpx.post(f"{url}/_sim/clock", json={"now": later.strftime("%Y%m%d%H%M%S")}).raise_for_status()
        second = run_collector(warehouse, "sim", "46")
    assert first.status == second.status == "succeeded"
    assert second.progress.updated > 0
    assert second.progress.inserted > 0
    truth = Simulator(sim_config(now=later)).truth(datetime(2000, 1, 1), datetime(2030, 1, 1))
    by_status, by_unit, total = warehouse_counts(warehouse)
    assert (by_status, by_unit, total) == (truth.by_status, truth.by_unit, truth.valid)


def test_a_503_storm_and_broken_pages_are_retried_to_completion(warehouse):
    config = sim_config(error_rate=0.4, truncated_rate=0.15, malformed_page_rate=0.15)
    truth = Simulator(config).truth(*WINDOW)
    with running_simulator(config) as url:
        add(warehouse, url, page_size=200, **FAST_RETRIES)
        result = backfill(warehouse)
    assert result.status == "succeeded", result.error
    assert warehouse_counts(warehouse) == (truth.by_status, truth.by_unit, truth.valid)


def test_a_source_down_past_the_retries_fails_the_run_and_keeps_what_was_committed(warehouse):
    config = sim_config()
    with running_simulator(config) as url:
        add(warehouse, url, page_size=100, backoff_initial_seconds=0.01, backoff_max_seconds=0.02, max_attempts=3)

        def source_goes_down(progress):
            if progress.pages == 3:
                httpx.post(f"{url}/_sim/faults", json={"error_rate": 1.0}).raise_for_status()

        result = backfill(warehouse, on_page=source_goes_down)
    assert result.status == "failed"
    assert result.error is not None
    assert "failed after 3 attempts" in result.error
    assert "503" in result.error
    assert result.progress.pages >= 3, "pages fetched before the outage (one may be prefetched) are loaded"
    kept = warehouse_counts(warehouse)[2]
    assert kept == result.progress.inserted > 0
    run = schema.CollectorRun.__table__
    with warehouse.connect() as connection:
        row = connection.execute(select(run).where(run.c.id == result.run_id)).one()
    assert (row.status, row.pages, row.inserted, row.error) == ("failed", result.progress.pages, kept, result.error)
    assert row.finished_at is not None


@pytest.mark.parametrize(
    ("auth", "secrets", "environment"),
    [
        ("apikey", ["SIM_KEY"], {"SIM_KEY": "sim-key"}),
        ("basic", ["SIM_USER", "SIM_PASSWORD"], {"SIM_USER": "sim", "SIM_PASSWORD": "sim-pass"}),
        ("oauth2", ["SIM_ID", "SIM_SECRET"], {"SIM_ID": "sim-client", "SIM_SECRET": "sim-secret"}),
    ],
)
def test_each_auth_mode_signs_in_with_secrets_from_the_environment(warehouse, monkeypatch, auth, secrets, environment):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = sim_config(auth=auth, token_ttl_seconds=1, latency_ms=40)
    with running_simulator(config) as url:
        add(warehouse, url, auth=auth, secrets=secrets, page_size=100)
        result = backfill(warehouse)
        assert result.status == "succeeded", result.error
        monkeypatch.setenv(secrets[-1], "not-the-secret-31415")
        refused = run_collector(warehouse, "sim", "46")
    assert refused.status == "failed"
    assert "refused" in (refused.error or "")
    assert "not-the-secret-31415" not in (refused.error or "")
    with warehouse.connect() as connection:
        stored = connection.execute(select(schema.Collector.secret_envs)).scalar_one()
    assert sorted(stored.values()) == sorted(secrets)


def test_a_missing_secret_variable_is_named_and_nothing_runs(warehouse, monkeypatch):
    monkeypatch.delenv("SIM_UNSET_KEY", raising=False)
    with running_simulator(sim_config(auth="apikey")) as url:
        add(warehouse, url, auth="apikey", secrets=["SIM_UNSET_KEY"])
        with pytest.raises(Exception, match="environment variable SIM_UNSET_KEY"):
            run_collector(warehouse, "sim", "46")


def _wait_for_dossiers(engine, at_least: int, process: subprocess.Popen, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = warehouse_counts(engine)[2]
        if count >= at_least:
            return count
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} dossiers after {timeout} s")


def test_a_backfill_killed_mid_run_and_started_again_equals_one_clean_run(warehouse, warehouse_env, tmp_path):
    config = sim_config(latency_ms=30)
    arguments = ("collector", "run", "sim", "--since", "2025-01-01", "--until", "2025-03-01", "--quiet")
    with running_simulator(config) as url:
        add(warehouse, url, page_size=100)
        process = start_ioc(*arguments, env=warehouse_env)
        loaded = _wait_for_dossiers(warehouse, 600, process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert 0 < loaded < Simulator(config).truth(*WINDOW).valid
        again = start_ioc(*arguments, env=warehouse_env)
        _, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
    truth = Simulator(config).truth(*WINDOW)
    assert warehouse_counts(warehouse) == (truth.by_status, truth.by_unit, truth.valid)
    clean = make_engine(f"sqlite:///{tmp_path / 'clean.db'}", create=True)
    try:
        os.environ["IOC_DATABASE_URL"] = f"sqlite:///{tmp_path / 'clean.db'}"
        initialise(load_settings())
        with running_simulator(config) as url:
            add(clean, url, page_size=100)
            assert backfill(clean).status == "succeeded"
        assert snapshot(warehouse) == snapshot(clean)
    finally:
        os.environ["IOC_DATABASE_URL"] = warehouse_env["IOC_DATABASE_URL"]
        clean.dispose()
    run = schema.CollectorRun.__table__
    with warehouse.connect() as connection:
        statuses = [row.status for row in connection.execute(select(run.c.status).order_by(run.c.id))]
        resumed = connection.execute(select(run.c.cursor_before).order_by(run.c.id.desc()).limit(1)).scalar_one()
    assert statuses == ["failed", "succeeded"], "the killed run is closed as failed when the next one starts"
    assert resumed is not None, "the second run resumed from the first run's cursor"


def test_sigterm_finishes_the_page_in_flight_and_stops_cleanly(warehouse, warehouse_env):
    config = sim_config(latency_ms=40)
    with running_simulator(config) as url:
        add(warehouse, url, page_size=100)
        arguments = ("collector", "run", "sim", "--since", "2025-01-01", "--until", "2025-03-01")
        process = start_ioc(*arguments, env=warehouse_env)
        _wait_for_dossiers(warehouse, 300, process)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "stopped" in out
    run = schema.CollectorRun.__table__
    with warehouse.connect() as connection:
        row = connection.execute(select(run)).one()
    assert row.status == "stopped"
    assert row.inserted == warehouse_counts(warehouse)[2]


def test_changed_options_apply_to_the_next_run(warehouse):
    config = sim_config()
    with running_simulator(config) as url:
        add(warehouse, url, page_size=50)
        with warehouse.begin() as connection:
            update_collector(connection, "sim", options={"page_size": 1000})
        result = backfill(warehouse)
    assert result.status == "succeeded"
    assert result.progress.pages <= 4


def test_a_source_slower_than_the_timeout_is_retried_then_fails_with_a_clear_error(warehouse):
    with running_simulator(sim_config(latency_ms=400)) as url:
        add(warehouse, url, timeout_seconds=0.1, max_attempts=2, backoff_initial_seconds=0.01, backoff_max_seconds=0.02)
        result = backfill(warehouse)
    assert result.status == "failed"
    assert "failed after 2 attempts: ReadTimeout" in (result.error or "")


def test_quarantine_is_listed_with_reasons_from_the_command_line(warehouse, warehouse_env):
    with running_simulator(sim_config(malformed_rate=0.05)) as url:
        add(warehouse, url, page_size=500)
        backfill(warehouse)
    listed = run_ioc("quarantine", "list", "--collector", "sim", "--limit", "5", "--format", "json", env=warehouse_env)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 5
    assert all(row["collector"] == "sim" and row["reason"] and json.loads(row["raw"]) for row in rows)
    kinds = {kind_of(row["reason"]) for row in rows}
    assert kinds <= {kind for kind, _ in KIND_BY_REASON}


def test_a_collector_that_cannot_start_is_recorded_as_failed_not_left_running(warehouse, warehouse_env):
    with running_simulator(sim_config()) as url:
        add(warehouse, url, page_size=1000)
        assert backfill(warehouse).status == "succeeded"
    with warehouse.begin() as connection:
        update_collector(connection, "sim", options={"field_map": {"Nonsense": "x"}})
    result = backfill(warehouse)
    assert result.status == "failed"
    assert "unknown fields" in (result.error or "")
    run = schema.CollectorRun.__table__
    with warehouse.connect() as connection:
        assert connection.execute(select(run.c.status).order_by(run.c.id)).scalars().all() == ["succeeded", "failed"]
    listed = json.loads(run_ioc("collector", "list", "--format", "json", env=warehouse_env).stdout)
    assert listed[0]["last_run"].startswith("failed"), "the list shows each collector's latest run"
