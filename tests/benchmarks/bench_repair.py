"""Repair benchmark: ``ioc warehouse rebuild`` and ``check`` (a span of months at a time) against one set-based SQL
pass over the whole of ``dossier``, on SQLite and, when ``IOC_TEST_POSTGRES_URL`` is set, on PostgreSQL.

    .venv/bin/python tests/benchmarks/bench_repair.py [--dossiers 2000000] [--months 60] [--short 24]
                                                      [--rounds 3] [--span 3] [--engines sqlite,postgresql]

Build, per engine and per history length (``--months``, and ``--short`` months at the same dossiers per month, so
peak memory can be compared against history length): ``ioc init`` (province 46), then the dossiers generated month
by month from 2021-01 as ``bench_kpi.py`` does, written straight into ``dossier`` (``executemany`` on SQLite, ``COPY``
on PostgreSQL), and the aggregates counted by the baseline. Then ``--rounds`` rounds, each running, in an order that
rotates between rounds:

- baseline: one set-based SQL pass in one transaction, every aggregate emptied, every counted dossier's events summed
  into ``counting.DELTA`` at once and rolled up into every table (the same SQL rules, with no spans);
- rebuild: ``recount.rebuild``, a transaction per span of months;
- check: ``recount.check`` (run after each of the others too, and it must be clean: identical rows),

each in a spawned process of its own, so that its peak RSS is its own. Printed: min / median / max seconds, the
median CPU seconds of the process (on SQLite the database's work is in it, on PostgreSQL it is the server's), peak
RSS and its growth over the process's RSS just before the work, and the ratios to the baseline.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import delete, make_url, text

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_kpi  # noqa: E402

from ioc.collecting.store import add_collector  # noqa: E402
from ioc.config import now_local  # noqa: E402
from ioc.warehouse import aggregates, counting, recount  # noqa: E402
from ioc.warehouse.dialect import encode_rows, insert_rows  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402

#: A database of the PostgreSQL test server, made and dropped by the benchmark.
PG_DATABASE = "ioc_bench_repair"


def baseline(engine) -> None:  # type: ignore[no-untyped-def]
    """One set-based SQL pass over the whole table, in one transaction."""
    with engine.begin() as connection:
        for grain in aggregates.GRAINS:
            connection.execute(delete(grain.table))
        counting.sum_events(
            connection, counting.dossier_source(aggregates.DOSSIER, aggregates.counted_dossiers().whereclause)
        )
        counting.add_delta(connection, aggregates.GRAINS)
        aggregates.bump_version(connection, now_local())


def rebuild(engine, span: int) -> None:  # type: ignore[no-untyped-def]
    recount.rebuild(engine, span_months=span)


def check(engine, span: int) -> None:  # type: ignore[no-untyped-def]
    report = recount.check(engine, span_months=span)
    if not report.clean:
        raise SystemExit(f"the check found {report.cells:,} differing cells in {report.by_table}")


WORK: dict[str, Callable] = {"baseline": lambda engine, _span: baseline(engine), "rebuild": rebuild, "check": check}


def rss_kib() -> int:
    """This process's resident set now (KiB)."""
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def run_one(url: str, name: str, span: int, results) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    with engine.connect() as connection:  # warm the imports and the pool outside the measure
        connection.exec_driver_sql("SELECT 1")
    before = rss_kib()
    started = time.perf_counter()
    WORK[name](engine, span)
    seconds = time.perf_counter() - started
    engine.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put((seconds, usage.ru_maxrss, before, usage.ru_utime + usage.ru_stime))


