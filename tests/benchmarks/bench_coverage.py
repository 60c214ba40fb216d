"""Coverage benchmark: the covered days of a year (``ioc.kpi.coverage``, which every comparison asks for) as the skip
scan the core runs, against the plain ``count(distinct day)`` read of every row, interleaved.

    .venv/bin/python tests/benchmarks/bench_coverage.py [--rows-per-day 840] [--days 730] [--repeats 3]
        [--database-url postgresql+psycopg://…]

Build: the daily aggregate ``ioc.kpi.coverage`` reads (``dossier_daily_agency``, the real table) in a fresh SQLite
file, or in the PostgreSQL database given (a scratch one: its table of that name is dropped and made again), with
``--rows-per-day`` rows a day (about what 40 communes and 30 provincial agencies × 3 channels × 4 applicant types give
a large province) from 2025-01-01, a fifth of them with nothing received.

Timed: the count over 2025 (caches are not emptied: the file is in the OS cache after the build), min / median / max
of ``--repeats`` runs of each, interleaved.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from ioc.kpi import coverage  # noqa: E402
from ioc.kpi.periods import Period  # noqa: E402
from ioc.warehouse import schema  # noqa: E402

TABLE = schema.DOSSIER_DAILY_AGENCY
YEAR = Period(date(2025, 1, 1), date(2026, 1, 1))


def build(url: str, rows_per_day: int, days: int) -> None:
    engine = create_engine(url)
    TABLE.drop(engine, checkfirst=True)
    TABLE.create(engine)
    rng = random.Random(7)
    with engine.begin() as connection:
        for offset in range(days):
            day = date(2025, 1, 1) + timedelta(days=offset)
            rows = [
                {
                    "day": day,
                    "unit_code": f"U{n % 70:03d}",
                    "agency_code": f"A{n:04d}",
                    "channel": n % 3 + 1,
                    "applicant_type": n % 4 + 1,
                    "received": 0 if rng.random() < 0.2 else rng.randint(1, 9),
                }
                for n in range(rows_per_day)
            ]
            connection.execute(insert(TABLE), rows)
    engine.dispose()


def timed(engine, query) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        started = time.perf_counter()
        value = connection.execute(query).scalar()
        return time.perf_counter() - started, int(value or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-per-day", type=int, default=840)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/coverage.db"
        started = time.perf_counter()
        build(url, args.rows_per_day, args.days)
        built = time.perf_counter() - started
        print(f"built {args.rows_per_day * args.days:,} rows in {built:.1f} s ({url.split(':')[0]})")
        plain = select(func.count(func.distinct(TABLE.c.day))).where(
            TABLE.c.day >= YEAR.start, TABLE.c.day < YEAR.end, TABLE.c.received > 0
        )
        skip = coverage._covered_days_query(YEAR)
        engine = create_engine(url)
        times: dict[str, list[float]] = {"skip scan": [], "count(distinct)": []}
        answers = set()
        for _ in range(args.repeats):
            for name, query in (("skip scan", skip), ("count(distinct)", plain)):
                seconds, days = timed(engine, query)
                times[name].append(seconds * 1000)
                answers.add(days)
        engine.dispose()
        assert len(answers) == 1, f"the two queries disagree: {answers}"
        print(f"covered days of 2025: {answers.pop()}")
        for name, values in times.items():
            low, middle, high = min(values), statistics.median(values), max(values)
            print(f"{name:>16}: min {low:7.1f} ms  median {middle:7.1f} ms  max {high:7.1f} ms")


if __name__ == "__main__":
    main()
