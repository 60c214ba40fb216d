"""Ingest benchmark: IOC against the database's own bulk path, interleaved in one run, on SQLite and PostgreSQL.

    .venv/bin/python tests/benchmarks/bench_ingest.py [--dossiers 300000] [--page-size 5000] [--repeat 3] [--quick]

PostgreSQL is measured too when ``IOC_TEST_POSTGRES_URL`` names a server where databases may be created (each
measurement gets a database of its own, made by ``ioc init``'s own code and dropped after it). Every measurement
writes into a fresh warehouse with the real migrated schema (same tables, same indexes, same settings). Two pairs, each
run ``--repeat`` times in turn (IOC, baseline, IOC, baseline, …):

- **end to end**: IOC is the real ``ioc collector run`` command in a child process, backfilling the window from the
  simulator (its own process) over loopback HTTP; its rate is the run's dossiers over the run's own time, its peak
  RSS and CPU the kernel's for that child (``wait4``). The baseline asks the same simulator for the same pages (same
  keyset paging on ``NgayCapNhat``, same page size, httpx and orjson as IOC) and writes each page's rows into
  ``dossier`` in one transaction: plain ``executemany`` on SQLite, psycopg 3's ``COPY … FROM STDIN`` on PostgreSQL.
  Its rows come from a minimal mapping of the source JSON (field by field, times as text), not from the collector's
  parser, so the baseline is HTTP and the database's bulk path with nothing else. The simulator serves no malformed
  records here, so both write every dossier served; after the first pair the two ``dossier`` tables are compared
  (every column the source gives, and ``counted``) and must be identical.
- **loader alone, no HTTP**: the pages are fetched and parsed once beforehand by the collector's own kind. IOC is
  ``ioc.warehouse.load.load_page`` (what the collector runs per page: reference rows, dossiers, aggregates) in one
  transaction per page; the baseline is ``executemany``/``COPY`` of the same rows, encoded beforehand.

Printed: each rate, min / median / max, the ratio IOC / baseline pair by pair and its median against the floor
(≥ 0.5 of the baseline, aim 0.8), and the collector's peak RSS against its floor (≤ 300 MB). On a machine shared
with other work the wall times vary with the load; the ratio of dossiers per CPU second of the client process
(the collector's with its process start, about 2 s; this process's for the baselines; neither the simulator's nor
the database server's) is printed too, as a steadier second reading.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from ioc.collecting.kind import Source  # noqa: E402
from ioc.collecting.registry import get_kind  # noqa: E402
from ioc.collecting.runner import parse_page  # noqa: E402
from ioc.collecting.store import add_collector  # noqa: E402
from ioc.config import Settings, now_local  # noqa: E402
from ioc.initialise import initialise  # noqa: E402
from ioc.records import RECORD_FIELDS, DossierRecord, Rejection  # noqa: E402
from ioc.simulator import SimulatorConfig, simulator_process  # noqa: E402
from ioc.units import draft_codes  # noqa: E402
from ioc.warehouse import schema  # noqa: E402
from ioc.warehouse.access import transaction  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402
from ioc.warehouse.load import load_page  # noqa: E402

POSTGRES_URL_VARIABLE = "IOC_TEST_POSTGRES_URL"
PROVINCE = "46"
COLLECTOR = "bench"
DAILY_VOLUME = 1500
#: Dossiers per calendar day relative to DAILY_VOLUME (weekends and holidays are quieter), for sizing the window.
DAYS_SHARE = 0.75
RATIO_FLOOR, RATIO_AIM, RSS_FLOOR_MB = 0.5, 0.8, 300
#: The columns the baselines write, in this order: the record's, then what the warehouse adds.
COLUMNS = (*RECORD_FIELDS, "loaded_at", "counted", "collector_id")
#: The source field of each of ``RECORD_FIELDS``, and whether it is a time (``yyyyMMddHHmmss``).
SOURCE_FIELDS = (
    ("MaHoSo", False), ("MaTTHC", False), ("MaLinhVuc", False), ("KenhThucHien", False), ("ChuHoSo", False),
    ("LoaiDoiTuong", False), ("MaCoQuan", False), ("MaDVHC", False), ("NgayTiepNhan", True), ("NgayHenTra", True),
    ("TrangThaiHoSo", False), ("NgayKetThucXuLy", True), ("NgayTra", True), ("ThanhToanTrucTuyen", False),
    ("SoHoa", False), ("NgayCapNhat", True),
)  # fmt: skip
ParsedPage = tuple[list[DossierRecord], list[Rejection]]


@dataclass(frozen=True)
class Sample:
    """One measurement: dossiers written, wall and CPU seconds (the collector's, or the benchmark's own process's),
    and for the collector its peak RSS."""

    rows: int
    seconds: float
    cpu: float
    peak_mb: float | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


class Clock:
    """Wall and CPU seconds (this process's) of the block it times."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


@dataclass(frozen=True)
class Window:
    """The backfill: the simulator's address and the days asked for."""

    url: str
    since: date
    until: date
    page_size: int

    @property
    def texts(self) -> tuple[str, str]:
        """The window as the source's ``yyyyMMddHHmmss`` bounds (``until`` included, as the collector asks)."""
        end = datetime.combine(self.until + timedelta(days=1), datetime.min.time())
        return f"{self.since:%Y%m%d}000000", f"{end:%Y%m%d%H%M%S}"


# warehouses ------------------------------------------------------------------------------------------------------


@contextmanager
def fresh_warehouse(engine_name: str, folder: Path, admin_url: str | None, window: Window) -> Iterator[str]:
    """A new warehouse (``ioc init``'s migrations, units and agencies) with the ``bench`` collector; dropped after."""
    number = next(_numbers)
    name = f"ioc_bench_{os.getpid()}_{number}"
    if engine_name == "sqlite":
        path = folder / f"{name}.db"
        url = f"sqlite:///{path}"
    else:
        assert admin_url is not None
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        initialise(Settings(data_dir=folder, database_url=url, province=PROVINCE))
        engine = make_engine(url)
        with transaction(engine) as connection:
            options = {"page_size": window.page_size}
            add_collector(connection, COLLECTOR, "dossier-sync", f"{window.url}/api/hoso", options=options)
        engine.dispose()
        yield url
    finally:
        if engine_name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_numbers = itertools.count(1)


def collector_id(engine: Engine) -> int:
    with transaction(engine) as connection:
        found = connection.execute(select(schema.Collector.id).where(schema.Collector.name == COLLECTOR)).scalar()
    assert found is not None
    return found


# IOC -------------------------------------------------------------------------------------------------------------


#: Runs the command it is given and prints its CPU seconds and peak RSS (KiB) as the kernel counts them (``wait4``).
#: The collector is started from this small process, not from the benchmark's: Linux counts in a child's peak RSS
#: the memory of the process it was forked from, and the benchmark holds the parsed pages of the loader pair.
LAUNCHER = """
import os, subprocess, sys
with open(sys.argv[1], "w") as errors:
    process = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=errors)
    _, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def ioc_collector_run(url: str, folder: Path, window: Window) -> Sample:
    """``ioc collector run bench --since … --until …`` as a child process: the run row's dossiers and time."""
    env = {**os.environ, "IOC_DATA_DIR": str(folder), "IOC_DATABASE_URL": url, "IOC_PROVINCE": PROVINCE}
    command = [sys.executable, "-m", "ioc", "collector", "run", COLLECTOR, "--quiet"]
    command += ["--since", window.since.isoformat(), "--until", window.until.isoformat()]
    errors = folder / "collector-errors.txt"
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(errors), *command], env=env, capture_output=True, text=True, check=False
    )
    if launched.returncode != 0:
        raise SystemExit(f"the collector's launcher failed: {launched.stderr.strip()}")
    exit_code, cpu, peak_kib = launched.stdout.split()
    if exit_code != "0":
        raise SystemExit(f"ioc collector run failed: {errors.read_text().strip()}")
    engine = make_engine(url)
    with transaction(engine) as connection:
        run = connection.execute(select(schema.CollectorRun.__table__).order_by(schema.CollectorRun.id.desc())).first()
    engine.dispose()
    assert run is not None
    if run.status != "succeeded":
        raise SystemExit(f"ioc collector run ended {run.status}: {run.error}")
    seconds = (run.finished_at - run.started_at).total_seconds()
    return Sample(run.inserted, seconds, float(cpu), int(peak_kib) / 1024)


