"""The admins' collectors, runs and quarantine: the core they call (re-processing, starting runs in a process of
their own, the status the pages read) on SQLite and PostgreSQL, and the pages' callbacks called directly."""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpers import run_ioc
from ioc.collecting.kind import AUTH_SECRETS
from ioc.collecting.launch import KEEP_LOGS, _prune_logs, launch_run, launch_state, read_log
from ioc.collecting.reprocess import reprocess_quarantine
from ioc.collecting.runner import run_collector
from ioc.collecting.runs import AlreadyRunningError, claim_run, finish_run, record_page
from ioc.collecting.status import (
    HEARTBEAT_JOB,
    MODES,
    STATUSES,
    QuarantineFilters,
    RunFilters,
    latest_run,
    next_run,
    overview,
    quarantine_page,
    run_history,
    scheduled_times,
)
from ioc.collecting.store import CollectorConfig, add_collector, edit_collector, get_collector
from ioc.config import TIMEZONE, now_local
from ioc.errors import IOCError
from ioc.simulator import Simulator, SimulatorConfig, running_simulator
from ioc.warehouse import aggregates, schema
from ioc.warehouse.aggregates import data_version
from ioc.warehouse.load import PageCounts
from ioc.warehouse.schema import apscheduler_jobs
from layouts import warehouse as dashboard_warehouse
from layouts.admin import collector_actions as actions_page
from layouts.admin import collector_form as form
from layouts.admin import collector_progress as progress_page
from layouts.admin import collector_table as table_page
from layouts.admin import quarantine as quarantine_page_module
from layouts.admin import runs as runs_page
from layouts.i18n import LANGUAGES, t

START = date(2025, 1, 1)
NOW = datetime(2025, 2, 1, 12, 0)
WINDOW = (datetime(2025, 1, 1), datetime(2025, 2, 2))
#: A field_map that points the unit code at a field the source does not have: every record is rejected.
WRONG_MAP = {"field_map": {"MaDVHC": "MaDonVi"}}
ACTOR = "admin.test"


def sim_config(**changes) -> SimulatorConfig:
    values = {"seed": 5, "start": START, "now": NOW, "daily_volume": 20, "malformed_rate": 0.1, **changes}
    return SimulatorConfig(**values)


def add(engine, url: str, name: str = "sim", **options) -> CollectorConfig:
    with engine.begin() as connection:
        return add_collector(connection, name, "dossier-sync", f"{url}/api/hoso", options=options, actor=ACTOR)


def counts(engine) -> tuple[int, int, int]:
    """Dossiers, open quarantine and re-processed quarantine."""
    q = schema.Quarantine.__table__
    with engine.connect() as connection:
        dossiers = connection.execute(select(func.count()).select_from(schema.Dossier.__table__)).scalar_one()
        open_ = connection.execute(select(func.count()).where(q.c.reprocessed_at.is_(None))).scalar_one()
        done = connection.execute(select(func.count()).where(q.c.reprocessed_at.is_not(None))).scalar_one()
    return dossiers, open_, done


def by_status(engine) -> dict[int, int]:
    d = schema.Dossier.__table__
    with engine.connect() as connection:
        return dict(connection.execute(select(d.c.status, func.count()).group_by(d.c.status)).all())


def aggregate_snapshot(connection) -> dict:
    tables = {}
    for grain in aggregates.GRAINS:
        rows = connection.execute(select(grain.table)).all()
        tables[grain.table.name] = sorted(tuple(row) for row in rows)
    return tables


def audit_entries(engine, action: str) -> list:
    a = schema.AuditLog.__table__
    with engine.connect() as connection:
        query = select(a.c.actor, a.c.target, a.c.details, a.c.source_ip).where(a.c.action == action).order_by(a.c.id)
        return connection.execute(query).all()


@pytest.fixture
def rejected_by_a_wrong_map(warehouse):
    """A month from the simulator, every record rejected because the field_map sends the unit code elsewhere."""
    config = sim_config()
    with running_simulator(config) as url:
        add(warehouse, url, **WRONG_MAP)
        result = run_collector(warehouse, "sim", "46", since=START, until=date(2025, 2, 1))
    truth = Simulator(config).truth(*WINDOW)
    assert result.status == "succeeded", result.error
    assert counts(warehouse) == (0, truth.total, 0)
    return warehouse, truth


