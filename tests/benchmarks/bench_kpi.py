"""KPI query benchmark: dashboard-style ``kpi_rows`` queries over a warehouse of 10 million dossiers in SQLite.

    .venv/bin/python tests/benchmarks/bench_kpi.py [--dossiers 10000000] [--db PATH] [--keep]

Build: ``ioc init`` (province 46) in a child process, then N dossiers over 2021-01-01 .. 2025-12-31 generated per
month with numpy and written straight into ``dossier`` with ``executemany`` in batches of 100,000, then the
aggregates recounted by ``ioc.warehouse.aggregates.rebuild``. The build runs in a spawned process, so the peak RSS
reported for the query phase is that of the queries alone. With ``--keep`` an existing ``--db`` file holding at
least N dossiers is reused; without it the file is built afresh and deleted at the end.

Queries: 20 filter × period × breakdown sets a dashboard issues, "today" being 2025-12-20.
Cold: each run on a fresh SQLite connection after ``engine.dispose()``, so SQLite's page cache is empty; the OS file
cache is warm after the first pass (this measures SQLite's work, not the disk). Only the ``kpi_rows`` call is timed.
Cached: ``cached_kpi_rows``, answers kept in-process per (query, data version); every call still reads the data
version, and that full path is timed.
Targets on the 2-core machine: cold p95 ≤ 100 ms, cached p95 ≤ 10 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Engine, func, select, text

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from ioc.collecting.store import add_collector  # noqa: E402
from ioc.kpi.periods import Period  # noqa: E402
from ioc.kpi.query import Filters, cached_kpi_rows, kpi_rows  # noqa: E402
from ioc.records import RECORD_FIELDS  # noqa: E402
from ioc.units import communes  # noqa: E402
from ioc.warehouse import aggregates, schema  # noqa: E402
from ioc.warehouse.dialect import encode_rows, insert_rows  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402

PROVINCE = "46"
FIRST_MONTH = date(2021, 1, 1)
MONTHS = 60  # 2021-01 .. 2025-12
DATA_END = np.datetime64("2026-01-01T00:00:00", "s")
TODAY = date(2025, 12, 20)
BATCH = 100_000
COLD_REPEATS = 5
CACHED_REPEATS = 20
DOSSIER = schema.Dossier.__table__
#: Each generated dossier is a key of its own, so its row is the one counted (``dossier.counted``).
COLUMNS = [*RECORD_FIELDS, "loaded_at", "collector_id", "counted"]
DATETIME_COLUMNS = ("received_at", "due_at", "finished_at", "returned_at", "source_updated_at")
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Công ty TNHH Huế Xanh")
#: Status mix of dossiers received (finishes past the data's end become pending 4).
STATUSES = np.array([1, 3, 4, 5, 7, 8, 9, 10])
STATUS_SHARES = np.array([0.01, 0.01, 0.03, 0.01, 0.02, 0.01, 0.31, 0.60])


# ---------------------------------------------------------------- build


class Shapes:
    """Units, agencies, procedures and fields a dossier is drawn from, read from the initialised warehouse."""

    def __init__(self, connection: Connection, rng: np.random.Generator) -> None:
        self.communes = [unit.code for unit in communes(PROVINCE)]
        agencies = connection.execute(text("SELECT code, level, unit_code FROM agency ORDER BY code")).all()
        self.province_agencies = [code for code, level, _ in agencies if level == "province"]
        by_unit = {unit: code for code, level, unit in agencies if level == "commune"}
        self.commune_agency = [by_unit.get(unit) for unit in self.communes]
        procedures = connection.execute(text("SELECT code, field_code, level FROM procedure ORDER BY code")).all()
        if not procedures:
            procedures = synthetic_procedures(connection)
        commune_level = [row for row in procedures if row[2] == "commune"] or procedures[int(len(procedures) * 0.7) :]
        province_level = [row for row in procedures if row not in commune_level] or procedures
        self.province_procedures = [code for code, _, _ in province_level]
        self.province_fields = [field for _, field, _ in province_level]
        self.commune_procedures = [code for code, _, _ in commune_level]
        self.commune_fields = [field for _, field, _ in commune_level]
        fields = sorted({field for field in self.province_fields if field})
        # Each provincial field is handled by one department.
        self.field_agency = {
            field: self.province_agencies[i % len(self.province_agencies)] for i, field in enumerate(fields)
        }
        self.commune_weights = skewed(rng, len(self.communes), 0.8)
        self.province_weights = skewed(rng, len(self.province_procedures), 1.1)
        self.commune_procedure_weights = skewed(rng, len(self.commune_procedures), 1.1)


def skewed(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    """Lognormal shares summing to 1: a few big, many small."""
    weights = rng.lognormal(0.0, sigma, n)
    return weights / weights.sum()


def synthetic_procedures(connection: Connection) -> list[tuple[str, str, str]]:
    """260 procedures over 30 fields (20 provincial, 10 communal), also written to ``procedure``."""
    rows = []
    for i in range(260):
        field = i * 30 // 260
        level = "commune" if field >= 20 else "province"
        rows.append((f"1.{100000 + i * 37:06d}.000.00.00.H57", f"G{field + 1:02d}", level))
    connection.execute(
        schema.Procedure.__table__.insert(),
        [
            {"code": code, "name": f"Thủ tục {code}", "field_code": field, "field_name": f"Lĩnh vực {field}"}
            | {"level": level}
            for code, field, level in rows
        ],
    )
    return rows


def sqlite_times(values: np.ndarray) -> list[str | None]:
    """datetime64[s] values as SQLAlchemy's SQLite DATETIME text (``2025-03-01 08:00:00.000000``); NaT → None."""
    raw = np.datetime_as_string(values, unit="s").astype("S19").view(np.uint8).reshape(-1, 19)
    out = np.empty((len(values), 26), np.uint8)
    out[:, :19] = raw
    out[:, 10] = ord(" ")
    out[:, 19:] = np.frombuffer(b".000000", np.uint8)
    strings = out.view("S26").ravel().astype("U26").astype(object)
    strings[np.isnat(values)] = None
    return strings.tolist()