def ioc_loader(url: str, pages: list[ParsedPage]) -> Sample:
    """``load_page`` of each parsed page in a transaction of its own, as the collector loads it."""
    engine = make_engine(url)
    collector = collector_id(engine)
    rows = 0
    with Clock() as clock:
        for records, rejections in pages:
            with transaction(engine) as connection:
                rows += load_page(connection, collector, None, records, rejections, now_local()).inserted
    engine.dispose()
    return Sample(rows, clock.wall, clock.cpu)


def parsed_pages(window: Window, unit_codes: frozenset[str]) -> list[ParsedPage]:
    """The window's pages fetched and parsed by the collector's own kind (untimed: the loader pair's input)."""
    kind_class = get_kind("dossier-sync")
    options = kind_class.Options.model_validate({"page_size": window.page_size})
    source = Source(
        name=COLLECTOR,
        url=f"{window.url}/api/hoso",
        auth="none",
        secrets={},
        options=options,
        province=PROVINCE,
        unit_codes=unit_codes,
        draft_codes=draft_codes(PROVINCE),
        now=now_local(),
    )
    kind = kind_class(source)
    since = datetime.combine(window.since, datetime.min.time())
    until = datetime.combine(window.until + timedelta(days=1), datetime.min.time())
    try:
        return [parse_page(kind, page.raw) for page in kind.fetch(None, since, until)]
    finally:
        kind.close()


