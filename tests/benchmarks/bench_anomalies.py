"""Anomaly benchmark: the STL/MAD rules (``ioc.anomalies``) against today's fixed-threshold alerts (``ioc.alerts``),
scored on anomalies the simulator injected, over several seeds.

    .venv/bin/python tests/benchmarks/bench_anomalies.py [--seeds 3] [--daily-volume 1000] [--weeks 12]
        [--per-seed 9] [--tolerance 7]

Per seed: the simulator (demo-sized province 46: 41 units, 67 agencies, ``--daily-volume`` dossiers a working day)
serves nine weeks of history then ``--weeks`` judged weeks from 2 December 2024 (Tết 2025 and 30/4–1/5 fall in them)
with ``--per-seed`` anomalies drawn from the seed (``ioc.simulator.injection.draw``: gaps, surges and collapses in
turn, one per slot of the judged weeks, about units and agencies with at least 1 % of the dossiers). The real
collector loads it over loopback HTTP into a fresh SQLite warehouse made by ``ioc init``'s code.

Both detectors are then run as of each judged day D (today = D: they read whole days up to D − 1, and a flag is
dated D − 1): the anomaly rules as ``anomalies(connection, D)`` (one call judging every day gives the same flags, each
day against its own history only); the fixed thresholds as ``on_time_drops``, ``received_drop`` and
``overdue_backlog`` of ``ioc.alerts`` (the collector alerts are not about flows and are left out). A flag is
(day, scope, code), whatever the measure.

- Hit: an injection is found when a flag has its scope and code and falls in ``[start, start + tolerance)``. A
  commune and its people's committee (unit X, agency UBND-X) hold the same dossiers and count as one scope; a
  province or unit flag for an agency's anomaly (its consequence one level up) does not count, except in the line
  "all+above" (all kinds, a flag for the unit or the province holding the injected scope counting as right too).
- Recall per kind: injections of that kind found / injected.
- Precision: flags matching an injection (its scope and code, from its start to ``tolerance`` days after its end) /
  flags. Per kind: the flags of that kind's family (anomalies: received → gap, resolved → surge, on-time rate →
  collapse; fixed: received_drop → gap, overdue_backlog → surge, on_time_drop → collapse) matching an injection of
  that kind / the family's flags.

Printed: min / median / max over seeds of each, the flags a judged day, and the time one day's anomalies take on the
first seed's warehouse (cold: computed; cached: per data version) beside the fixed alerts' time, interleaved, three
times each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sqlalchemy import Connection  # noqa: E402

from ioc import alerts as fixed  # noqa: E402
from ioc.anomalies import MAX_DAYS, anomalies, compute  # noqa: E402
from ioc.anomalies.series import province_code  # noqa: E402
from ioc.collecting.runner import run_collector  # noqa: E402
from ioc.collecting.store import add_collector  # noqa: E402
from ioc.config import Settings  # noqa: E402
from ioc.initialise import initialise  # noqa: E402
from ioc.kpi import query  # noqa: E402
from ioc.simulator import SimulatorConfig, running_simulator  # noqa: E402
from ioc.simulator.injection import KINDS, Injection, draw, text_of  # noqa: E402
from ioc.simulator.world import build_world  # noqa: E402
from ioc.units import COMMUNE_LEVEL, all_agencies  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402
from ioc.work_calendar import is_working_day  # noqa: E402

PROVINCE = "46"
START = date(2024, 12, 2)
HISTORY_WEEKS = 9
DETECTORS = ("STL/MAD rules", "fixed thresholds")
FAMILY = {
    "received": "gap",
    "resolved": "surge",
    "on_time_rate": "collapse",
    "received_drop": "gap",
    "overdue_backlog": "surge",
    "on_time_drop": "collapse",
}
#: A flag: (day, scope, code, family kind).
Flag = tuple[date, str, str, str]


def judged_days(weeks: int) -> list[date]:
    first = START + timedelta(weeks=HISTORY_WEEKS)
    return [first + timedelta(days=i) for i in range(7 * weeks)]


def load(folder: Path, config: SimulatorConfig, until: date) -> str:
    """A fresh warehouse holding what the simulator serves from START to ``until``."""
    url = f"sqlite:///{folder / 'ioc.db'}"
    initialise(Settings(data_dir=folder, database_url=url, province=PROVINCE))
    engine = make_engine(url)
    with running_simulator(config) as source:
        with engine.begin() as connection:
            add_collector(connection, "sim", "dossier-sync", f"{source}/api/hoso", options={"page_size": 5000})
        result = run_collector(engine, "sim", PROVINCE, since=START, until=until)
    engine.dispose()
    if result.status != "succeeded":
        raise SystemExit(f"the collection failed: {result.status}")
    return url


def anomaly_flags(connection: Connection, days: list[date]) -> set[Flag]:
    flags: set[Flag] = set()
    for end in range(len(days), 0, -MAX_DAYS):  # one call judges up to MAX_DAYS days, each on its own history
        chunk = days[max(0, end - MAX_DAYS) : end]
        for a in compute(connection, chunk[-1] + timedelta(days=1), len(chunk)):
            flags.add((a.day, a.scope, a.code, FAMILY[a.measure]))
    return flags


def fixed_flags(connection: Connection, days: list[date]) -> set[Flag]:
    province = province_code(connection)
    flags: set[Flag] = set()
    for day in days:
        today = day + timedelta(days=1)
        raised = [
            *fixed.overdue_backlog(connection, today, province),
            *fixed.on_time_drops(connection, today, province),
            *fixed.received_drop(connection, today, province),
        ]
        flags.update((day, a.subject_kind, a.subject_code, FAMILY[a.kind]) for a in raised)
    return flags


def same_dossiers() -> dict[tuple[str, str], tuple[str, str]]:
    """A commune and its people's committee (UBND-…) hold the same dossiers: each scope's other name."""
    pairs = {}
    for agency in all_agencies(PROVINCE):
        if agency.level == COMMUNE_LEVEL:
            pairs[("agency", agency.code)] = ("unit", agency.unit_code)
            pairs[("unit", agency.unit_code)] = ("agency", agency.code)
    return pairs


def above() -> dict[tuple[str, str], set[tuple[str, str]]]:
    """The scopes that hold each agency's or unit's dossiers: its unit (for an agency) and the province."""
    holders: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for agency in all_agencies(PROVINCE):
        holders[("agency", agency.code)] = {("unit", agency.unit_code), ("province", PROVINCE)}
        holders.setdefault(("unit", agency.unit_code), set()).add(("province", PROVINCE))
    return holders


def score(
    flags: set[Flag], injected: tuple[Injection, ...], tolerance: int, lenient: bool = False
) -> dict[str, tuple[float, float]]:
    """Per kind (and "all"): (precision, recall); NaN where nothing was flagged or injected. ``lenient``: a flag for a
    scope holding the injected one (its unit, the province) counts as right too."""
    aliases, holders = same_dossiers(), above()

    def matches(flag: Flag, injection: Injection, until: date) -> bool:
        day, scope, code, _ = flag
        named = (injection.scope, injection.code)
        right = {named, aliases.get(named)} | (holders.get(named, set()) if lenient else set())
        return (scope, code) in right and injection.start <= day < until

    def tail(injection: Injection) -> date:
        return injection.end + timedelta(days=tolerance)

    def found(injection: Injection) -> bool:
        return any(matches(f, injection, injection.start + timedelta(days=tolerance)) for f in flags)

    result = {}
    for kind in (*KINDS, "all"):
        of_kind = [i for i in injected if kind in ("all", i.kind)]
        family = [f for f in flags if kind in ("all", f[3])]
        true = [f for f in family if any(matches(f, i, tail(i)) for i in of_kind)]
        precision = len(true) / len(family) if family else float("nan")
        recall = sum(map(found, of_kind)) / len(of_kind) if of_kind else float("nan")
        result[kind] = (precision, recall)
    return result


def spread(values: Iterable[float]) -> str:
    kept = [v for v in values if v == v]
    if not kept:
        return "   –  /   –  /   –"
    return " / ".join(f"{v:5.2f}" for v in (min(kept), statistics.median(kept), max(kept)))


def timed(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return time.perf_counter() - began


def timings(url: str, day: date) -> dict[str, list[float]]:
    """One day's anomalies cold and cached, and the fixed flow alerts, interleaved, three times each."""
    engine = make_engine(url)
    measured: dict[str, list[float]] = {"anomalies, computed": [], "anomalies, cached": [], "fixed alerts": []}
    with engine.connect() as connection:
        province = province_code(connection)
        anomalies(connection, day)  # fills the cache the "cached" line reads
        for _ in range(3):
            measured["anomalies, computed"].append(timed(lambda: compute(connection, day)))
            measured["anomalies, cached"].append(timed(lambda: anomalies(connection, day)))
            query._cache.clear()  # the fixed alerts read KPI rows: computed too, not from memory
            measured["fixed alerts"].append(
                timed(
                    lambda: (
                        fixed.overdue_backlog(connection, day, province),
                        fixed.on_time_drops(connection, day, province),
                        fixed.received_drop(connection, day, province),
                    )
                )
            )
    engine.dispose()
    return measured


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--daily-volume", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=12, help="weeks judged after the nine weeks of history")
    parser.add_argument("--per-seed", type=int, default=9, help="anomalies injected per seed")
    parser.add_argument("--tolerance", type=int, default=7, help="days after the start a flag still finds it")
    options = parser.parse_args(argv)
    days = judged_days(options.weeks)
    now = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time()) + timedelta(hours=12)
    scores: dict[str, list[dict[str, tuple[float, float]]]] = {name: [] for name in DETECTORS}
    lenient: dict[str, list[tuple[float, float]]] = {name: [] for name in DETECTORS}
    load_per_day: dict[str, list[float]] = {name: [] for name in DETECTORS}
    measured: dict[str, list[float]] = {}
    sizes = []
    for seed in range(1, options.seeds + 1):
        injected = draw(build_world(PROVINCE, seed), seed, days[0], days[-1], options.per_seed)
        config = SimulatorConfig(
            province=PROVINCE,
            seed=seed,
            start=START,
            now=now,
            daily_volume=options.daily_volume,
            malformed_rate=0.0,
            anomalies=text_of(injected),
        )
        with tempfile.TemporaryDirectory(prefix="ioc-bench-anomalies-") as folder:
            began = time.perf_counter()
            url = load(Path(folder), config, days[-1] + timedelta(days=1))
            loaded = time.perf_counter() - began
            engine = make_engine(url)
            with engine.connect() as connection:
                found = {DETECTORS[0]: anomaly_flags(connection, days), DETECTORS[1]: fixed_flags(connection, days)}
                dossiers = connection.exec_driver_sql("SELECT count(*) FROM dossier").scalar()
            engine.dispose()
            if seed == 1:  # judging the last working day of the judged weeks: today is the day after it
                measured = timings(url, next(d for d in reversed(days) if is_working_day(d)) + timedelta(days=1))
        sizes.append(dossiers)
        print(f"seed {seed}: {dossiers:,} dossiers loaded in {loaded:.0f} s; injected {text_of(injected)}")
        for name in DETECTORS:
            scores[name].append(score(found[name], injected, options.tolerance))
            lenient[name].append(score(found[name], injected, options.tolerance, lenient=True)["all"])
            load_per_day[name].append(len(found[name]) / len(days))
    print()
    print(
        f"Anomaly benchmark: {options.seeds} seeds × {options.per_seed} injected anomalies, {options.weeks} weeks "
        f"judged ({days[0]:%d/%m/%Y}–{days[-1]:%d/%m/%Y}), {options.daily_volume:,} dossiers a working day "
        f"({min(sizes):,}–{max(sizes):,} dossiers); hit = right scope within {options.tolerance} days of the start"
    )
    print(f"  {'detector':<18}{'kind':<10}{'precision min / median / max':<32}recall min / median / max")
    for name in DETECTORS:
        for kind in (*KINDS, "all"):
            precision = spread(s[kind][0] for s in scores[name])
            recall = spread(s[kind][1] for s in scores[name])
            print(f"  {name:<18}{kind:<10}{precision:<32}{recall}")
        precision, recall = (spread(s[i] for s in lenient[name]) for i in (0, 1))
        print(f"  {name:<18}{'all+above':<10}{precision:<32}{recall}")
        print(f"  {name:<18}{'flags a judged day':<42}{spread(load_per_day[name])}")
    print("Time for one day, first seed's warehouse (s, min / median / max of 3, interleaved):")
    for label, values in measured.items():
        print(f"  {label:<24}{spread(values)}")


if __name__ == "__main__":
    main()
