"""Repair benchmark: ``ioc warehouse check`` and ``rebuild`` (month by month) against the old in-memory rebuild.

    .venv/bin/python tests/benchmarks/bench_repair.py [--dossiers 1000000] [--rounds 2] [--db PATH] [--keep]

Build: ``ioc init`` (province 46), then N dossiers over 2021-01 .. 2025-12 generated as ``bench_kpi.py`` does,
written straight into ``dossier``, and the aggregates counted by the old rebuild. Then ``--rounds`` rounds, each
running the old rebuild (every dossier tallied into one in-memory count of every aggregate, written in one
transaction: the code ``aggregates.rebuild`` had before issue 14) and ``recount.rebuild``, in an order that
alternates between rounds, each followed by ``recount.check`` (which must be clean), each in a spawned process of its
own so that its peak RSS is its own. Printed: median seconds, peak RSS and its growth over the process's RSS just
before the work, and the ratios new / old.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_kpi  # noqa: E402

from ioc.collecting.store import add_collector  # noqa: E402
from ioc.config import now_local  # noqa: E402
from ioc.warehouse import aggregates, recount  # noqa: E402
from ioc.warehouse.dialect import encode_rows, insert_rows  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402


def old_rebuild(engine) -> None:  # type: ignore[no-untyped-def]
    """The rebuild as it was: every dossier's counts held in memory at once, written in one transaction."""
    with engine.begin() as connection:
        for grain in aggregates.GRAINS:
            connection.execute(delete(grain.table))
        counts = aggregates.new_counts()
        columns = [aggregates.DOSSIER.c[name] for name in aggregates.STATE_COLUMNS]
        result = connection.execute(select(*columns).execution_options(yield_per=50_000))
        for rows in result.partitions():
            aggregates.tally(rows, 1, counts)
        aggregates.apply(connection, counts)
        aggregates.bump_version(connection, now_local())


def new_rebuild(engine) -> None:  # type: ignore[no-untyped-def]
    recount.rebuild(engine)


def check(engine) -> None:  # type: ignore[no-untyped-def]
    report = recount.check(engine)
    if not report.clean:
        raise SystemExit(f"the check found {report.cells:,} differing cells")


WORK: dict[str, Callable] = {"old rebuild": old_rebuild, "rebuild": new_rebuild, "check": check}


def rss_kib() -> int:
    """This process's resident set now (KiB)."""
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def run_one(url: str, name: str, results: multiprocessing.Queue) -> None:
    engine = make_engine(url)
    with engine.connect() as connection:  # warm the imports and the pool outside the measure
        connection.exec_driver_sql("SELECT 1")
    before = rss_kib()
    started = time.perf_counter()
    WORK[name](engine)
    seconds = time.perf_counter() - started
    engine.dispose()
    results.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, before))


def build(url: str, total: int, results: multiprocessing.Queue) -> None:
    """Fill ``dossier`` as ``bench_kpi.build`` does, then count the aggregates with the old rebuild."""
    rng = np.random.default_rng(2026)
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.connection.dbapi_connection.execute("PRAGMA synchronous=OFF")
        with connection.begin():
            collector = add_collector(connection, "bench", "dossier-sync", "http://127.0.0.1:9/api/hoso")
            shapes = bench_kpi.Shapes(connection, rng)
        fixed = encode_rows(
            "sqlite", bench_kpi.DOSSIER, ["loaded_at", "collector_id"], [(datetime(2026, 1, 1, 2), collector.id)]
        )
        written = 0
        for index, n in enumerate(bench_kpi.month_sizes(total)):
            rows = bench_kpi.month_rows(rng, shapes, index, n, written, fixed[0])
            for start in range(0, len(rows), bench_kpi.BATCH):
                with connection.begin():
                    insert_rows(connection, bench_kpi.DOSSIER, bench_kpi.COLUMNS, rows[start : start + bench_kpi.BATCH])
            written += n
    old_rebuild(engine)
    engine.dispose()
    results.put((time.perf_counter() - started,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--db", type=Path, help="SQLite file of the warehouse (default: in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the file and reuse it when it has enough dossiers")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ioc-bench-repair-") as folder:
        path = (args.db or Path(folder) / "ioc.db").resolve()
        url = f"sqlite:///{path}"
        if args.keep and bench_kpi.existing_dossiers(path) >= args.dossiers:
            print(f"reusing {path}")
        else:
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            bench_kpi.ioc_init(folder, url)
            (seconds,) = bench_kpi.spawned(build, url, args.dossiers)
            print(f"built {args.dossiers:,} dossiers and their aggregates in {seconds:,.0f} s", flush=True)
        engine = make_engine(url)
        with engine.connect() as connection:
            rows = {g.table.name: bench_kpi.count(connection, g.table.name) for g in aggregates.GRAINS}
            dossiers = bench_kpi.count(connection, "dossier")
        engine.dispose()
        print(
            f"{dossiers:,} dossiers, {sum(rows.values()):,} aggregate rows ({rows['dossier_daily']:,} in dossier_daily)"
        )

        measured: dict[str, list[tuple[float, int, int]]] = {name: [] for name in WORK}
        for round_number in range(args.rounds):
            order = ["rebuild", "old rebuild"] if round_number % 2 else ["old rebuild", "rebuild"]
            for name in order:
                names = [name] if name == "check" else [name, "check"]  # the check must be clean after each rebuild
                for each in names:
                    measured[each].append(bench_kpi.spawned(run_one, url, each))
                    seconds, peak, before = measured[each][-1]
                    print(f"  round {round_number + 1}: {each:<12} {seconds:>8,.1f} s, peak RSS {peak / 1024:,.0f} MB "
                          f"({(peak - before) / 1024:,.0f} MB over the process before)", flush=True)  # fmt: skip

        print(f"\n{'':<14}{'median s':>10}{'peak RSS MB':>13}{'growth MB':>11}   runs")
        summary = {}
        for name, runs in measured.items():
            seconds = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs) / 1024
            growth = max(r[1] - r[2] for r in runs) / 1024
            summary[name] = (seconds, peak, growth)
            print(f"{name:<14}{seconds:>10,.1f}{peak:>13,.0f}{growth:>11,.0f}   {len(runs)}")
        old, new = summary["old rebuild"], summary["rebuild"]
        print(f"\nrebuild / old rebuild: time {new[0] / old[0]:.2f}, memory growth {new[2] / max(old[2], 1):.2f}")
        print(f"check / old rebuild:   time {summary['check'][0] / old[0]:.2f}, "
              f"memory growth {summary['check'][2] / max(old[2], 1):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