def month_start(index: int) -> date:
    month = FIRST_MONTH.month - 1 + index
    return date(FIRST_MONTH.year + month // 12, month % 12 + 1, 1)


def month_sizes(total: int) -> list[int]:
    """Dossiers per month: by working days, growing ~8 % a year, summing to ``total``."""
    weights = []
    for index in range(MONTHS):
        first, after = month_start(index), month_start(index + 1)
        workdays = int(np.busday_count(first, after))
        weights.append(workdays * (1 + 0.08 * index / 12))
    shares = np.array(weights) / sum(weights)
    sizes = np.floor(shares * total).astype(int)
    sizes[-1] += total - sizes.sum()
    return sizes.tolist()


def month_rows(
    rng: np.random.Generator, shapes: Shapes, index: int, n: int, first_key: int, fixed: tuple[str, int]
) -> list[tuple]:
    """``n`` dossiers received in month ``index``, as encoded ``COLUMNS`` tuples sorted by reception."""
    first, after = month_start(index), month_start(index + 1)
    days = np.arange(np.datetime64(first), np.datetime64(after))
    days = days[np.is_busday(days)]
    morning = rng.random(n) < 0.6
    seconds = np.where(morning, 27000 + rng.integers(0, 14400, n), 48600 + rng.integers(0, 12600, n))
    received = np.sort(rng.choice(days, n).astype("datetime64[s]") + seconds.astype("timedelta64[s]"))
    due = received.astype("datetime64[D]").astype("datetime64[s]")
    due = due + (rng.integers(1, 21, n) * 86400 + 17 * 3600).astype("timedelta64[s]")

    status = rng.choice(STATUSES, n, p=STATUS_SHARES)
    resolved = np.isin(status, (9, 10))
    span = (due - received).astype(np.int64)
    on_time = received + (span * rng.uniform(0.05, 1.0, n)).astype("timedelta64[s]")
    late = due + rng.integers(3600, 10 * 86400, n).astype("timedelta64[s]")
    finished = np.where(rng.random(n) < 0.9, on_time, late)
    beyond = resolved & (finished >= DATA_END)
    status[beyond] = 4
    resolved &= ~beyond
    finished = np.where(resolved, finished, np.datetime64("NaT", "s"))
    returned = finished + rng.integers(0, 2 * 86400, n).astype("timedelta64[s]")
    returned = np.where((status == 10) & (returned < DATA_END), returned, np.datetime64("NaT", "s"))
    updated = np.where(np.isnat(returned), np.where(np.isnat(finished), received, finished), returned)

    province_level = rng.random(n) < 0.25
    commune_index = rng.choice(len(shapes.communes), n, p=shapes.commune_weights)
    units = np.where(province_level, PROVINCE, np.array(shapes.communes, dtype=object)[commune_index])
    province_proc = rng.choice(len(shapes.province_procedures), n, p=shapes.province_weights)
    commune_proc = rng.choice(len(shapes.commune_procedures), n, p=shapes.commune_procedure_weights)
    procedures = np.where(
        province_level,
        np.array(shapes.province_procedures, dtype=object)[province_proc],
        np.array(shapes.commune_procedures, dtype=object)[commune_proc],
    )
    fields = np.where(
        province_level,
        np.array(shapes.province_fields, dtype=object)[province_proc],
        np.array(shapes.commune_fields, dtype=object)[commune_proc],
    )
    province_agency = np.array(
        [shapes.field_agency.get(f, shapes.province_agencies[0]) for f in shapes.province_fields]
    )
    agencies = np.where(
        province_level,
        province_agency.astype(object)[province_proc],
        np.array(shapes.commune_agency, dtype=object)[commune_index],
    )
    channel = rng.choice(np.array([1, 2, 3]), n, p=[0.32, 0.6, 0.08])
    applicant = rng.choice(np.array([1, 2, 3]), n, p=[0.82, 0.15, 0.03])
    paid = rng.choice(np.array([None, True, False], dtype=object), n, p=[0.5, 0.3, 0.2])
    digitised = rng.random(n) < 0.7
    names = np.array(NAMES, dtype=object)[rng.integers(0, len(NAMES), n)]
    keys = [f"HS{first_key + i:09d}" for i in range(n)]
    loaded_at, collector = fixed
    return list(
        zip(
            keys,
            procedures.tolist(),
            fields.tolist(),
            channel.tolist(),
            names.tolist(),
            applicant.tolist(),
            agencies.tolist(),
            units.tolist(),
            sqlite_times(received),
            sqlite_times(due),
            status.tolist(),
            sqlite_times(finished),
            sqlite_times(returned),
            paid.tolist(),
            digitised.tolist(),
            sqlite_times(updated),
            [loaded_at] * n,
            [collector] * n,
            [True] * n,
            strict=True,
        )
    )


def check_encoding(rows: list[tuple]) -> None:
    """The vectorised text must be what ``encode_rows`` makes of the same datetimes."""
    positions = [COLUMNS.index(name) for name in (*DATETIME_COLUMNS, "loaded_at")]
    for row in rows[:200]:
        decoded = [datetime.fromisoformat(v) if i in positions and v is not None else v for i, v in enumerate(row)]
        assert encode_rows("sqlite", DOSSIER, COLUMNS, [tuple(decoded)])[0] == row, row


def count(connection: Connection, table: str) -> int:
    return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def build(url: str, total: int, results: multiprocessing.Queue) -> None:
    """Fill ``dossier`` and rebuild the aggregates (runs in a spawned process); put timings on ``results``."""
    rng = np.random.default_rng(2026)
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.connection.dbapi_connection.execute("PRAGMA synchronous=OFF")
        with connection.begin():
            collector = add_collector(connection, "bench", "dossier-sync", "http://127.0.0.1:9/api/hoso")
            shapes = Shapes(connection, rng)
        fixed = encode_rows("sqlite", DOSSIER, ["loaded_at", "collector_id"], [(datetime(2026, 1, 1, 2), collector.id)])
        written = 0
        for index, n in enumerate(month_sizes(total)):
            rows = month_rows(rng, shapes, index, n, written, fixed[0])
            if index == 0:
                check_encoding(rows)
            for start in range(0, len(rows), BATCH):
                with connection.begin():
                    insert_rows(connection, DOSSIER, COLUMNS, rows[start : start + BATCH])
            written += n
        loaded = time.perf_counter()
        with connection.begin():
            aggregates.rebuild(connection)
        connection.connection.dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put((loaded - started, time.perf_counter() - loaded, usage.ru_maxrss))


def ioc_init(folder: str, url: str) -> None:
    env = {**os.environ, "IOC_DATA_DIR": folder, "IOC_DATABASE_URL": url, "IOC_PROVINCE": PROVINCE}
    result = subprocess.run([sys.executable, "-m", "ioc", "init"], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"ioc init failed: {result.stderr.strip()}")


def existing_dossiers(path: Path) -> int:
    if not path.exists():
        return 0
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return count(connection, "dossier") if count(connection, "dossier_monthly") else 0
    except Exception:  # not a warehouse: build afresh
        return 0
    finally:
        engine.dispose()


# ---------------------------------------------------------------- queries


def dashboard_queries() -> list[tuple[str, Period, str | None, Filters]]:
    """20 typical dashboard requests around TODAY."""
    month = Period.containing(TODAY, "month")
    last_month = month.previous()
    quarter = Period.containing(TODAY, "quarter")
    year = Period.containing(TODAY, "year")
    tomorrow = TODAY + timedelta(days=1)
    last_12 = Period(tomorrow.replace(year=tomorrow.year - 1), tomorrow)
    months_12 = Period(date(2025, 1, 1), date(2026, 1, 1))
    days_10 = Period(date(2025, 12, 5), date(2025, 12, 15))
    days_45 = Period(date(2025, 10, 20), date(2025, 12, 4))
    commune, agency, field, procedure = "19753", "STP", "G03", "1.100000.000.00.00.H57"
    return [
        ("this month", month, None, Filters()),
        ("last month", last_month, None, Filters()),
        ("this quarter", quarter, None, Filters()),
        ("this year", year, None, Filters()),
        ("last 12 months (to today)", last_12, None, Filters()),
        ("10 days", days_10, None, Filters()),
        ("45 days across months", days_45, None, Filters()),
        ("this year by unit", year, "unit", Filters()),
        ("this quarter by agency", quarter, "agency", Filters()),
        ("this month by field", month, "field", Filters()),
        ("12 months by month", months_12, "month", Filters()),
        ("this year by channel", year, "channel", Filters()),
        ("this quarter by procedure", quarter, "procedure", Filters()),
        ("this month, one commune", month, None, Filters(unit=commune)),
        ("this quarter, one agency", quarter, None, Filters(agency=agency)),
        ("this year, one field", year, None, Filters(field=field)),
        ("last month, one procedure", last_month, None, Filters(procedure=procedure)),
        ("this month, online", month, None, Filters(channel=2)),
        ("12 months, businesses", last_12, None, Filters(applicant_type=2)),
        ("45 days, commune online by field", days_45, "field", Filters(unit=commune, channel=2)),
    ]


def pick_codes(engine: Engine) -> dict[str, str]:
    """A busy commune, agency, field and procedure of the built data, for the filtered queries."""
    monthly = schema.DOSSIER_MONTHLY
    picks = {}
    with engine.connect() as connection:
        for name, column in (("unit", "unit_code"), ("agency", "agency_code"), ("field", "field_code")):
            col = monthly.c[column]
            where = [col != PROVINCE] if name == "unit" else []
            stmt = select(col).where(*where).group_by(col).order_by(func.sum(monthly.c.received).desc()).limit(1)
            picks[name] = connection.execute(stmt).scalar_one()
        stmt = select(monthly.c.procedure_code).group_by(monthly.c.procedure_code)
        stmt = stmt.order_by(func.sum(monthly.c.received).desc()).offset(3).limit(1)
        picks["procedure"] = connection.execute(stmt).scalar_one()
    return picks


def with_codes(filters: Filters, codes: dict[str, str]) -> Filters:
    return Filters(
        unit=filters.unit and codes["unit"],
        agency=filters.agency and codes["agency"],
        field=filters.field and codes["field"],
        procedure=filters.procedure and codes["procedure"],
        channel=filters.channel,
        applicant_type=filters.applicant_type,
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(url: str) -> None:
    engine = make_engine(url)
    codes = pick_codes(engine)
    queries = [(name, period, by, with_codes(filters, codes)) for name, period, by, filters in dashboard_queries()]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cold: dict[str, list[float]] = {name: [] for name, *_ in queries}
    rows: dict[str, int] = {}
    for _ in range(COLD_REPEATS):
        for name, period, by, filters in queries:
            engine.dispose()
            with engine.connect() as connection:
                started = time.perf_counter()
                result = kpi_rows(connection, period, by, filters)
                cold[name].append((time.perf_counter() - started) * 1000)
            rows[name] = len(result)
    warm: list[float] = []
    engine.dispose()
    with engine.connect() as connection:
        for _, period, by, filters in queries:
            cached_kpi_rows(connection, period, by, filters)
        for _ in range(CACHED_REPEATS):
            for _, period, by, filters in queries:
                started = time.perf_counter()
                cached_kpi_rows(connection, period, by, filters)
                warm.append((time.perf_counter() - started) * 1000)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    heaviest = max(queries, key=lambda q: statistics.median(cold[q[0]]))
    engine.dispose()
    with engine.connect() as connection:
        tracemalloc.start()
        kpi_rows(connection, *heaviest[1:])
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    engine.dispose()

    print()
    print(f"{'query':<36} {'rows':>6} {'cold p50':>10} {'cold max':>10}")
    for name, *_ in queries:
        print(f"{name:<36} {rows[name]:>6} {statistics.median(cold[name]):>7,.1f} ms {max(cold[name]):>7,.1f} ms")
    every = [t for times in cold.values() for t in times]
    print()
    print(f"filters used           unit {codes['unit']}, agency {codes['agency']}, field {codes['field']}, "
          f"procedure {codes['procedure']}")  # fmt: skip
    print(f"cold p50               {percentile(every, 0.5):>10,.1f} ms")
    print(f"cold p95               {percentile(every, 0.95):>10,.1f} ms   target ≤ 100 ms")
    print(f"cached p50             {percentile(warm, 0.5):>10,.3f} ms")
    print(f"cached p95             {percentile(warm, 0.95):>10,.3f} ms   target ≤ 10 ms")
    print(f"peak RSS (queries)     {peak_kib / 1024:>10,.0f} MB   (before the queries {rss_before / 1024:,.0f} MB)")
    print(
        f"tracemalloc peak       {traced_peak / 1024 / 1024:>10,.1f} MB   one cold '{heaviest[0]}' (Python heap only)"
    )


# ---------------------------------------------------------------- main


def spawned(target: Callable, *args: object) -> tuple:
    """``target(*args, results)`` in a spawned process (so its memory is not the caller's): what it put on results."""
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    process = context.Process(target=target, args=(*args, results))
    process.start()
    while True:
        try:
            outcome = results.get(timeout=2)
            break
        except queue.Empty:
            if not process.is_alive():
                raise SystemExit(f"{target.__name__} failed (exit code {process.exitcode})") from None
    process.join()
    return outcome


def build_in_spawned_process(url: str, dossiers: int) -> tuple[float, float, int]:
    """:func:`build` in a spawned process: insert and rebuild seconds, peak KiB."""
    return spawned(build, url, dossiers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=10_000_000)
    parser.add_argument("--db", type=Path, help="SQLite file of the warehouse (default: in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the file and reuse it when it has enough dossiers")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ioc-bench-kpi-") as folder:
        path = (args.db or Path(folder) / "ioc.db").resolve()
        url = f"sqlite:///{path}"
        if args.keep and existing_dossiers(path) >= args.dossiers:
            print(f"reusing {path}")
        else:
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            ioc_init(folder, url)
            load_s, rebuild_s, build_kib = build_in_spawned_process(url, args.dossiers)
            print(f"dossier insert         {load_s:>10,.1f} s   ({args.dossiers / load_s:,.0f} dossiers/s)")
            print(f"aggregates rebuild     {rebuild_s:>10,.1f} s")
            print(f"build time             {load_s + rebuild_s:>10,.1f} s   (build process peak RSS "
                  f"{build_kib / 1024:,.0f} MB)")  # fmt: skip
        engine = make_engine(url)
        with engine.connect() as connection:
            tables = ["dossier", *(grain.table.name for grain in aggregates.GRAINS)]
            counts = {table: count(connection, table) for table in tables}
        engine.dispose()
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.name != path.name + "-shm")
        for table, rows in counts.items():
            print(f"{table + ' rows':<22} {rows:>10,}")
        print(f"database size          {size / 1024 / 1024:>10,.0f} MB")
        measure(url)
        if args.db and not args.keep:
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
