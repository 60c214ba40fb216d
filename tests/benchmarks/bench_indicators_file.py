"""Indicator values from a dropped file: the ``file-drop`` collector against a raw insert of the same rows, interleaved,
on SQLite and PostgreSQL (issue 16, item 9).

    .venv/bin/python tests/benchmarks/bench_indicators_file.py [--values 1000000] [--page-rows 5000] [--repeat 3]
        [--quick]

One CSV in the long template is written first (``--values`` rows: four count indicators and one ratio, for the
province and each commune, day after day). Then ``--repeat`` pairs, each side into a fresh warehouse made by
``ioc init``'s own code (PostgreSQL when ``IOC_TEST_POSTGRES_URL`` names a server where databases may be created):

- **IOC**: a copy of the file in a ``file-drop`` collector's folder, and ``ioc.collecting.runner.run_collector``
  (in this process): reading and checking the file, parsing and validating every row against the registry and the
  units (``value_from_fields``), the sink's upsert by value key, a page and its cursor per transaction, the move to
  ``processed/``.
- **baseline**: the same file read with ``csv.reader``, each row mapped to the ``indicator_value`` columns with no
  check at all, and written ``--page-rows`` at a time, one transaction each: ``executemany`` on SQLite, psycopg 3's
  ``COPY … FROM STDIN`` on PostgreSQL.

After the first pair the two tables are compared (count and sums of value, numerator and denominator) and must agree.
Printed: each rate, min / median / max, the ratio IOC / baseline pair by pair and its median against the floor (≥ 0.5).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench_indicators import postgres_admin_url  # noqa: E402  (the same check of IOC_TEST_POSTGRES_URL)

from ioc.collecting.runner import run_collector  # noqa: E402
from ioc.collecting.store import add_collector  # noqa: E402
from ioc.config import Settings  # noqa: E402
from ioc.initialise import initialise  # noqa: E402
from ioc.units import official_units  # noqa: E402
from ioc.warehouse import schema  # noqa: E402
from ioc.warehouse.access import transaction  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402

POSTGRES_URL_VARIABLE = "IOC_TEST_POSTGRES_URL"
PROVINCE = "46"
COLLECTOR = "bench-files"
RATIO_FLOOR = 0.5
COUNTS = ("docs_outgoing", "meetings_held", "meeting_points", "cashless_transactions")
RATIO = "meetings_online"
HEADER = "indicator,unit,agency,period,value,numerator,denominator"
VALUE = schema.IndicatorValue.__table__
#: The columns the baseline writes, in this order.
COLUMNS = (
    "collector_id",
    "value_key",
    "indicator_code",
    "unit_code",
    "agency_code",
    "period_kind",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "no_data",
    "source_key",
    "loaded_at",
)


@dataclass(frozen=True)
class Sample:
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def write_report(path: Path, values: int) -> int:
    """The long-template CSV of ``values`` rows; the rows written."""
    units = [unit.code for unit in official_units(PROVINCE)]
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\n")
        for day in itertools.count():
            period = (date(2000, 1, 1) + timedelta(days=day)).isoformat()
            for unit in units:
                for code in (*COUNTS, RATIO):
                    if written == values:
                        return written
                    number = written * 7919 % 1000
                    if code == RATIO:
                        denominator = 10 + number % 90
                        handle.write(f"{code},{unit},,{period},,{number % denominator},{denominator}\n")
                    else:
                        handle.write(f"{code},{unit},,{period},{number},,\n")
                    written += 1
    return written


_numbers = itertools.count(1)


@contextmanager
def fresh_warehouse(engine_name: str, folder: Path, admin_url: str | None, page_rows: int) -> Iterator[str]:
    """A new warehouse with the ``bench-files`` collector watching a folder of its own; dropped after."""
    name = f"ioc_bench_files_{os.getpid()}_{next(_numbers)}"
    drop = folder / name
    if engine_name == "sqlite":
        url = f"sqlite:///{folder / f'{name}.db'}"
    else:
        assert admin_url is not None
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        initialise(Settings(data_dir=folder, database_url=url, province=PROVINCE))
        engine = make_engine(url)
        options = {
            "path": str(drop),
            "page_rows": page_rows,
            "max_rows": 20_000_000,
            "max_file_mb": 1024,
            "settle_seconds": 0,
        }
        with transaction(engine) as connection:
            add_collector(connection, COLLECTOR, "file-drop", None, options=options)
        engine.dispose()
        yield url
    finally:
        shutil.rmtree(drop, ignore_errors=True)
        if engine_name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{folder / name}.db{suffix}").unlink(missing_ok=True)
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ioc_side(url: str, report: Path) -> Sample:
    engine = make_engine(url)
    with engine.connect() as connection:
        options = connection.execute(select(schema.Collector.options).where(schema.Collector.name == COLLECTOR))
        target = Path(options.scalar_one()["path"])
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(report, target / report.name)
    os.utime(target / report.name, (0, 0))
    began = time.perf_counter()
    result = run_collector(engine, COLLECTOR, PROVINCE)
    seconds = time.perf_counter() - began
    engine.dispose()
    assert result.status == "succeeded", result.error
    assert result.progress.rejected == 0, "the benchmark's report has no bad row"
    return Sample(result.progress.inserted, seconds)


def _period(text: str) -> tuple[str, str, str]:
    return "day", text, text


def baseline_side(url: str, report: Path, page_rows: int) -> Sample:
    engine = make_engine(url)
    with engine.connect() as connection:
        collector = connection.execute(select(schema.Collector.id).where(schema.Collector.name == COLLECTOR))
        collector_id = collector.scalar_one()
    raw = engine.raw_connection()
    driver: Any = raw.driver_connection
    sqlite = isinstance(driver, sqlite3.Connection)
    names = ", ".join(COLUMNS)
    sql = (
        f"INSERT INTO indicator_value ({names}) VALUES ({', '.join('?' * len(COLUMNS))})"
        if sqlite
        else f"COPY indicator_value ({names}) FROM STDIN"
    )
    loaded_at = "2026-12-01 00:00:00.000000"
    written = 0

    def write(rows: list[tuple]) -> None:
        if sqlite:
            driver.execute("BEGIN")
            driver.executemany(sql, rows)
            driver.execute("COMMIT")
            return
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        driver.commit()

    began = time.perf_counter()
    with report.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        page: list[tuple] = []
        for number, (code, unit, agency, period, value, numerator, denominator) in enumerate(reader, start=2):
            kind, start, end = _period(period)
            page.append(
                (
                    collector_id,
                    f"{code}|{unit}|{agency}|{period}",
                    code,
                    unit,
                    agency,
                    kind,
                    start,
                    end,
                    float(value) if value else None,
                    float(numerator) if numerator else None,
                    float(denominator) if denominator else None,
                    False,
                    f"{report.name}#{number}",
                    loaded_at,
                )
            )
            if len(page) == page_rows:
                write(page)
                written += len(page)
                page = []
        if page:
            write(page)
            written += len(page)
    seconds = time.perf_counter() - began
    raw.close()
    engine.dispose()
    return Sample(written, seconds)


def totals(url: str) -> tuple:
    engine = make_engine(url)
    with engine.connect() as connection:
        sums = select(func.count(), func.sum(VALUE.c.value), func.sum(VALUE.c.numerator), func.sum(VALUE.c.denominator))
        found = tuple(connection.execute(sums).one())
    engine.dispose()
    return found


def _figures(values: list[float], unit: str, digits: int = 0) -> str:
    shown = [f"{value:,.{digits}f}" for value in (min(values), statistics.median(values), max(values))]
    return f"{' / '.join(shown)} {unit}".strip()


def bench_engine(
    engine_name: str, folder: Path, admin_url: str | None, report: Path, page_rows: int, repeat: int
) -> None:
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[engine_name]
    bulk = "executemany" if engine_name == "sqlite" else "COPY"
    print(f"\n{label}\n  file-drop `run_collector` against csv.reader + {bulk} of the same rows")
    mine_all, theirs_all = [], []
    for number in range(1, repeat + 1):
        with (
            fresh_warehouse(engine_name, folder, admin_url, page_rows) as ioc_url,
            fresh_warehouse(engine_name, folder, admin_url, page_rows) as baseline_url,
        ):
            mine = ioc_side(ioc_url, report)
            theirs = baseline_side(baseline_url, report, page_rows)
            if number == 1:
                same = totals(ioc_url) == totals(baseline_url)
                assert same, f"IOC {totals(ioc_url)} and the baseline {totals(baseline_url)} differ"
                print(f"    rows compared: {totals(ioc_url)[0]:,} values, the same count and sums in both")
        mine_all.append(mine)
        theirs_all.append(theirs)
        print(
            f"    pair {number}  IOC {mine.rate:>9,.0f}/s ({mine.rows:,} in {mine.seconds:,.1f} s)   baseline "
            f"{theirs.rate:>9,.0f}/s ({theirs.rows:,} in {theirs.seconds:,.1f} s)   ratio {mine.rate / theirs.rate:.2f}"
        )
    ratios = [m.rate / t.rate for m, t in zip(mine_all, theirs_all, strict=True)]
    verdict = "met" if statistics.median(ratios) >= RATIO_FLOOR else "NOT met"
    print(f"    IOC       min / median / max  {_figures([s.rate for s in mine_all], 'values/s')}")
    print(f"    baseline  min / median / max  {_figures([s.rate for s in theirs_all], 'values/s')}")
    pairs = " ".join(f"{ratio:.2f}" for ratio in ratios)
    print(
        f"    ratio IOC/baseline  pairs {pairs}  min / median / max {_figures(ratios, '', 2)}"
        f"  floor ≥ {RATIO_FLOOR} {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--values", type=int, default=1_000_000, help="rows in the file (default 1,000,000)")
    parser.add_argument("--page-rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="pairs per engine (default 3)")
    parser.add_argument("--quick", action="store_true", help="20,000 values, one pair per engine")
    args = parser.parse_args()
    values, repeat = (20_000, 1) if args.quick else (args.values, args.repeat)
    if values < 1 or repeat < 1 or not 1 <= args.page_rows <= 50_000:
        parser.error("--values and --repeat must be ≥ 1, --page-rows between 1 and 50,000")
    admin_url = postgres_admin_url()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ioc-bench-files-") as name:
        folder = Path(name)
        report = folder / "report.csv"
        written = write_report(report, values)
        versions = f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
        print(f"IOC file-drop benchmark on {os.cpu_count()} cores ({versions})")
        print(
            f"{written:,} values in one long-template CSV ({report.stat().st_size / 1e6:,.1f} MB), pages of "
            f"{args.page_rows:,}; {repeat} pair(s) per engine, IOC then baseline, each into a fresh warehouse"
        )
        for engine_name in ["sqlite"] + (["postgresql"] if admin_url else []):
            bench_engine(engine_name, folder, admin_url, report, args.page_rows, repeat)
    print(f"\nbenchmark took {time.perf_counter() - began:,.0f} s")


if __name__ == "__main__":
    main()
