"""``ioc warehouse backup`` copies a live SQLite warehouse consistently, and the README's restore gives a warehouse
that checks clean and, collecting on, reaches the same figures. PostgreSQL: the pg_dump / pg_restore lines."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from helpers import REPO, run_ioc, start_ioc
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.config import load_settings
from ioc.initialise import initialise
from ioc.simulator import SimulatorConfig, running_simulator
from ioc.warehouse import recount, schema
from ioc.warehouse.engine import make_engine

KPI = ("kpi", "--from", "2025-01-01", "--to", "2025-02-28", "--format", "json")


def sim_config(**changes) -> SimulatorConfig:
    values = {"seed": 21, "start": date(2025, 1, 1), "now": datetime(2025, 3, 1, 12), "daily_volume": 60}
    return SimulatorConfig(**(values | changes))


def dossiers(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(schema.Dossier)).scalar_one()


def backfill(engine, **kwargs):
    return run_collector(engine, "sim", "46", since=date(2025, 1, 1), until=date(2025, 3, 1), **kwargs)


def readme_lines(prefix: str) -> list[str]:
    """The README's command lines that start with ``prefix`` (the documented way, run as written)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip().startswith(prefix)]


def load_in_another_process(engine, env: dict[str, str]) -> subprocess.Popen[str]:
    """``ioc collector run`` backfilling in a process of its own; returns once it has committed a few pages."""
    process = start_ioc("collector", "run", "sim", "--since", "2025-01-01", "--until", "2025-03-01", "--quiet", env=env)
    deadline = time.monotonic() + 60
    while dossiers(engine) < 150:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the load did not start"
        time.sleep(0.05)
    return process


def test_a_backup_taken_during_a_load_restores_to_a_clean_warehouse_that_collects_on_to_the_same_figures(
    ioc_env, tmp_path, monkeypatch
):
    live = tmp_path / "live" / "ioc.db"
    env = {**ioc_env, "IOC_DATABASE_URL": f"sqlite:///{live}"}
    monkeypatch.setenv("IOC_DATABASE_URL", env["IOC_DATABASE_URL"])
    initialise(load_settings())
    engine = make_engine(env["IOC_DATABASE_URL"])
    copy = tmp_path / "backups" / "ioc-backup.db"
    copy.parent.mkdir()
    with running_simulator(sim_config(latency_ms=100)) as url:
        with engine.begin() as connection:
            add_collector(connection, "sim", "dossier-sync", f"{url}/api/hoso", options={"page_size": 50})
        load = load_in_another_process(engine, env)
        taken = run_ioc("warehouse", "backup", str(copy), env=env)
        running = load.poll() is None
        assert load.wait(120) == 0, load.communicate()
        assert taken.returncode == 0, taken.stderr
        assert running, "the backup was taken while the load ran"
        final = json.loads(run_ioc(*KPI, env=env).stdout)
        refused = run_ioc("warehouse", "backup", str(copy), env=env)
        assert refused.returncode == 1 and "--force" in refused.stderr and len(refused.stderr.splitlines()) == 1

        # restore as the README says (IOC stopped): its lines run as written, in a folder laid out as they assume
        folder = tmp_path / "restored"
        (folder / "data").mkdir(parents=True)
        (folder / "backups").mkdir()
        shutil.copyfile(copy, folder / "backups" / "ioc-2025-06-30.db")
        restored = folder / "data" / "ioc.db"
        shutil.copyfile(live, restored)  # the warehouse being replaced, with leftovers beside it
        for suffix in ("-wal", "-shm"):
            Path(f"{restored}{suffix}").write_bytes(b"left by the warehouse being replaced")
        lines = readme_lines("rm -f data/ioc.db-wal") + readme_lines("cp backups/")
        assert len(lines) == 2, lines
        for line in lines:
            subprocess.run(line, shell=True, check=True, cwd=folder, timeout=60)
        assert not Path(f"{restored}-wal").exists()
        restored_env = {**ioc_env, "IOC_DATABASE_URL": f"sqlite:///{restored}"}
        check = run_ioc("warehouse", "check", env=restored_env)
        assert (check.returncode, check.stderr) == (0, ""), check.stdout
        restored_engine = make_engine(restored_env["IOC_DATABASE_URL"])
        assert 0 < dossiers(restored_engine) < dossiers(engine), "a copy of the warehouse as it was mid-load"
        assert recount.check(restored_engine).clean
        assert backfill(restored_engine).status == "succeeded"
        assert dossiers(restored_engine) == dossiers(engine)
        assert json.loads(run_ioc(*KPI, env=restored_env).stdout) == final
        restored_engine.dispose()
    engine.dispose()