# re-processing --------------------------------------------------------------------------------------------------


def test_reprocessing_after_fixing_the_field_map_loads_the_records_once(rejected_by_a_wrong_map):
    engine, truth = rejected_by_a_wrong_map
    with engine.connect() as connection:
        version_before = data_version(connection)[0]
    with engine.begin() as connection:
        edit_collector(connection, "sim", "http://127.0.0.1:9/api/hoso", "none", [], None, None, {}, True, actor=ACTOR)
    result = reprocess_quarantine(engine, "sim", "46", actor=ACTOR, source_ip="127.0.0.1")
    malformed = sum(truth.malformed.values())
    assert (result.examined, result.loaded, result.inserted) == (truth.total, truth.valid, truth.valid)
    assert result.still_rejected == malformed > 0
    assert counts(engine) == (truth.valid, malformed, truth.valid)
    assert by_status(engine) == truth.by_status
    # the records still rejected now carry their own reasons, not the wrong map's
    q = schema.Quarantine.__table__
    with engine.connect() as connection:
        reasons = connection.execute(select(q.c.reason).where(q.c.reprocessed_at.is_(None))).scalars().all()
        assert not [reason for reason in reasons if reason == "MaDVHC is missing"]
        # the aggregates (what every KPI reads) equal a recount of the dossiers now loaded, and the data version moved
        assert data_version(connection)[0] > version_before
    with engine.begin() as connection:
        loaded = aggregate_snapshot(connection)
        aggregates.rebuild(connection)
        assert aggregate_snapshot(connection) == loaded
    assert loaded["dossier_total"], "the loaded dossiers are counted"
    (entry,) = audit_entries(engine, "quarantine.reprocess")
    assert (entry.actor, entry.target, entry.source_ip) == (ACTOR, "sim", "127.0.0.1")
    assert entry.details["loaded"] == truth.valid


def test_reprocessing_twice_changes_nothing_the_second_time(rejected_by_a_wrong_map):
    engine, truth = rejected_by_a_wrong_map
    with engine.begin() as connection:
        edit_collector(connection, "sim", "http://127.0.0.1:9/api/hoso", "none", [], None, None, {}, True, actor=ACTOR)
    reprocess_quarantine(engine, "sim", "46", actor=ACTOR)
    with engine.connect() as connection:
        version = data_version(connection)[0]
        before = (counts(engine), aggregate_snapshot(connection))
    again = reprocess_quarantine(engine, "sim", "46", actor=ACTOR)
    assert (again.examined, again.loaded, again.reason_changed) == (sum(truth.malformed.values()), 0, 0)
    with engine.connect() as connection:
        assert (counts(engine), aggregate_snapshot(connection)) == before
        assert data_version(connection)[0] == version


def test_records_still_wrong_stay_in_quarantine_with_a_reason(rejected_by_a_wrong_map):
    engine, truth = rejected_by_a_wrong_map
    result = reprocess_quarantine(engine, "sim", "46", actor=ACTOR)  # nothing fixed yet
    assert (result.examined, result.loaded, result.still_rejected) == (truth.total, 0, truth.total)
    assert counts(engine) == (0, truth.total, 0)
    with engine.connect() as connection:
        records, total = quarantine_page(connection, QuarantineFilters("sim", "madvhc is MISSING"), 0, 5)
    assert 0 < total <= truth.total
    assert len(records) == 5 and all("MaDVHC is missing" in record.reason for record in records)
    with engine.connect() as connection:
        assert quarantine_page(connection, QuarantineFilters("sim", "%"), 0, 5)[1] == 0, "a wildcard is a character"
        assert quarantine_page(connection, QuarantineFilters("other"), 0, 5)[1] == 0
        assert quarantine_page(connection, QuarantineFilters(include_reprocessed=True), 0, 5)[1] == truth.total


