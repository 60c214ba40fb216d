"""Indicator-value load benchmark: IOC's indicator kinds against a raw insert of the same rows, SQLite and PostgreSQL.

    .venv/bin/python tests/benchmarks/bench_indicators.py [--values 1000000] [--page-size 5000] [--repeat 3] [--quick]

PostgreSQL is measured too when ``IOC_TEST_POSTGRES_URL`` names a server where databases may be created. Every
measurement writes into a fresh warehouse made by ``ioc init``'s own code (the real migrated schema), each with the
collector ``bench`` added by the loader being measured.

- **IOC loaders** (:data:`LOADERS`, a dict of named loaders; the files helper adds ``file``): ``rest-json`` is the
  real runner (``ioc.collecting.runner.run_collector``) with the real kind reading a loopback HTTP server of this
  process that serves the values in pages (JSON, page paging), mapped by JMESPath, parsed and checked by the indicator
  model, and loaded by the indicator sink one transaction a page.
- **Baselines** (:data:`BASELINES`): the same rows, built beforehand, written into ``indicator_value`` one transaction
  a page of the same size: ``executemany`` (both engines), and ``COPY … FROM STDIN`` on PostgreSQL.

Each IOC loader and each baseline runs ``--repeat`` times in turn (loader, baseline, loader, baseline, …). Printed:
each rate as min / median / max, and the ratio of each loader's median to each baseline's with its floor (≥ 0.5).
The values: count indicators × the province's 41 units × consecutive days, so every value has its own key.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import psycopg
from sqlalchemy import select
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from ioc.collecting.runner import run_collector  # noqa: E402
from ioc.collecting.store import add_collector  # noqa: E402
from ioc.config import Settings  # noqa: E402
from ioc.initialise import initialise  # noqa: E402
from ioc.units import official_units  # noqa: E402
from ioc.warehouse import schema  # noqa: E402
from ioc.warehouse.access import transaction  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402

PROVINCE = "46"
COLLECTOR = "bench"
POSTGRES_URL_VARIABLE = "IOC_TEST_POSTGRES_URL"
RATIO_FLOOR = 0.5
INDICATORS = ("docs_outgoing", "meetings_held", "meeting_points", "cashless_transactions", "feedback_received")
FIRST_DAY = date(1990, 1, 1)
COLUMNS = (
    "collector_id", "value_key", "indicator_code", "unit_code", "agency_code", "period_kind", "period_start",
    "period_end", "value", "no_data", "loaded_at",
)  # fmt: skip
REST_OPTIONS: dict[str, Any] = {
    "records": "items",
    "fields": {"indicator": "i", "unit": "u", "period": "p", "value": "v"},
}


@dataclass(frozen=True)
class Bench:
    """What every loader and baseline is given: the values' count and page size, and where they are served."""

    values: int
    page_size: int
    url: str
    units: tuple[str, ...]
    folder: Path

    def record(self, index: int) -> tuple[str, str, date, int]:
        """Value ``index``: (indicator, unit, day, value)."""
        per_day = len(INDICATORS) * len(self.units)
        indicator = INDICATORS[index % len(INDICATORS)]
        unit = self.units[(index // len(INDICATORS)) % len(self.units)]
        return indicator, unit, FIRST_DAY + timedelta(days=index // per_day), index % 997


@dataclass(frozen=True)
class Sample:
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


#: ``(bench, warehouse URL) -> Sample``: load ``bench.values`` values into the (fresh) warehouse and time it.
Loader = Callable[[Bench, str], Sample]


# --- the source: pages of values over loopback HTTP ---------------------------------------------------------------


def _page_body(bench: Bench, page: int, size: int) -> bytes:
    first = (page - 1) * size
    items = []
    for index in range(first, min(first + size, bench.values)):
        indicator, unit, day, value = bench.record(index)
        items.append({"i": indicator, "u": unit, "p": day.isoformat(), "v": value})
    return orjson.dumps({"items": items})


@contextmanager
def serving(bench_of: Callable[[str], Bench]) -> Iterator[Bench]:
    """A threaded HTTP server on 127.0.0.1 answering ``?page=N&page_size=M`` with the bench's values."""
    holder: list[Bench] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            params = dict(parse_qsl(urlsplit(self.path).query))
            body = _page_body(holder[0], int(params.get("page", 1)), int(params.get("page_size", 500)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder.append(bench_of(f"http://127.0.0.1:{server.server_address[1]}/values"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()


# --- IOC's loaders --------------------------------------------------------------------------------------------------


def rest_json(bench: Bench, url: str) -> Sample:
    """The real runner and ``rest-json`` kind, from the loopback server."""
    engine = make_engine(url)
    options = {**REST_OPTIONS, "paging": {"page_size": bench.page_size}, "max_records_per_page": bench.page_size}
    with transaction(engine) as connection:
        add_collector(connection, COLLECTOR, "rest-json", bench.url, options=options)
    started = time.perf_counter()
    result = run_collector(engine, COLLECTOR, PROVINCE)
    seconds = time.perf_counter() - started
    engine.dispose()
    if result.status != "succeeded" or result.progress.inserted != bench.values:
        raise SystemExit(f"rest-json run {result.status}: {result.error} ({result.progress.inserted:,} inserted)")
    return Sample(result.progress.inserted, seconds)


#: IOC's loaders by name. A loader adds its own collector ``bench`` to the fresh warehouse it is given.
LOADERS: dict[str, Loader] = {"rest-json": rest_json}


# --- baselines: a raw insert of the same rows -----------------------------------------------------------------------


def _bench_collector(engine: Any) -> int:
    """A collector row for the baseline's values (the same table, the same foreign key)."""
    with transaction(engine) as connection:
        add_collector(connection, COLLECTOR, "rest-json", "http://127.0.0.1:9/none", options=REST_OPTIONS)
        collector = schema.Collector.__table__
        return connection.execute(select(collector.c.id).where(collector.c.name == COLLECTOR)).scalar_one()


def _rows(bench: Bench, collector: int, sqlite: bool) -> list[list[tuple]]:
    """The rows IOC stores for the bench's values, in pages (dates as text for SQLite, as IOC writes them)."""
    loaded_at = datetime.now().replace(microsecond=0)
    pages: list[list[tuple]] = []
    for first in range(0, bench.values, bench.page_size):
        page = []
        for index in range(first, min(first + bench.page_size, bench.values)):
            indicator, unit, day, value = bench.record(index)
            start: Any = day.isoformat() if sqlite else day
            key = f"{indicator}|{unit}||{day.isoformat()}"
            stamp = loaded_at.isoformat(sep=" ") if sqlite else loaded_at
            page.append((collector, key, indicator, unit, "", "day", start, start, float(value), False, stamp))
        pages.append(page)
    return pages


def _raw_insert(bench: Bench, url: str, copy: bool) -> Sample:
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    pages = _rows(bench, _bench_collector(engine), sqlite)
    raw = engine.raw_connection()
    driver: Any = raw.driver_connection
    names = ", ".join(COLUMNS)
    marks = ", ".join(("?" if sqlite else "%s") for _ in COLUMNS)
    insert = f"INSERT INTO indicator_value ({names}) VALUES ({marks})"
    started = time.perf_counter()
    try:
        for page in pages:
            if sqlite:
                driver.execute("BEGIN")
                driver.executemany(insert, page)
                driver.execute("COMMIT")
            elif copy:
                with driver.cursor() as cursor, cursor.copy(f"COPY indicator_value ({names}) FROM STDIN") as out:
                    for row in page:
                        out.write_row(row)
                driver.commit()
            else:
                with driver.cursor() as cursor:
                    cursor.executemany(insert, page)
                driver.commit()
        seconds = time.perf_counter() - started
    finally:
        raw.close()
        engine.dispose()
    return Sample(bench.values, seconds)


def executemany(bench: Bench, url: str) -> Sample:
    return _raw_insert(bench, url, copy=False)


def copy(bench: Bench, url: str) -> Sample:
    return _raw_insert(bench, url, copy=True)


#: Baselines by name, and the engines they run on.
BASELINES: dict[str, tuple[Loader, tuple[str, ...]]] = {
    "executemany": (executemany, ("sqlite", "postgresql")),
    "COPY": (copy, ("postgresql",)),
}


# --- running --------------------------------------------------------------------------------------------------------

_numbers = itertools.count(1)


@contextmanager
def fresh_warehouse(engine_name: str, folder: Path, admin_url: str | None) -> Iterator[str]:
    """A new warehouse made by ``ioc init``'s code; removed after."""
    name = f"ioc_bench_ind_{os.getpid()}_{next(_numbers)}"
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
        yield url
    finally:
        if engine_name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _figures(values: list[float], digits: int = 0) -> str:
    return " / ".join(f"{value:,.{digits}f}" for value in (min(values), statistics.median(values), max(values)))


def bench_engine(engine_name: str, bench: Bench, admin_url: str | None, repeat: int) -> None:
    print(f"\n{ {'sqlite': 'SQLite', 'postgresql': 'PostgreSQL'}[engine_name] }")
    cases: dict[str, Loader] = dict(LOADERS)
    baselines = {name: loader for name, (loader, engines) in BASELINES.items() if engine_name in engines}
    cases.update({f"raw {name}": loader for name, loader in baselines.items()})
    samples: dict[str, list[Sample]] = {name: [] for name in cases}
    for number in range(1, repeat + 1):
        for name, loader in cases.items():
            with fresh_warehouse(engine_name, bench.folder, admin_url) as url:
                sample = loader(bench, url)
            samples[name].append(sample)
            print(
                f"    round {number}  {name:<16} {sample.rate:>9,.0f} values/s "
                f"({sample.rows:,} in {sample.seconds:,.1f} s)"
            )
    for name, taken in samples.items():
        print(f"  {name:<18} min / median / max  {_figures([s.rate for s in taken])} values/s")
    for loader_name in LOADERS:
        mine = statistics.median(s.rate for s in samples[loader_name])
        for baseline_name in baselines:
            ratio = mine / statistics.median(s.rate for s in samples[f"raw {baseline_name}"])
            verdict = "met" if ratio >= RATIO_FLOOR else "NOT met"
            print(f"  ratio {loader_name}/raw {baseline_name}  {ratio:.2f}  floor ≥ {RATIO_FLOOR} {verdict}")


def postgres_admin_url() -> str | None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--values", type=int, default=1_000_000, help="indicator values (default 1,000,000)")
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="20,000 values, one round")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.values, arguments.repeat = 20_000, 1
    admin_url = postgres_admin_url()
    units = tuple(unit.code for unit in official_units(PROVINCE))
    engines = ["sqlite"] + (["postgresql"] if admin_url else [])
    print(f"{arguments.values:,} indicator values, pages of {arguments.page_size:,}, {arguments.repeat} rounds")
    with tempfile.TemporaryDirectory(prefix="ioc-bench-indicators-") as folder:
        factory = lambda url: Bench(arguments.values, arguments.page_size, url, units, Path(folder))  # noqa: E731
        with serving(factory) as bench:
            for engine_name in engines:
                bench_engine(engine_name, bench, admin_url, arguments.repeat)


if __name__ == "__main__":
    main()