# baselines -------------------------------------------------------------------------------------------------------


class BulkWriter:
    """One transaction per page of tuples in :data:`COLUMNS` order: ``executemany`` on SQLite, ``COPY`` on
    PostgreSQL, through the driver connection of IOC's own engine (so SQLite's pragmas are the warehouse's)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.collector = collector_id(self.engine)
        self.raw = self.engine.raw_connection()
        self.driver: Any = self.raw.driver_connection
        self.sqlite = isinstance(self.driver, sqlite3.Connection)
        names = ", ".join(COLUMNS)
        self.sql = (
            f"INSERT INTO dossier ({names}) VALUES ({', '.join('?' * len(COLUMNS))})"
            if self.sqlite
            else f"COPY dossier ({names}) FROM STDIN"
        )

    def write(self, rows: list[tuple]) -> None:
        if self.sqlite:
            self.driver.execute("BEGIN")
            self.driver.executemany(self.sql, rows)
            self.driver.execute("COMMIT")
            return
        with self.driver.cursor() as cursor, cursor.copy(self.sql) as copy:
            for row in rows:
                copy.write_row(row)
        self.driver.commit()

    def close(self) -> None:
        self.raw.close()
        self.engine.dispose()


def _source_time(text: str | None) -> str | None:
    """``yyyyMMddHHmmss`` as the warehouse's text of a time (what SQLite stores; PostgreSQL reads it too)."""
    if text is None:
        return None
    return f"{text[:4]}-{text[4:6]}-{text[6:8]} {text[8:10]}:{text[10:12]}:{text[12:14]}.000000"


def mapped_rows(raw_records: list[dict], loaded_at: str, collector: int) -> list[tuple]:
    """The minimal mapping of source records to :data:`COLUMNS`: each field as it comes, times as text, flags as
    booleans."""
    rows = []
    for raw in raw_records:
        values: list[Any] = [_source_time(raw[name]) if is_time else raw[name] for name, is_time in SOURCE_FIELDS]
        paid = values[13]
        values[13] = None if paid is None else paid == 1
        values[14] = values[14] == 1
        rows.append((*values, loaded_at, True, collector))
    return rows


def source_pages(client: httpx.Client, window: Window) -> Iterator[list[dict]]:
    """The window's records page by page, by the collector's keyset paging on ``NgayCapNhat`` (the records of the
    boundary second that a page serves again are skipped, as the collector skips them), and nothing else."""
    start, end = window.texts
    page, boundary = 1, set()
    while start < end:
        params = {"tu_ngay": start, "den_ngay": end, "trang": page, "so_ban_ghi": window.page_size}
        response = client.get(f"{window.url}/api/hoso", params=params)
        response.raise_for_status()
        records = orjson.loads(response.content)["du_lieu"]
        fresh = [raw for raw in records if raw["NgayCapNhat"] != start or raw["MaHoSo"] not in boundary]
        last = max((raw["NgayCapNhat"] for raw in records), default=start)
        if last > start:
            boundary = {raw["MaHoSo"] for raw in records if raw["NgayCapNhat"] == last}
            start, page = last, 1
        else:
            boundary |= {raw["MaHoSo"] for raw in records}
            page += 1
        yield fresh
        if len(records) < window.page_size:
            return


def baseline_http(url: str, window: Window) -> Sample:
    """HTTP from the simulator and the bulk write of each page's rows (minimal mapping) in one transaction."""
    writer = BulkWriter(url)
    loaded_at = _source_time(f"{now_local():%Y%m%d%H%M%S}")
    assert loaded_at is not None
    rows = 0
    with Clock() as clock, httpx.Client(timeout=60) as client:
        for records in source_pages(client, window):
            writer.write(mapped_rows(records, loaded_at, writer.collector))
            rows += len(records)
    writer.close()
    return Sample(rows, clock.wall, clock.cpu)


