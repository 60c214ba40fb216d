"""Loader benchmark on PostgreSQL: the write path of pre-encoded pages, old against new, beside a raw ``COPY``.

    IOC_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:54329/postgres \\
        .venv/bin/python tests/benchmarks/bench_load_pg.py [--dossiers 300000] [--pages 4] [--rounds 3]

A fresh database (dropped at the end), ``ioc init`` (province 46). First a backfill of ``--dossiers`` new dossiers in
pages of 5,000, the pages taking turns between a raw binary ``COPY`` into ``dossier`` and the two paths: the old one
(keys looked up by ``IN`` lists of 900, rows written by ``executemany``: ``load.STAGED_DIALECTS`` emptied) and the new
one (the page copied into a staging table, the stored rows read by a join, the merge written set-based). Then
``--rounds`` rounds, each loading ``--pages`` pages of which half the keys are known (a newer state) and half new,
through the old path, the new path, and a raw ``COPY`` of as many new rows, in an order that rotates between rounds.
Pages are encoded before the clock starts; each is timed with its transaction's commit. Printed: dossiers/s (min /
median / max) and the ratios new / old and new / raw ``COPY``. The aggregates are switched off unless
``--aggregates`` is given (their counting is measured apart), so that the figures are those of the ``dossier`` path.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from ioc.collecting.store import add_collector  # noqa: E402
from ioc.records import RECORD_FIELDS, DossierRecord  # noqa: E402
from ioc.units import communes  # noqa: E402
from ioc.warehouse import aggregates, dialect, load  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402

PROVINCE = "46"
PAGE = 5000
NOW = datetime(2026, 1, 1, 2, 0)
START = datetime(2021, 1, 1, 7, 0)


class Dossiers:
    """Made-up dossiers with keys ``B000000001`` …; each state of a key is newer than the one before."""

    def __init__(self, seed: int = 2026, prefix: str = "B") -> None:
        self.prefix = prefix
        self.rng = random.Random(seed)
        self.units = [unit.code for unit in communes(PROVINCE)]
        self.next_key = 0
        self.version: dict[int, int] = {}

    def record(self, number: int) -> DossierRecord:
        rng = self.rng
        version = self.version[number] = self.version.get(number, 0) + 1
        received = START + timedelta(minutes=number * 3 % 2_600_000)
        due = received + timedelta(days=rng.choice((1, 3, 5, 10, 15)))
        finished = None if version == 1 and rng.random() < 0.3 else received + timedelta(hours=rng.randint(2, 400))
        procedure = rng.randrange(300)
        unit = self.units[number % len(self.units)]
        return DossierRecord(
            source_key=f"{self.prefix}{number:09d}",
            procedure_code=f"1.{procedure:06d}",
            procedure_name=f"Thủ tục {procedure}",
            field_code=f"F{procedure % 40}",
            field_name=f"Lĩnh vực {procedure % 40}",
            channel=rng.choice((1, 2, 3)),
            applicant_name="Nguyễn Văn An",
            applicant_type=rng.choice((1, 2, 3, 4)),
            agency_code=f"UBND-{unit}",
            unit_code=unit,
            received_at=received,
            due_at=due,
            status=4 if finished is None else rng.choice((9, 10)),
            finished_at=finished,
            returned_at=finished,
            paid_online=rng.choice((None, True, False)),
            digitised=rng.random() < 0.6,
            source_updated_at=received + timedelta(days=version),
        )

    def new(self, n: int) -> list[DossierRecord]:
        first, self.next_key = self.next_key, self.next_key + n
        return [self.record(number) for number in range(first, first + n)]

    def mixed(self, n: int) -> list[DossierRecord]:
        """Half of the keys known (each in a newer state), half new."""
        known = [self.record(number) for number in self.rng.sample(range(self.next_key), n // 2)]
        return known + self.new(n - n // 2)


def init_database(admin_url: str) -> str:
    admin = create_engine(make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"ioc_bench_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "IOC_DATA_DIR": folder, "IOC_DATABASE_URL": url, "IOC_PROVINCE": PROVINCE}
        result = subprocess.run([sys.executable, "-m", "ioc", "init"], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"ioc init failed: {result.stderr.strip()}")
    return url


def drop_database(admin_url: str, url: str) -> None:
    admin = create_engine(make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def timed_pages(engine, collector_id: int, pages: list[load.EncodedPage], staged: bool) -> float:  # type: ignore[no-untyped-def]
    """Seconds to load ``pages`` through the new path (``staged``) or the old one, a transaction each."""
    load.STAGED_DIALECTS = frozenset({"postgresql"}) if staged else frozenset()
    seconds = 0.0
    for page in pages:
        started = time.perf_counter()
        with engine.begin() as connection:
            load.load_encoded(connection, collector_id, None, page, NOW)
        seconds += time.perf_counter() - started
    load.STAGED_DIALECTS = frozenset({"postgresql"})
    return seconds


def raw_copy(engine, collector_id: int, pages: list[list[tuple]]) -> float:  # type: ignore[no-untyped-def]
    """Seconds to ``COPY`` rows straight into ``dossier`` (binary, as the loader copies; not counted: another
    collector's rows), a transaction a page."""
    columns = [*RECORD_FIELDS, "loaded_at", "counted", "collector_id"]
    types = dialect._copy_types(load.DOSSIER, tuple(columns))
    seconds = 0.0
    for rows in pages:
        started = time.perf_counter()
        with engine.begin() as connection:
            cursor = connection.connection.dbapi_connection.cursor()
            with cursor.copy(f"COPY dossier ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row((*row, NOW, False, collector_id))
        seconds += time.perf_counter() - started
    return seconds


def encoded(records: list[DossierRecord]) -> load.EncodedPage:
    return load.encode_page("postgresql", records, [])


def spread(rates: list[float]) -> str:
    return f"{min(rates):>9,.0f} {statistics.median(rates):>9,.0f} {max(rates):>9,.0f}"


LABELS = {
    "old": "old (IN lists, executemany)",
    "new": "new (COPY, join, merge)",
    "copy": "raw binary COPY to dossier",
}


def report(rates: dict[str, list[float]]) -> None:
    print(f"  {'':28} {'min':>9} {'median':>9} {'max':>9}")
    for name, label in LABELS.items():
        print(f"  {label:28} {spread(rates[name])}")
    median = {name: statistics.median(values) for name, values in rates.items()}
    print(f"  ratio new / old (medians): {median['new'] / median['old']:.2f}")
    print(f"  ratio new / raw COPY (medians): {median['new'] / median['copy']:.2f}")
    print(f"  ratio old / raw COPY (medians): {median['old'] / median['copy']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=300_000)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--aggregates", action="store_true", help="keep the aggregates (off: the dossier path alone)")
    args = parser.parse_args()
    if not args.aggregates:  # the write path of dossier alone; the aggregates are measured on their own
        aggregates.add_states = lambda _connection, _out_states, _in_states: None
    admin_url = os.environ.get("IOC_TEST_POSTGRES_URL")
    if not admin_url:
        raise SystemExit("IOC_TEST_POSTGRES_URL is not set (start a server: bash .ci/postgres.sh start)")
    url = init_database(admin_url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            collector_id = add_collector(connection, "bench", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
            raw_id = add_collector(connection, "raw", "dossier-sync", "http://127.0.0.1:9/api/raw").id
        dossiers, raw = Dossiers(), Dossiers(prefix="R")  # the raw rows' keys are keys of their own
        backfill: dict[str, list[float]] = {"old": [], "new": [], "copy": []}
        for index in range(args.dossiers // PAGE):
            name = ("old", "new", "copy")[index % 3]
            if name == "copy":
                seconds = raw_copy(engine, raw_id, [encoded(raw.new(PAGE)).rows])
            else:
                seconds = timed_pages(engine, collector_id, [encoded(dossiers.new(PAGE))], name == "new")
            backfill[name].append(PAGE / seconds)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        total = dossiers.next_key + raw.next_key
        print(f"backfill of {total:,} new dossiers in pages of {PAGE:,}, the three in turn (dossiers/s):")
        report(backfill)
        runs: dict[str, Callable[[], float]] = {
            "old": lambda: timed_pages(
                engine, collector_id, [encoded(dossiers.mixed(PAGE)) for _ in range(args.pages)], False
            ),
            "new": lambda: timed_pages(
                engine, collector_id, [encoded(dossiers.mixed(PAGE)) for _ in range(args.pages)], True
            ),
            "copy": lambda: raw_copy(engine, raw_id, [encoded(raw.new(PAGE)).rows for _ in range(args.pages)]),
        }
        rates: dict[str, list[float]] = {name: [] for name in runs}
        for round_ in range(args.rounds):
            names = list(runs)[round_ % 3 :] + list(runs)[: round_ % 3]
            for name in names:
                rates[name].append(args.pages * PAGE / runs[name]())
        with engine.connect() as connection:
            total = connection.execute(text("SELECT count(*) FROM dossier")).scalar_one()
        print(
            f"\n{args.rounds} rounds of {args.pages} pages of {PAGE:,}, half the keys known, {total:,} dossiers after:"
        )
        report(rates)
    finally:
        engine.dispose()
        drop_database(admin_url, url)


if __name__ == "__main__":
    main()