def test_reprocessing_chosen_ids_from_the_command_line(rejected_by_a_wrong_map, warehouse_env):
    engine, _ = rejected_by_a_wrong_map
    with engine.begin() as connection:
        edit_collector(connection, "sim", "http://127.0.0.1:9/api/hoso", "none", [], None, None, {}, True, actor=ACTOR)
        records, _ = quarantine_page(connection, QuarantineFilters("sim", "MaDVHC is missing"), 0, 3)
    ids = [record.id for record in records]
    done = run_ioc(
        "quarantine", "reprocess", "sim", "--ids", f"{ids[0]},{ids[1]}", "--ids", str(ids[2]), env=warehouse_env
    )
    assert done.returncode == 0, done.stderr
    assert "3 loaded" in done.stdout
    assert counts(engine)[0] == 3
    (entry,) = audit_entries(engine, "quarantine.reprocess")
    assert entry.actor.startswith("cli:") and entry.details["ids"] == sorted(ids)
    bad = run_ioc("quarantine", "reprocess", "sim", "--ids", "12;DROP", env=warehouse_env)
    assert bad.returncode == 1 and "--ids" in bad.stderr


def test_reprocessing_and_starting_are_refused_while_the_collector_runs(warehouse, tmp_path):
    config = add(warehouse, "http://127.0.0.1:9")
    with warehouse.begin() as connection:
        run_id = claim_run(connection, config.id, "incremental", None, None, None)
    with pytest.raises(AlreadyRunningError, match="running"):
        reprocess_quarantine(warehouse, "sim", "46", actor=ACTOR)
    with pytest.raises(AlreadyRunningError, match=f"run {run_id}"):
        launch_run(warehouse, "sim", tmp_path, actor=ACTOR)
    assert audit_entries(warehouse, "collector.run") == []
    assert not list(tmp_path.rglob("*.log")), "nothing was started"
    with warehouse.begin() as connection:
        finish_run(connection, run_id, "succeeded")


# starting runs in a process of their own --------------------------------------------------------------------------