def encoded_rows(pages: list[ParsedPage], sqlite: bool, collector: int) -> list[list[tuple]]:
    """The parsed pages' rows as the driver takes them (times as SQLite's text there), encoded beforehand."""
    loaded_at = now_local()

    def encode(value: Any) -> Any:
        return value.isoformat(" ", "microseconds") if sqlite and isinstance(value, datetime) else value

    loaded = encode(loaded_at)
    return [[(*map(encode, record.values()), loaded, True, collector) for record in records] for records, _ in pages]


def baseline_loader(url: str, pages: list[ParsedPage]) -> Sample:
    """``executemany``/``COPY`` of the parsed pages' rows, encoded beforehand (untimed)."""
    writer = BulkWriter(url)
    encoded = encoded_rows(pages, writer.sqlite, writer.collector)
    with Clock() as clock:
        for rows in encoded:
            writer.write(rows)
    writer.close()
    return Sample(sum(map(len, encoded)), clock.wall, clock.cpu)


def same_rows(ioc_url: str, baseline_url: str) -> int:
    """How many ``dossier`` rows both warehouses hold, identical in every source column and ``counted``; exits
    naming the first difference."""
    columns = ", ".join((*RECORD_FIELDS, "counted"))
    query = f"SELECT {columns} FROM dossier ORDER BY source_key"
    engines = [make_engine(ioc_url), make_engine(baseline_url)]
    compared = 0
    with engines[0].connect() as ioc, engines[1].connect() as baseline:
        pairs = itertools.zip_longest(ioc.exec_driver_sql(query), baseline.exec_driver_sql(query))
        for compared, (mine, theirs) in enumerate(pairs, 1):
            if mine is None or theirs is None or tuple(mine) != tuple(theirs):
                raise SystemExit(f"the baseline's rows are not IOC's: row {compared} is {theirs} against {mine}")
    for engine in engines:
        engine.dispose()
    return compared


# running and printing --------------------------------------------------------------------------------------------


def _figures(values: list[float], unit: str, digits: int = 0) -> str:
    shown = [f"{value:,.{digits}f}" for value in (min(values), statistics.median(values), max(values))]
    return f"{' / '.join(shown)} {unit}"


def interleaved(
    title: str,
    repeat: int,
    fresh: Callable[[], Any],
    ioc_side: Callable[[str], Sample],
    baseline_side: Callable[[str], Sample],
    check: Callable[[str, str], int] | None = None,
) -> None:
    """``repeat`` pairs (IOC then baseline, each into a fresh warehouse), printed as they come and then summed up."""
    print(f"\n  {title}")
    ioc_samples, baseline_samples = [], []
    for number in range(1, repeat + 1):
        with fresh() as ioc_url, fresh() as baseline_url:
            mine, theirs = ioc_side(ioc_url), baseline_side(baseline_url)
            if check is not None and number == 1:
                print(f"    rows compared: {check(ioc_url, baseline_url):,} identical in IOC's and the baseline's")
        ioc_samples.append(mine)
        baseline_samples.append(theirs)
        peak = f", peak RSS {mine.peak_mb:,.0f} MB" if mine.peak_mb is not None else ""
        print(
            f"    pair {number}  IOC {mine.rate:>7,.0f}/s ({mine.rows:,} in {mine.seconds:,.1f} s, "
            f"CPU {mine.cpu:,.1f} s{peak})   baseline {theirs.rate:>7,.0f}/s ({theirs.rows:,} in "
            f"{theirs.seconds:,.1f} s, CPU {theirs.cpu:,.1f} s)   ratio {mine.rate / theirs.rate:.2f}"
        )
    ratios = [mine.rate / theirs.rate for mine, theirs in zip(ioc_samples, baseline_samples, strict=True)]
    median = statistics.median(ratios)
    verdict = "met" if median >= RATIO_FLOOR else "NOT met"
    print(f"    IOC       min / median / max  {_figures([s.rate for s in ioc_samples], 'dossiers/s')}")
    print(f"    baseline  min / median / max  {_figures([s.rate for s in baseline_samples], 'dossiers/s')}")
    pairs = " ".join(f"{ratio:.2f}" for ratio in ratios)
    print(
        f"    ratio IOC/baseline  pairs {pairs}  min / median / max {_figures(ratios, '', 2).strip()}"
        f"  floor ≥ {RATIO_FLOOR} {verdict} (aim {RATIO_AIM})"
    )
    per_cpu = [(m.rows * t.cpu) / (t.rows * m.cpu or 1e-9) for m, t in zip(ioc_samples, baseline_samples, strict=True)]
    print(f"    dossiers per CPU second, IOC/baseline (the client's CPU only)  {_figures(per_cpu, '', 2).strip()}")
    peaks = [s.peak_mb for s in ioc_samples if s.peak_mb is not None]
    if peaks:
        verdict = "met" if max(peaks) <= RSS_FLOOR_MB else "NOT met"
        print(f"    collector peak RSS  {_figures(peaks, 'MB')}  floor ≤ {RSS_FLOOR_MB} MB {verdict}")


