"""Ingest benchmark: backfill ≥ 1 million dossiers from the simulator over loopback into SQLite.

    .venv/bin/python tests/benchmarks/bench_ingest.py [--dossiers 1000000] [--page-size 5000]

The simulator runs in its own process; the collector runs as the real ``ioc collector run`` command, whose peak
RSS the kernel reports for that one child (``wait4``). The reference is a raw bulk insert of the same rows into
the same table of a fresh warehouse (same indexes, one ``executemany`` and commit per page), timed around the
inserts only. Targets on the 2-core machine: ≥ 30,000 dossiers/s into SQLite, ≥ 50 % of the raw insert rate,
collector peak RSS ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from ioc.simulator import SimulatorConfig, simulator_process  # noqa: E402
from ioc.warehouse.schema import CollectorRun  # noqa: E402

DAILY_VOLUME = 1500
#: Dossiers per calendar day relative to DAILY_VOLUME (weekends and holidays are quieter), for sizing the window.
DAYS_SHARE = 0.75


def ioc(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "ioc", *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"ioc {' '.join(args)} failed: {result.stderr.strip()}")


def collector_run(env: dict[str, str], since: date, until: date) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of ``ioc collector run`` as a child process."""
    command = [sys.executable, "-m", "ioc", "collector", "run", "bench", "--quiet"]
    command += ["--since", since.isoformat(), "--until", until.isoformat()]
    with tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"collector run failed: {errors.read().strip()}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def last_run(url: str) -> CollectorRun:
    engine = create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(select(CollectorRun.__table__).order_by(CollectorRun.id.desc())).first()
    engine.dispose()
    assert row is not None
    return row  # type: ignore[return-value]


def raw_insert(source_url: str, target_url: str, page_size: int) -> tuple[int, float]:
    """Copy the loaded dossiers into a fresh warehouse with plain ``executemany``; time only the inserts."""
    source = create_engine(source_url)
    target = create_engine(target_url)
    inserted, seconds = 0, 0.0
    with source.connect() as reader, target.connect() as writer:
        result = reader.exec_driver_sql("SELECT * FROM dossier ORDER BY id")
        names = list(result.keys())
        columns = [name for name in names if name != "id"]
        keep = [names.index(name) for name in columns]
        cursor = writer.connection.dbapi_connection.cursor()
        cursor.execute(
            "INSERT INTO collector (id, name, kind, auth, secret_envs, options, enabled, created_at, updated_at) "
            "SELECT 1, 'raw', 'dossier-sync', 'none', '{}', '{}', 1, '2025-01-01', '2025-01-01'"
        )
        writer.connection.dbapi_connection.commit()
        sql = f"INSERT INTO dossier ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        while batch := result.fetchmany(page_size):
            rows = [tuple(row[i] for i in keep) for row in batch]
            started = time.perf_counter()
            cursor.execute("BEGIN")
            cursor.executemany(sql, rows)
            cursor.execute("COMMIT")
            seconds += time.perf_counter() - started
            inserted += len(rows)
    source.dispose()
    target.dispose()
    return inserted, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1_000_000, help="at least this many dossiers")
    parser.add_argument("--page-size", type=int, default=5000)
    args = parser.parse_args()

    start = date(2023, 1, 1)
    end = start + timedelta(days=int(args.dossiers / (DAILY_VOLUME * DAYS_SHARE)) + 1)
    now = datetime.combine(end, datetime.min.time())
    config = SimulatorConfig(seed=2026, start=start, now=now, daily_volume=DAILY_VOLUME)
    with tempfile.TemporaryDirectory(prefix="ioc-bench-") as folder:
        env = {**os.environ, "IOC_DATA_DIR": folder, "IOC_DATABASE_URL": f"sqlite:///{folder}/ioc.db"}
        raw_env = {**env, "IOC_DATABASE_URL": f"sqlite:///{folder}/raw.db"}
        ioc(env, "init")
        ioc(raw_env, "init")
        with simulator_process(config) as url:
            ioc(env, "collector", "add", "bench", "--kind", "dossier-sync", "--url", f"{url}/api/hoso",
                "--option", f"page_size={args.page_size}")  # fmt: skip
            elapsed, cpu, peak_kib = collector_run(env, start, end)
        run = last_run(env["IOC_DATABASE_URL"])
        raw_rows, raw_seconds = raw_insert(env["IOC_DATABASE_URL"], raw_env["IOC_DATABASE_URL"], args.page_size)

    run_seconds = (run.finished_at - run.started_at).total_seconds()
    rate = run.inserted / run_seconds
    raw_rate = raw_rows / raw_seconds
    print(f"status                 {run.status}")
    pages = f"{run.pages:,} pages of {args.page_size:,}"
    print(f"dossiers loaded        {run.inserted:>10,}   ({run.rejected:,} rejected, {pages})")
    print(f"run time               {run_seconds:>10,.1f} s   (process start to exit {elapsed:,.1f} s)")
    print(f"ingest rate            {rate:>10,.0f} dossiers/s   target ≥ 30,000")
    print(f"raw bulk insert rate   {raw_rate:>10,.0f} rows/s")
    print(f"ingest / raw insert    {rate / raw_rate:>10.0%}   target ≥ 50 %")
    print(f"collector CPU          {cpu:>10,.1f} s   ({cpu / elapsed:.0%} of its wall time)")
    print(f"collector peak RSS     {peak_kib / 1024:>10,.0f} MB   target ≤ 300 MB")


if __name__ == "__main__":
    main()