def _wait_for_end(engine, name: str, launch, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            state = launch_state(connection, launch)
            run = latest_run(connection, name)
        if state.run_id is not None and run is not None and run.status != "running":
            return state, run
        if state.run_id is None and not state.alive:
            return state, None
        time.sleep(0.2)
    raise AssertionError(f"the run did not end within {timeout} s")


def test_a_started_run_goes_on_in_its_own_session_and_succeeds(warehouse, warehouse_env):
    config = sim_config(latency_ms=20)
    data_dir = Path(warehouse_env["IOC_DATA_DIR"])
    with running_simulator(config) as url:
        add(warehouse, url, page_size=50)
        launch = launch_run(warehouse, "sim", data_dir, START, date(2025, 2, 1), actor=ACTOR, source_ip="10.0.0.7")
        assert os.getsid(launch.pid) == launch.pid, "the run leads a session of its own, not the web worker's"
        state, run = _wait_for_end(warehouse, "sim", launch)
    truth = Simulator(config).truth(*WINDOW)
    assert run is not None and state.run_id == run.id
    assert (run.status, run.mode, run.inserted, run.rejected) == (
        "succeeded",
        "backfill",
        truth.valid,
        truth.total - truth.valid,
    )
    assert run.pid == launch.pid
    assert run.total == truth.total, "the run keeps the source's count from its first page"
    (entry,) = audit_entries(warehouse, "collector.run")
    assert (entry.actor, entry.target, entry.source_ip) == (ACTOR, "sim", "10.0.0.7")
    assert entry.details == {"since": "2025-01-01", "until": "2025-02-01", "pid": launch.pid, "log": launch.log_name}
    assert (data_dir / "logs" / "collectors" / launch.log_name).exists()


def test_a_process_that_cannot_start_its_run_says_why(pages, warehouse_env, monkeypatch):
    add(pages, "http://127.0.0.1:9")
    data_dir = Path(warehouse_env["IOC_DATA_DIR"])
    monkeypatch.setenv("IOC_PROVINCE", "99")  # the started process refuses its settings
    launch = launch_run(pages, "sim", data_dir, actor=ACTOR)
    state, run = _wait_for_end(pages, "sim", launch)
    assert (state.run_id, state.alive, run) == (None, False, None)
    assert "ioc: error: IOC_PROVINCE" in read_log(data_dir, launch.log_name)
    monkeypatch.setenv("IOC_PROVINCE", "46")
    launched = {"collector": "sim", "pid": launch.pid, "log": launch.log_name, "at": launch.started_at.isoformat()}
    panel, polling_off, *_ = progress_page.show_progress(0, "sim", launched, True, "vi")
    assert polling_off is True
    assert "Tiến trình đã dừng trước khi bắt đầu lượt chạy" in str(panel) and "ioc: error: IOC_PROVINCE" in str(panel)
    (data_dir / "secret_key").write_text("not-for-the-page")
    forged = progress_page.show_progress(0, "sim", launched | {"log": "../../secret_key"}, True, "vi")[0]
    assert forged[1].id == "admin-collectors-log" and forged[1].children == "–", "a forged log name reads nothing"


def test_only_the_newest_logs_of_a_collector_are_kept(tmp_path):
    names = [f"sim-20260101-0000{i:02d}-000000.log" for i in range(KEEP_LOGS + 5)]
    for name in [*names, "sim-2-20250101-000000-000000.log"]:
        (tmp_path / name).write_text("…")
    _prune_logs(tmp_path, "sim")
    assert sorted(p.name for p in tmp_path.glob("sim-2026*")) == names[-KEEP_LOGS:]
    assert (tmp_path / "sim-2-20250101-000000-000000.log").exists(), "another collector's log is not touched"


@pytest.mark.parametrize("name", ["../../etc/passwd", "sim.log", "/tmp/x-20250101-000000-000000.log"])
def test_only_run_logs_can_be_read(tmp_path, name):
    with pytest.raises(IOCError, match="not a run log"):
        read_log(tmp_path, name)


def test_a_backfill_needs_both_days_in_order(warehouse, tmp_path):
    add(warehouse, "http://127.0.0.1:9")
    with pytest.raises(IOCError, match="before"):
        launch_run(warehouse, "sim", tmp_path, date(2025, 2, 1), date(2025, 1, 1), actor=ACTOR)
    assert audit_entries(warehouse, "collector.run") == []


# what the pages read ------------------------------------------------------------------------------------------------


def _config(**changes) -> CollectorConfig:
    values = {
        "id": 1,
        "name": "hue",
        "kind": "dossier-sync",
        "url": "http://127.0.0.1:9",
        "auth": "none",
        "secret_envs": {},
        "interval_seconds": None,
        "cron": "30 2 * * *",
        "options": {},
        "enabled": True,
        "cursor": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return CollectorConfig(**{**values, **changes})


def test_the_next_run_is_the_schedulers_when_it_has_a_live_job_else_from_the_schedule():
    now = datetime(2026, 11, 27, 9, 0)
    beat = {HEARTBEAT_JOB: datetime(2026, 11, 27, 9, 0, 20)}
    from_schedule = next_run(_config(), {}, now)
    assert (from_schedule.at, from_schedule.source) == (datetime(2026, 11, 28, 2, 30), "schedule")
    live = next_run(_config(), {"hue": datetime(2026, 11, 27, 10, 0)} | beat, now)
    assert (live.at, live.source) == (datetime(2026, 11, 27, 10, 0), "scheduler")
    left = next_run(_config(), {"hue": datetime(2026, 11, 27, 10, 0)}, now)
    assert left.source == "schedule", "no heartbeat: the job was left in the store by a scheduler that has stopped"
    stale = next_run(_config(), {"hue": datetime(2026, 11, 26, 2, 30), HEARTBEAT_JOB: datetime(2026, 11, 26, 2)}, now)
    assert stale.source == "schedule", "a heartbeat long overdue belongs to a scheduler that has stopped"
    assert next_run(_config(cron=None, interval_seconds=900), {}, now).at is None
    assert next_run(_config(enabled=False), {"hue": datetime(2026, 11, 27, 10, 0)} | beat, now).source == "none"
    assert next_run(_config(cron=None), {}, now).source == "none"


def test_the_scheduler_job_store_is_read_without_unpickling(warehouse):
    stamp = datetime(2026, 11, 27, 10, 0, tzinfo=TIMEZONE).timestamp()
    with warehouse.begin() as connection:
        connection.execute(apscheduler_jobs.insert().values(id="hue", next_run_time=stamp, job_state=b"not a pickle"))
        assert scheduled_times(connection) == {"hue": datetime(2026, 11, 27, 10, 0)}


def test_a_new_collector_waits_for_the_running_scheduler_to_pick_it_up(pages):
    submit(schedule_type="cron", schedule="30 1 * * *")
    submit(name="hue-hourly", schedule="1h")
    beat = (now_local() + timedelta(seconds=20)).replace(tzinfo=TIMEZONE).timestamp()
    with pages.begin() as connection:  # a running scheduler's heartbeat; it has not synced the new collectors yet
        connection.execute(apscheduler_jobs.insert().values(id=HEARTBEAT_JOB, next_run_time=beat, job_state=b"-"))
    rows = {row["name"]: row["next_run"] for row in table_page.show_collectors(0, False, "vi")[0]}
    assert re.fullmatch(r"01:30 \d\d/\d\d/\d{4} \(chờ bộ lập lịch nhận\)", rows["hue-dvc"]), rows
    assert rows["hue-hourly"] == "ngay khi bộ lập lịch nhận"
    english = {row["name"]: row["next_run"] for row in table_page.show_collectors(0, False, "en")[0]}
    assert english["hue-dvc"].endswith("(waiting for the scheduler to pick it up)")
    assert english["hue-hourly"] == "as soon as the scheduler picks it up"


def test_the_history_filters_and_pages_newest_first(warehouse):
    first, second = add(warehouse, "http://127.0.0.1:9", "first"), add(warehouse, "http://127.0.0.1:9", "second")
    made = []
    for config, mode, status in [(first, "incremental", "succeeded"), (second, "backfill", "failed")] * 3:
        with warehouse.begin() as connection:
            run_id = claim_run(connection, config.id, mode, None, None, None)
            finish_run(connection, run_id, status, "boom <b>not html</b>" if status == "failed" else None)
        made.append(run_id)
    with warehouse.connect() as connection:
        runs, total = run_history(connection, RunFilters(), 0, 4)
        assert total == 6 and [run.id for run in runs] == made[::-1][:4]
        runs, total = run_history(connection, RunFilters(), 4, 4)
        assert [run.id for run in runs] == made[::-1][4:]
        failed, total = run_history(connection, RunFilters(collector="second", status="failed", mode="backfill"), 0, 9)
        assert total == 3 and {run.error for run in failed} == {"boom <b>not html</b>"}
        today = latest_run(connection, "first").started_at.date()
        assert run_history(connection, RunFilters(first=today, last=today), 0, 9)[1] == 6
        assert run_history(connection, RunFilters(last=date(2020, 1, 1)), 0, 9)[1] == 0
        assert run_history(connection, RunFilters(collector="first", status="failed"), 0, 9)[1] == 0


def test_the_overview_has_each_collectors_last_run_and_what_it_loaded(rejected_by_a_wrong_map):
    engine, truth = rejected_by_a_wrong_map
    with engine.connect() as connection:
        (entry,) = overview(connection)
    assert entry.last_run is not None and entry.last_run.status == "succeeded"
    assert (entry.dossiers, entry.open_quarantine) == (0, truth.total)


# the pages' callbacks -----------------------------------------------------------------------------------------------


@pytest.fixture
def pages(warehouse, monkeypatch):
    """The pages on the test's warehouse, with a signed-in admin as the actor."""
    dashboard_warehouse.use(warehouse)
    for module in (actions_page, form, quarantine_page_module):
        monkeypatch.setattr(module, "current_username", lambda: ACTOR)
        monkeypatch.setattr(module, "current_ip", lambda: "192.0.2.10")
    return warehouse


FORM = {
    "editing": None,
    "name": "hue-dvc",
    "kind": "dossier-sync",
    "url": "http://127.0.0.1:9/api/hoso",
    "auth": "none",
    **{f"secret-{role}": "" for role in form.ROLES},
    "schedule_type": "interval",
    "schedule": "15m",
    "options": "{}",
    "enabled": True,
}


def submit(lang: str = "vi", **changes) -> dict:
    """Press the form's save button with the form filled as ``FORM`` with ``changes``."""
    filled = {**FORM, **changes}
    secrets = [filled[f"secret-{role}"] for role in form.ROLES]
    rest = [filled["schedule_type"], filled["schedule"], filled["options"], filled["enabled"], lang]
    first = [filled[key] for key in ("editing", "name", "kind", "url", "auth")]
    result = form.save(1, *first, *secrets, *rest)
    names = [*form.FIELDS, "form_error", "form_error_hidden", "opened", "version", "selected"]
    names += ["message", "color", "message_hidden", "options_validation"]
    return dict(zip(names, result, strict=True))


def stored_collectors(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(schema.Collector.name)).scalars())


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"url": "ftp://source.example/api"}, "url", "Địa chỉ không hợp lệ"),
        ({"url": "http:///no-host"}, "url", "Địa chỉ không hợp lệ"),
        ({"schedule_type": "cron", "schedule": "every monday"}, "schedule", "Biểu thức cron không hợp lệ"),
        ({"schedule_type": "cron", "schedule": "61 * * * *"}, "schedule", "Biểu thức cron không hợp lệ"),
        ({"schedule": "5s"}, "schedule", "Chu kỳ không hợp lệ"),
        ({"auth": "apikey", "secret-api_key": "hue dvc key"}, "secret-api_key", "tên biến môi trường"),
        ({"auth": "apikey", "secret-api_key": "hue_key"}, "secret-api_key", "tên biến môi trường"),
        ({"auth": "basic", "secret-username": "HUE_USER"}, "secret-password", "tên biến môi trường"),
        ({"options": '{"nonsense": 1}'}, "options", "nonsense"),
        ({"options": '{"page_size": 0}'}, "options", "page_size"),
        ({"options": "[1, 2]"}, "options", "phải là một đối tượng JSON"),  # in the page's language
        ({"options": "{not json"}, "options", "Tùy chọn không hợp lệ"),
        ({"name": "Hue DVC"}, "name", "chữ thường"),
    ],
)
def test_a_wrong_field_is_named_next_to_it_and_nothing_is_saved(pages, changes, field, text):
    shown = submit(**changes)
    assert text in (shown[field] or ""), shown
    assert [f for f in form.FIELDS if shown[f]] == [field]
    assert shown["form_error_hidden"] is False
    assert stored_collectors(pages) == []
    assert audit_entries(pages, "collector.add") == []