def bench_engine(
    engine_name: str, folder: Path, admin_url: str | None, window: Window, pages: list[ParsedPage], repeat: int
) -> None:
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[engine_name]
    bulk = "executemany" if engine_name == "sqlite" else "COPY"
    print(f"\n{label}")

    def fresh() -> Any:
        return fresh_warehouse(engine_name, folder, admin_url, window)

    interleaved(
        f"end to end: `ioc collector run` against HTTP + {bulk}",
        repeat,
        fresh,
        lambda url: ioc_collector_run(url, folder, window),
        lambda url: baseline_http(url, window),
        same_rows,
    )
    interleaved(
        f"loader alone, no HTTP: load_page against {bulk} of the same encoded rows",
        repeat,
        fresh,
        lambda url: ioc_loader(url, pages),
        lambda url: baseline_loader(url, pages),
    )


def postgres_admin_url() -> str | None:
    """``IOC_TEST_POSTGRES_URL`` as psycopg takes it, checked to answer; None when unset."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        return None
    url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(url, connect_timeout=10) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        raise SystemExit(f"{POSTGRES_URL_VARIABLE} is set but the server does not answer: {error}") from None
    return url


def server_version(admin_url: str) -> str:
    with psycopg.connect(admin_url) as connection:
        return str(connection.execute("SHOW server_version").fetchone()[0]).split()[0]  # type: ignore[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=300_000, help="about this many dossiers (default 300,000)")
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="pairs per comparison (default 3)")
    parser.add_argument("--quick", action="store_true", help="20,000 dossiers, one pair per comparison")
    args = parser.parse_args()
    dossiers, repeat = (20_000, 1) if args.quick else (args.dossiers, args.repeat)
    if dossiers < 1 or repeat < 1 or not 1 <= args.page_size <= 5000:
        parser.error("--dossiers and --repeat must be ≥ 1, --page-size between 1 and 5000")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the simulator stops and databases go
    admin_url = postgres_admin_url()
    began = time.perf_counter()

    since = date(2023, 1, 1)
    until = since + timedelta(days=max(1, round(dossiers / (DAILY_VOLUME * DAYS_SHARE))))
    now = datetime.combine(until + timedelta(days=1), datetime.min.time())
    config = SimulatorConfig(seed=2026, start=since, now=now, daily_volume=DAILY_VOLUME, malformed_rate=0.0)
    engines = ["sqlite"] + (["postgresql"] if admin_url else [])
    with tempfile.TemporaryDirectory(prefix="ioc-bench-") as name, simulator_process(config) as url:
        folder = Path(name)
        window = Window(url, since, until, args.page_size)
        with fresh_warehouse("sqlite", folder, None, window) as units_url:
            engine = make_engine(units_url)
            with transaction(engine) as connection:
                unit_codes = frozenset(connection.execute(select(schema.Unit.code)).scalars())
            engine.dispose()
        pages = parsed_pages(window, unit_codes)  # also warms the simulator, before anything is timed
        served = sum(len(records) + len(rejections) for records, rejections in pages)
        versions = f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
        versions += f", PostgreSQL {server_version(admin_url)}" if admin_url else ", PostgreSQL not set"
        print(f"IOC ingest benchmark on {os.cpu_count()} cores ({versions})")
        print(
            f"{served:,} dossiers served from {since:%d/%m/%Y} to {until:%d/%m/%Y}, {len(pages)} pages of "
            f"{args.page_size:,}; {repeat} pair(s) per comparison, IOC then baseline, each into a fresh warehouse"
        )
        for engine_name in engines:
            bench_engine(engine_name, folder, admin_url, window, pages, repeat)
    print(f"\nbenchmark took {time.perf_counter() - began:,.0f} s")


if __name__ == "__main__":
    main()
