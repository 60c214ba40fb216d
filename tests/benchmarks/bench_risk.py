"""Back-test of the at-risk model (``ioc.risk``) on the simulator's history, beside naive baselines, and its speed.

    .venv/bin/python tests/benchmarks/bench_risk.py [--daily-volume 1000] [--months 18] [--cutoffs 6] [--repeat 3]

Build: a fresh SQLite warehouse (``ioc init``'s migrations, province 46) filled with the in-process simulator's records
(seed 2026, no malformed ones) from ``--months`` months before the data's end, as the ``dossier-sync`` kind parses them
and the loader writes them, a page of 5,000 per transaction. The simulator's clock stands at the data's end, so each
record is in its latest state, as a warehouse would hold it.

Back-test: ``--cutoffs`` cut-off instants, four weeks apart, the last 60 days before the data's end (so nearly every
dossier due in the week after a cut-off has finished by the end), each at 23:59:59 like ``ioc risk --date``. At each,
``at_risk(connection, cutoff)`` trains on what was known then (``ioc.risk.history``: later finishes are censored,
later receptions absent) and predicts the pending dossiers due in the next 7 days; the weeks after the cut-off are
held out and give the truth: late = resolved after its due time (as the on-time KPI counts it), or still unresolved
past its due time at the data's end; withdrawn or stopped = not late. All methods are scored on the dossiers the
model predicted (the refused are counted apart):

- model: ``at_risk`` (Kaplan–Meier in each dossier's allowance, conditional on its age);
- calendar time: the same estimator on raw durations (P = S(allowance) / S(age)), the alternative the model's
  docstring weighs;
- naive: every dossier due within 7 days is late (p = 1): its Brier score, precision = the late share, recall 1;
- late share: p = the share of late ones among the resolved dossiers of the same history (same levels, same
  fallback), ignoring the dossier's age.

Figures: Brier score (lower is better), precision and recall at the top k (k = 50, 200 and the number actually
late) and at p ≥ LIKELY; min / median / max over the cut-offs. Speed, at the last cut-off, interleaved ``--repeat``
times: ``at_risk`` on cleared caches, at a new minute of the same day (the window's dossiers cached, the estimate
made again: a wall's call every minute), the same call again (answer cached), and a hand-written SQL baseline that
only fetches the same rows (the window's dossiers from the day a year before to the cut-off's day, the same
columns) with the driver;
the ratio model (caches cleared) / baseline.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, select

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from ioc.collecting.kind import Source  # noqa: E402
from ioc.collecting.registry import get_kind  # noqa: E402
from ioc.collecting.runner import parse_page  # noqa: E402
from ioc.collecting.store import add_collector  # noqa: E402
from ioc.config import Settings  # noqa: E402
from ioc.initialise import initialise  # noqa: E402
from ioc.risk import LIKELY, at_risk  # noqa: E402
from ioc.risk import report as risk_report  # noqa: E402
from ioc.risk.history import (  # noqa: E402
    HISTORY_DAYS,
    LEVELS,
    History,
    read_history,
)
from ioc.risk.model import ELAPSED, MIN_HISTORY, estimate  # noqa: E402
from ioc.simulator import Simulator, SimulatorConfig  # noqa: E402
from ioc.units import draft_codes  # noqa: E402
from ioc.warehouse import schema  # noqa: E402
from ioc.warehouse.access import transaction  # noqa: E402
from ioc.warehouse.aggregates import DOSSIER, counted_dossiers  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402
from ioc.warehouse.load import load_page  # noqa: E402

PROVINCE = "46"
DATA_END = datetime(2025, 7, 1)
HORIZON_DAYS = 7
PAGE = 5000
SPACING_DAYS = 28
HELD_OUT_DAYS = 60
METHODS = ("model", "calendar time", "late share", "naive")
BASELINE_SQL = (
    "SELECT source_key, agency_code, unit_code, procedure_code, field_code, received_at, due_at, status, finished_at "
    "FROM dossier WHERE counted AND received_at > ? AND received_at <= ? AND status NOT IN (1, 3) "
    "AND due_at > received_at AND (status NOT IN (7, 8) OR finished_at IS NOT NULL)"
)


# ---------------------------------------------------------------- build


def build(url: str, folder: Path, months: int, daily_volume: int) -> int:
    """The warehouse at ``url`` filled with the simulator's records; how many were loaded."""
    initialise(Settings(data_dir=folder, database_url=url, province=PROVINCE))
    start = (DATA_END - timedelta(days=round(months * 30.44))).date()
    config = SimulatorConfig(seed=2026, start=start, now=DATA_END, daily_volume=daily_volume, malformed_rate=0.0)
    engine = make_engine(url)
    with transaction(engine) as connection:
        units = frozenset(connection.execute(select(schema.Unit.code)).scalars())
        collector = add_collector(connection, "bench", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
    kind_class = get_kind("dossier-sync")
    source = Source(
        name="bench",
        url="http://127.0.0.1:9/api/hoso",
        auth="none",
        secrets={},
        options=kind_class.Options.model_validate({}),
        province=PROVINCE,
        unit_codes=units,
        draft_codes=draft_codes(PROVINCE),
        now=DATA_END,
    )
    kind = kind_class(source)
    records = Simulator(config).records(datetime.combine(start, datetime.min.time()), DATA_END + timedelta(days=1))
    loaded = 0
    try:
        for page in _pages(records):
            parsed, rejections = parse_page(kind, page)
            with transaction(engine) as connection:
                loaded += load_page(connection, collector, None, parsed, rejections, DATA_END).inserted
    finally:
        kind.close()
        engine.dispose()
    return loaded


def _pages(records: Iterator[dict]) -> Iterator[list[dict]]:
    while page := list(islice(records, PAGE)):
        yield page


# ---------------------------------------------------------------- scoring


def truth(connection: Connection) -> dict[str, bool]:
    """Whether each dossier turned out late, as the data's end knows it."""
    query = counted_dossiers(DOSSIER.c.source_key, DOSSIER.c.status, DOSSIER.c.due_at, DOSSIER.c.finished_at)
    late = {}
    for key, status, due, finished in connection.execute(query.where(DOSSIER.c.due_at.is_not(None))):
        if status in (9, 10):
            late[key] = finished is not None and finished > due
        else:
            late[key] = status not in (1, 3, 7, 8) and finished is None and due < DATA_END
    return late


def late_share(history: History, targets: np.ndarray) -> np.ndarray:
    """The late share of each target's history (same levels and fallback as the model), ignoring its age."""
    result = np.full(len(targets), np.nan)
    late = history.resolved & (history.duration > history.allowance)
    for level in LEVELS:
        open_ = np.isnan(result)
        count, group = history.groups[level]
        known = group >= 0
        resolved = np.bincount(group[known & history.resolved], minlength=count)
        lates = np.bincount(group[known & late], minlength=count)
        target_group = group[targets]
        chosen = open_ & (target_group >= 0)
        chosen[chosen] = resolved[target_group[chosen]] >= MIN_HISTORY
        result[chosen] = lates[target_group[chosen]] / resolved[target_group[chosen]]
    return result


def scores(probability: np.ndarray, late: np.ndarray, order: np.ndarray | None) -> dict[str, float]:
    """Brier; precision and recall at the top k (by ``order``) and at p ≥ LIKELY."""
    actual = int(late.sum())
    figures = {"brier": float(np.mean((probability - late) ** 2))}
    if order is None:  # every dossier flagged: precision is the late share, recall 1
        for k in ("50", "200", "late", "likely"):
            figures[f"precision@{k}"] = actual / len(late)
            figures[f"recall@{k}"] = 1.0
        return figures
    for name, k in (("50", 50), ("200", 200), ("late", actual)):
        top = late[order[: min(k, len(late))]]
        figures[f"precision@{name}"] = float(top.mean()) if len(top) else float("nan")
        figures[f"recall@{name}"] = float(top.sum() / actual) if actual else float("nan")
    flagged = probability >= LIKELY
    figures["precision@likely"] = float(late[flagged].mean()) if flagged.any() else float("nan")
    figures["recall@likely"] = float(late[flagged].sum() / actual) if actual else float("nan")
    return figures


def back_test(connection: Connection, cutoff: datetime, outcome: dict[str, bool]) -> tuple[dict, dict]:
    """Each method's figures at one cut-off, and the counts (predicted, refused, late)."""
    report = at_risk(connection, cutoff, horizon_days=HORIZON_DAYS)
    keys = [row.ma_ho_so for row in report.rows]
    late = np.array([outcome[key] for key in keys], dtype=float)
    model = np.array([row.probability for row in report.rows])
    history = read_history(connection, cutoff)
    index = {key: i for i, key in enumerate(history.source_key)}
    targets = np.array([index[key] for key in keys], dtype=np.int64)
    calendar = estimate(history, targets, scale=ELAPSED).probability
    share = late_share(history, targets)
    due = np.array([row.due for row in report.rows], dtype="datetime64[s]")
    methods = {"model": model, "calendar time": calendar, "late share": share}
    figures = {name: scores(p, late, _ranking(p, due)) for name, p in methods.items()}
    figures["naive"] = scores(np.ones(len(late)), late, None)
    counts = {"predicted": len(keys), "refused": report.refused, "late": int(late.sum())}
    return figures, counts


def _ranking(probability: np.ndarray, due: np.ndarray) -> np.ndarray:
    """Most likely first, then the earliest due (as ``at_risk`` orders its rows)."""
    return np.lexsort((due, -np.nan_to_num(probability, nan=-1.0)))


# ---------------------------------------------------------------- speed


def timed(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def speed(engine, cutoff: datetime, repeat: int) -> dict[str, list[float]]:
    """Seconds of ``at_risk`` cold and cached, and of the SQL baseline, interleaved."""
    since = datetime.combine((cutoff - timedelta(days=HISTORY_DAYS)).date(), datetime.min.time())  # as at_risk reads
    samples: dict[str, list[float]] = {
        "at_risk (cache cleared)": [],
        "at_risk (next minute)": [],
        "at_risk (cached)": [],
        "SQL baseline": [],
    }
    minutes = iter(range(1, 10_000))

    def cold() -> None:
        risk_report.clear()
        with engine.connect() as connection:
            at_risk(connection, cutoff)

    def next_minute() -> None:  # the wall's case: the window read and cached, a new as_of the same day
        with engine.connect() as connection:
            at_risk(connection, cutoff - timedelta(minutes=next(minutes)))

    def cached() -> None:
        with engine.connect() as connection:
            at_risk(connection, cutoff)

    def baseline() -> None:
        with engine.connect() as connection:
            bounds = [since.isoformat(" "), (since + timedelta(days=HISTORY_DAYS + 1)).isoformat(" ")]
            cursor = connection.connection.driver_connection.execute(BASELINE_SQL, bounds)
            cursor.fetchall()

    for _ in range(repeat):
        samples["SQL baseline"].append(timed(baseline))
        samples["at_risk (cache cleared)"].append(timed(cold))
        samples["at_risk (next minute)"].append(timed(next_minute))
        samples["at_risk (cached)"].append(timed(cached))
    return samples


# ---------------------------------------------------------------- printing


def spread(values: list[float], digits: int = 3) -> str:
    finite = [v for v in values if v == v]
    if not finite:
        return "–"
    return " / ".join(f"{v:.{digits}f}" for v in (min(finite), statistics.median(finite), max(finite)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--daily-volume", type=int, default=1000, help="dossiers a working day (demo: 1,000)")
    parser.add_argument("--months", type=int, default=18, help="months of history before the data's end")
    parser.add_argument("--cutoffs", type=int, default=6, help="cut-offs, four weeks apart")
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats of each speed measure")
    args = parser.parse_args()
    if args.daily_volume < 1 or args.months < 3 or args.cutoffs < 1 or args.repeat < 1:
        parser.error("--daily-volume, --cutoffs and --repeat must be ≥ 1, --months ≥ 3")
    last = datetime.combine((DATA_END - timedelta(days=HELD_OUT_DAYS)).date(), datetime.max.time()).replace(
        microsecond=0
    )
    cutoffs = [last - timedelta(days=SPACING_DAYS * i) for i in reversed(range(args.cutoffs))]
    start = DATA_END - timedelta(days=round(args.months * 30.44))
    if cutoffs[0] - start < timedelta(days=30):
        parser.error("too few months for that many cut-offs: each needs a month of history before it")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ioc-bench-risk-") as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'risk.db'}"
        loaded = build(url, folder, args.months, args.daily_volume)
        built = time.perf_counter() - began
        print(f"IOC at-risk back-test on {os.cpu_count()} cores (Python {platform.python_version()}, ", end="")
        print(f"SQLite {sqlite3.sqlite_version})")
        print(
            f"{loaded:,} simulated dossiers from {start:%d/%m/%Y} to {DATA_END:%d/%m/%Y} "
            f"({args.daily_volume:,} a working day), built in {built:,.0f} s; MIN_HISTORY {MIN_HISTORY}, "
            f"history {HISTORY_DAYS} days, horizon {HORIZON_DAYS} days"
        )
        engine = make_engine(url)
        results: dict[str, dict[str, list[float]]] = {m: {} for m in METHODS}
        counts: list[dict] = []
        with engine.connect() as connection:
            outcome = truth(connection)
            for cutoff in cutoffs:
                figures, count = back_test(connection, cutoff, outcome)
                counts.append(count)
                print(
                    f"  cut-off {cutoff:%d/%m/%Y %H:%M}: {count['predicted']:,} predicted, {count['refused']:,} "
                    f"refused, {count['late']:,} late; Brier model {figures['model']['brier']:.4f}, "
                    f"naive {figures['naive']['brier']:.4f}"
                )
                for method, values in figures.items():
                    for metric, value in values.items():
                        results[method].setdefault(metric, []).append(value)
        print(f"\nover {len(cutoffs)} cut-off(s), min / median / max")
        predicted = [c["predicted"] for c in counts]
        refused = [c["refused"] for c in counts]
        shares = [c["late"] / c["predicted"] if c["predicted"] else float("nan") for c in counts]
        print(f"  dossiers predicted {spread(predicted, 0)}, refused {spread(refused, 0)}, late share {spread(shares)}")
        metrics = list(results["model"])
        print(f"  {'metric':<18}" + "".join(f"{m:>26}" for m in METHODS))
        for metric in metrics:
            print(f"  {metric:<18}" + "".join(f"{spread(results[m][metric]):>26}" for m in METHODS))
        samples = speed(engine, cutoffs[-1], args.repeat)
        engine.dispose()
    print(f"\nspeed at the last cut-off, {args.repeat} interleaved repeat(s), min / median / max")
    for what, values in samples.items():
        print(f"  {what:<24} {spread([v * 1000 for v in values], 1)} ms")
    ratios = [a / b for a, b in zip(samples["at_risk (cache cleared)"], samples["SQL baseline"], strict=True)]
    print(f"  ratio at_risk / SQL baseline  {spread(ratios, 2)}")
    print(f"\nbenchmark took {time.perf_counter() - began:,.0f} s")


if __name__ == "__main__":
    main()