def test_a_saved_collector_is_audited_with_the_admin_and_edited_through_the_same_rules(pages, monkeypatch):
    monkeypatch.setenv("HUE_DVC_KEY", "the-secret-value-4711")
    shown = submit(auth="apikey", **{"secret-api_key": "HUE_DVC_KEY"}, options=json.dumps(WRONG_MAP))
    assert shown["opened"] is False and shown["color"] == "green" and shown["selected"] == "hue-dvc"
    assert all(shown[field] is None for field in form.FIELDS)
    (entry,) = audit_entries(pages, "collector.add")
    assert (entry.actor, entry.target, entry.source_ip) == (ACTOR, "hue-dvc", "192.0.2.10")
    assert entry.details["secret_envs"] == {"api_key": "HUE_DVC_KEY"}
    assert "the-secret-value-4711" not in json.dumps(entry.details)
    # the form opened to edit shows the stored values, the secret as its variable's name
    values = form.form_values("hue-dvc")
    assert (values["secret-api_key"], values["schedule"], json.loads(values["options"])) == (
        "HUE_DVC_KEY",
        "15m",
        WRONG_MAP,
    )
    # an edit with a bad cron saves nothing; a good one changes only what changed
    refused = submit(
        editing="hue-dvc", auth="apikey", schedule_type="cron", schedule="* * *", **{"secret-api_key": "HUE_DVC_KEY"}
    )
    assert refused["schedule"] and audit_entries(pages, "collector.update") == []
    shown = submit(
        editing="hue-dvc",
        auth="apikey",
        **{"secret-api_key": "HUE_DVC_KEY"},
        schedule_type="cron",
        schedule="*/5 * * * *",
    )
    assert shown["color"] == "green"
    (update,) = audit_entries(pages, "collector.update")
    assert update.actor == ACTOR and update.details == {"interval_seconds": None, "cron": "*/5 * * * *", "options": {}}
    with pages.connect() as connection:
        assert get_collector(connection, "hue-dvc").cron == "*/5 * * * *"
    # the table shows the secret's variable and that it is set, never its value
    _, _, secrets, _, history, quarantine = table_page.show_selected("hue-dvc", 0, "vi")
    assert (history, quarantine) == (
        "/admin/runs?collector=hue-dvc&lang=vi",
        "/admin/quarantine?collector=hue-dvc&lang=vi",
    )
    assert secrets == "HUE_DVC_KEY: đã đặt"
    monkeypatch.delenv("HUE_DVC_KEY")
    assert table_page.show_selected("hue-dvc", 0, "en")[2] == "HUE_DVC_KEY: not set on this server"