def test_a_backup_refuses_an_existing_file_unless_forced(ioc_env, tmp_path):
    warehouse_env = {**ioc_env, "IOC_DATABASE_URL": f"sqlite:///{tmp_path / 'ioc.db'}"}
    assert run_ioc("init", env=warehouse_env).returncode == 0
    target = tmp_path / "copy.db"
    target.write_text("keep me")
    refused = run_ioc("warehouse", "backup", str(target), env=warehouse_env)
    assert refused.returncode == 1
    assert refused.stderr.startswith("ioc: error: ") and len(refused.stderr.splitlines()) == 1
    assert target.read_text() == "keep me"
    assert run_ioc("warehouse", "backup", str(tmp_path / "no-folder" / "x.db"), env=warehouse_env).returncode == 1
    forced = run_ioc("warehouse", "backup", str(target), "--force", env=warehouse_env)
    assert forced.returncode == 0, forced.stderr
    check = run_ioc("warehouse", "check", env={**warehouse_env, "IOC_DATABASE_URL": f"sqlite:///{target}"})
    assert check.returncode == 0, check.stderr


def test_postgresql_backup_is_refused_with_the_pg_dump_line_and_the_readme_lines_restore(
    ioc_env, postgres_url, postgres_admin_url, tmp_path, monkeypatch
):
    env = {**ioc_env, "IOC_DATABASE_URL": postgres_url}
    monkeypatch.setenv("IOC_DATABASE_URL", postgres_url)
    initialise(load_settings())
    engine = make_engine(postgres_url)
    refused = run_ioc("warehouse", "backup", str(tmp_path / "x.dump"), env=env)
    assert refused.returncode == 1
    assert len(refused.stderr.splitlines()) == 1
    assert "pg_dump -Fc" in refused.stderr
    with running_simulator(sim_config(latency_ms=100)) as url:
        with engine.begin() as connection:
            add_collector(connection, "sim", "dossier-sync", f"{url}/api/hoso", options={"page_size": 50})
        load = load_in_another_process(engine, env)
        # the README's lines, with its placeholders filled in
        dump = tmp_path / "ioc.dump"
        source = postgres_url.replace("postgresql+psycopg://", "postgresql://")
        (dump_line,) = readme_lines("pg_dump -Fc")
        command = dump_line.replace('"$IOC_DATABASE_URL"', shlex.quote(source)).replace(
            "ioc.dump", shlex.quote(str(dump))
        )
        subprocess.run(command, shell=True, check=True, timeout=120)
        running = load.poll() is None
        assert load.wait(120) == 0, load.communicate()
        assert running, "the dump was taken while the load ran"
        final = json.loads(run_ioc(*KPI, env=env).stdout)
        target = postgres_url.rsplit("/", 1)[0] + "/" + postgres_url.rsplit("/", 1)[1] + "_restored"
        admin = make_engine(postgres_admin_url.replace("postgresql://", "postgresql+psycopg://"))
        name = target.rsplit("/", 1)[1]
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            (restore_line,) = readme_lines("pg_restore")
            plain = target.replace("postgresql+psycopg://", "postgresql://")
            command = restore_line.replace('"$IOC_DATABASE_URL"', shlex.quote(plain)).replace(
                "ioc.dump", shlex.quote(str(dump))
            )
            subprocess.run(command, shell=True, check=True, timeout=120)
            restored_env = {**ioc_env, "IOC_DATABASE_URL": target}
            check = run_ioc("warehouse", "check", env=restored_env)
            assert (check.returncode, check.stderr) == (0, ""), check.stdout
            restored = make_engine(target)
            assert 0 < dossiers(restored) < dossiers(engine)
            assert backfill(restored).status == "succeeded"
            assert json.loads(run_ioc(*KPI, env=restored_env).stdout) == final
            restored.dispose()
        finally:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    engine.dispose()