def _copy(connection, rows: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    cursor = connection.connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY dossier ({', '.join(bench_kpi.COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def build(url: str, total: int, months: int, results) -> None:  # type: ignore[no-untyped-def]
    """Fill ``dossier`` as ``bench_kpi.build`` does over ``months`` months, then count the aggregates (baseline)."""
    bench_kpi.MONTHS = months
    rng = np.random.default_rng(2026)
    engine = make_engine(url)
    postgres = engine.dialect.name == "postgresql"
    started = time.perf_counter()
    with engine.connect() as connection:
        if not postgres:
            connection.connection.dbapi_connection.execute("PRAGMA synchronous=OFF")
        with connection.begin():
            collector = add_collector(connection, "bench", "dossier-sync", "http://127.0.0.1:9/api/hoso")
            shapes = bench_kpi.Shapes(connection, rng)
        loaded_at = datetime(2026, 1, 1, 2)
        fixed = encode_rows("sqlite", bench_kpi.DOSSIER, ["loaded_at", "collector_id"], [(loaded_at, collector.id)])
        written = 0
        for index, n in enumerate(bench_kpi.month_sizes(total)):
            rows = bench_kpi.month_rows(rng, shapes, index, n, written, fixed[0])  # SQLite's text for datetimes,
            for start in range(0, len(rows), bench_kpi.BATCH):  # which COPY's text format reads as timestamps too
                with connection.begin():
                    if postgres:
                        _copy(connection, rows[start : start + bench_kpi.BATCH])
                    else:
                        insert_rows(
                            connection, bench_kpi.DOSSIER, bench_kpi.COLUMNS, rows[start : start + bench_kpi.BATCH]
                        )
            written += n
        if postgres:
            with connection.begin():
                connection.exec_driver_sql("ANALYZE")
    baseline(engine)
    engine.dispose()
    results.put((time.perf_counter() - started,))


def postgres_url(server: str) -> str:
    """A fresh database on the test server for the benchmark."""
    admin = make_engine(server)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE}"))
        connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    admin.dispose()
    return make_url(server).set(database=PG_DATABASE).render_as_string(hide_password=False)


def drop_postgres(server: str) -> None:
    admin = make_engine(server)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE}"))
    admin.dispose()


def figures(runs: list[tuple[float, int, int, float]]) -> str:
    seconds = sorted(r[0] for r in runs)
    cpu = statistics.median(r[3] for r in runs)
    peak = max(r[1] for r in runs) / 1024
    growth = max(r[1] - r[2] for r in runs) / 1024
    spread = f"{seconds[0]:>7,.1f} {statistics.median(seconds):>7,.1f} {seconds[-1]:>7,.1f}"
    return f"{spread}{cpu:>8,.1f}{peak:>10,.0f}{growth:>9,.0f}"


def bench(url: str, folder: str, dossiers: int, months: int, rounds: int, span: int) -> dict[str, list]:
    bench_kpi.ioc_init(folder, url)
    (seconds,) = bench_kpi.spawned(build, url, dossiers, months)
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = {g.table.name: bench_kpi.count(connection, g.table.name) for g in aggregates.GRAINS}
        total = bench_kpi.count(connection, "dossier")
    engine.dispose()
    print(f"\n{engine.dialect.name}: {total:,} dossiers over {months} months, {sum(rows.values()):,} aggregate rows "
          f"({rows['dossier_daily']:,} in dossier_daily), built in {seconds:,.0f} s", flush=True)  # fmt: skip
    measured: dict[str, list] = {name: [] for name in WORK}
    names = list(WORK)
    for round_number in range(rounds):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in order:
            for each in [name] if name == "check" else [name, "check"]:  # the check must be clean after each
                measured[each].append(bench_kpi.spawned(run_one, url, each, span))
                seconds, peak, before, _cpu = measured[each][-1]
                print(f"  round {round_number + 1}: {each:<9} {seconds:>7,.1f} s, peak RSS {peak / 1024:,.0f} MB "
                      f"({(peak - before) / 1024:,.0f} MB over the process before)", flush=True)  # fmt: skip
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=2_000_000, help="dossiers over --months")
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--short", type=int, default=24, help="a shorter history, same dossiers per month (0: none)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--span", type=int, default=recount.SPAN_MONTHS, help="months per pass")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    server = os.environ.get("IOC_TEST_POSTGRES_URL")
    engines = [e for e in args.engines.split(",") if e == "sqlite" or (e == "postgresql" and server)]
    histories = [args.months, *([args.short] if args.short else [])]

    summary = []
    for engine_name in engines:
        for months in histories:
            dossiers = args.dossiers * months // args.months
            with tempfile.TemporaryDirectory(prefix="ioc-bench-repair-") as folder:
                url = f"sqlite:///{Path(folder) / 'ioc.db'}" if engine_name == "sqlite" else postgres_url(server)
                try:
                    measured = bench(url, folder, dossiers, months, args.rounds, args.span)
                finally:
                    if engine_name == "postgresql":
                        drop_postgres(server)
            summary.append((engine_name, dossiers, months, measured))

    print(f"\n{'engine':<11}{'dossiers':>10}{'months':>7}  {'work':<9}{'min s':>7}{'med s':>8}{'max s':>8}"
          f"{'cpu s':>8}{'peak MB':>10}{'growth':>9}  ratio to baseline (median)")  # fmt: skip
    for engine_name, dossiers, months, measured in summary:
        base = statistics.median(r[0] for r in measured["baseline"])
        for name, runs in measured.items():
            ratio = statistics.median(r[0] for r in runs) / base
            print(f"{engine_name:<11}{dossiers:>10,}{months:>7}  {name:<9}{figures(runs)}  {ratio:.2f}")
    print(f"\n{os.cpu_count()} cores; span {args.span} months; {args.rounds} rounds; each run in a process of its own")


if __name__ == "__main__":
    main()