def test_a_second_collector_with_the_same_name_is_refused_in_the_form(pages):
    assert submit()["color"] == "green"
    shown = submit()
    assert (
        t("vi", "error.collector_exists", name="hue-dvc") in shown["form_error"] and shown["form_error_hidden"] is False
    )
    assert stored_collectors(pages) == ["hue-dvc"]


def test_enable_disable_and_remove_are_audited(pages):
    submit()
    message, color, _, _ = actions_page.toggle(1, "hue-dvc", "vi")
    assert (message, color) == ("Đã tắt bộ thu thập hue-dvc.", "green")
    message, color, _, _, selected, opened = actions_page.remove(1, "hue-dvc", False, "en")
    assert (message, selected, opened) == ("Removed the collector hue-dvc.", None, False)
    actions = [
        row.actor for row in audit_entries(pages, "collector.disable") + audit_entries(pages, "collector.remove")
    ]
    assert actions == [ACTOR, ACTOR]
    assert stored_collectors(pages) == []


def test_run_now_is_refused_clearly_while_a_run_is_going(pages):
    submit()
    with pages.begin() as connection:
        claim_run(connection, get_collector(connection, "hue-dvc").id, "incremental", None, None, None)
    message, color, hidden, launched = actions_page.run_now(1, "hue-dvc", "vi")
    assert color == "orange" and hidden is False
    assert message.startswith("Bộ thu thập hue-dvc đang chạy")
    assert launched is None, "nothing started: the panel the click hid shows the latest run again"
    panel, disabled, running, *_ = progress_page.show_progress(0, "hue-dvc", None, False, "vi")
    assert disabled is False and running is True, "the page polls while the run goes on"
    assert "Đang chạy" in str(panel)


def texts(component) -> str:  # type: ignore[no-untyped-def]
    """Every text in a component tree, in order, separated by spaces."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(filter(None, map(texts, component)))
    return texts(getattr(component, "children", None))


def test_the_finished_panel_counts_what_the_run_read_and_the_unchanged_beside_the_others(pages):
    config = add(pages, "http://127.0.0.1:9")
    window = (datetime(2025, 1, 1), datetime(2025, 4, 1))
    with pages.begin() as connection:  # a backfill over records loaded before: most come back unchanged
        run_id = claim_run(connection, config.id, "backfill", *window, None)
        record_page(connection, run_id, PageCounts(300, 100, 86379, 30), "20250331235959", 86809, records=86809)
        finish_run(connection, run_id, "succeeded")
    shown = texts(progress_page.show_progress(0, "sim", None, False, "vi")[0])
    assert "Đã xử lý 86.809 / 86.809 bản ghi" in shown
    assert "Thêm mới 300 Cập nhật 100 Không đổi 86.379 Bị loại 30" in shown
    with pages.begin() as connection:  # the source counted more than the window held: that total is left out
        run_id = claim_run(connection, config.id, "backfill", *window, None)
        record_page(connection, run_id, PageCounts(inserted=430), "20250331235959", 86809, records=430)
        finish_run(connection, run_id, "succeeded")
    panel = progress_page.show_progress(0, "sim", None, False, "vi")[0]
    assert texts(panel).startswith("Đã xử lý 430 bản ghi · thời gian")
    assert "86.809" not in texts(panel)


def test_while_a_started_process_has_not_claimed_its_run_the_panel_says_starting_and_not_the_previous_run(pages):
    config = add(pages, "http://127.0.0.1:9")
    with pages.begin() as connection:
        previous = claim_run(connection, config.id, "incremental", None, None, None)
        finish_run(connection, previous, "succeeded")
    time.sleep(1)  # the launch below starts a second after it (a run claimed at or after it would be the launch's)
    launched = {"collector": "sim", "pid": os.getpid(), "log": "sim-x.log", "at": now_local().isoformat()}
    panel, polling_off, running, *visibility = progress_page.show_progress(0, "sim", launched, False, "vi")
    assert (texts(panel), polling_off, running) == ("Đang khởi động lượt chạy…", False, True)
    assert visibility == [{}, {"display": "none"}], "the panel shown again, the click's own starting line hidden"


def test_a_backfill_needs_its_two_days(pages):
    submit()
    message, color, _, launched = actions_page.backfill(1, "hue-dvc", [None, None], "vi")
    assert (message, color) == ("Hãy chọn cả ngày bắt đầu và ngày kết thúc.", "orange")
    assert launched is None


def test_the_quarantine_page_reprocesses_and_says_what_it_did(rejected_by_a_wrong_map, pages):
    engine, truth = rejected_by_a_wrong_map
    rows, total = quarantine_page_module.table_rows(QuarantineFilters("sim", None, False), 0)
    assert total == truth.total and len(rows) == quarantine_page_module.PAGE_SIZE
    detail, record_id = quarantine_page_module.show_record({"rowId": rows[0]["id"]}, "vi")
    shown = str(detail)
    assert "Thiếu MaDVHC" in shown and str(record_id) == rows[0]["id"]
    with engine.begin() as connection:
        edit_collector(connection, "sim", "http://127.0.0.1:9/api/hoso", "none", [], None, None, {}, True, actor=ACTOR)
    message, color, hidden, version = quarantine_page_module.reprocess(1, "sim", 0, "vi")
    assert (color, hidden, version) == ("orange", False, 1)
    assert f"nạp {truth.valid} ({truth.valid} thêm mới, 0 cập nhật)" in message
    assert quarantine_page_module.table_rows(QuarantineFilters("sim"), 0)[1] == sum(truth.malformed.values())
    (entry,) = audit_entries(engine, "quarantine.reprocess")
    assert (entry.actor, entry.source_ip) == (ACTOR, "192.0.2.10")


def test_the_runs_page_reads_its_filters_safely():
    assert runs_page.run_filters("sim", "drop table", "backfill", ["2025-01-01", "2025-01-31"]) == RunFilters(
        "sim", None, "backfill", date(2025, 1, 1), date(2025, 1, 31)
    )
    assert runs_page.run_filters(None, None, None, None) == RunFilters()


def test_every_label_the_pages_build_from_values_exists_in_both_languages():
    keys = [f"admin.runs.status.{s}" for s in STATUSES] + [f"admin.runs.mode.{m}" for m in MODES]
    keys += [f"admin.collectors.auth.{mode}" for mode in AUTH_SECRETS]
    keys += [f"admin.collectors.schedule.{s}" for s in form.SCHEDULES]
    keys += [f"admin.collectors.column.{c}" for c in table_page.COLUMNS]
    keys += [f"admin.collectors.error.{s}" for s in ("interval", "cron")]
    keys += [f"admin.runs.field.{c}" for c in runs_page.COLUMNS]
    keys += [f"admin.quarantine.column.{c}" for c in quarantine_page_module.COLUMNS]
    for lang in LANGUAGES:
        assert all(t(lang, key) for key in keys)
    assert Counter(key.split(".")[1] for key in keys)["runs"] > 0
