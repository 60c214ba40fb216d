"""Data-health benchmark: :func:`ioc.health.health` on a warehouse with a short history against one with a long history
(old dossiers, runs and indicator values outside every window), the same recent data in both, on SQLite and, when
``IOC_TEST_POSTGRES_URL`` is set, on PostgreSQL. Its queries are bounded by their windows, so the two should cost
about the same.

    .venv/bin/python tests/benchmarks/bench_health.py [--old 200000] [--rounds 3] [--engines sqlite,postgresql]

Per engine, two warehouses (``ioc init``, province 46) each with a dossier collector and an indicator collector: the
last four weeks of dossiers in every commune and three months of monthly values, and in the long one ``--old``
dossiers received years ago, ``--old``/10 old runs and ``--old`` old monthly values. Then ``--rounds`` rounds, the two
warehouses interleaved (which goes first alternates); printed: min / median / max milliseconds of one ``health()``
call and the long history's median over the short one's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, make_url, select, text

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from ioc.collecting.store import add_collector  # noqa: E402
from ioc.config import load_settings  # noqa: E402
from ioc.health import health  # noqa: E402
from ioc.initialise import initialise  # noqa: E402
from ioc.warehouse import schema  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402

NOW = datetime(2026, 12, 2, 12, 0)
DOSSIER = schema.Dossier.__table__
RUN = schema.CollectorRun.__table__
VALUE = schema.IndicatorValue.__table__
UNIT = schema.Unit.__table__
BATCH = 20_000


def _insert(engine: Engine, table, rows) -> None:  # type: ignore[no-untyped-def]
    rows = list(rows)
    for start in range(0, len(rows), BATCH):
        with engine.begin() as connection:
            connection.execute(insert(table), rows[start : start + BATCH])


def _dossiers(collector: int, communes: list[str], received: list[datetime], prefix: str) -> list[dict]:
    return [
        {
            "collector_id": collector,
            "source_key": f"{prefix}-{n}",
            "unit_code": communes[n % len(communes)],
            "agency_code": f"UBND-{communes[n % len(communes)]}",
            "received_at": at,
            "status": 4,
            "source_updated_at": at,
            "loaded_at": at,
        }
        for n, at in enumerate(received)
    ]


def _values(collector: int, communes: list[str], months: list[date], prefix: str) -> list[dict]:
    rows = []
    for month in months:
        end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        for unit in communes:
            rows.append(
                {
                    "collector_id": collector,
                    "value_key": f"docs_outgoing|{unit}||{prefix}{month:%Y-%m}",
                    "indicator_code": "docs_outgoing",
                    "unit_code": unit,
                    "agency_code": "",
                    "period_kind": "month",
                    "period_start": month,
                    "period_end": end,
                    "value": 1.0,
                    "loaded_at": NOW,
                }
            )
    return rows


def build(url: str, old: int) -> Engine:
    os.environ["IOC_DATABASE_URL"] = url
    initialise(load_settings())
    engine = make_engine(url)
    with engine.begin() as connection:
        communes = list(connection.execute(select(UNIT.c.code).where(UNIT.c.level == "commune")).scalars())
        dossiers = add_collector(connection, "dossiers", "dossier-sync", "http://127.0.0.1:9/", every="1h").id
        reports = add_collector(connection, "reports", "dossier-sync", "http://127.0.0.1:9/", every="1d").id
    recent = [NOW - timedelta(minutes=17 * n) for n in range(len(communes) * 20)]  # about 4 weeks
    _insert(engine, DOSSIER, _dossiers(dossiers, communes, recent, "new"))
    months = [date(2026, month, 1) for month in (8, 9, 10, 11)]
    _insert(engine, VALUE, _values(reports, communes, months, ""))
    runs = [NOW - timedelta(hours=n) for n in range(1, 30)]
    if old:
        runs += [NOW - timedelta(days=60, hours=n) for n in range(old // 10)]
        _insert(
            engine,
            DOSSIER,
            _dossiers(dossiers, communes, [datetime(2021, 1, 1) + timedelta(minutes=3 * n) for n in range(old)], "old"),
        )
        old_months = [date(2019 - n // 12, 12 - n % 12, 1) for n in range(max(1, old // len(communes)))]
        _insert(engine, VALUE, _values(reports, communes, old_months, "old"))
    _insert(
        engine,
        RUN,
        (
            {
                "collector_id": collector,
                "mode": "incremental",
                "status": "succeeded",
                "started_at": at - timedelta(minutes=1),
                "finished_at": at,
                "inserted": 100,
                "rejected": 1,
            }
            for at in runs
            for collector in (dossiers, reports)
        ),
    )
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    return engine


def _timed(engine: Engine) -> float:
    with engine.connect() as connection:
        start = time.perf_counter()
        health(connection, NOW)
        return 1000 * (time.perf_counter() - start)


def _postgres_database(admin_url: str, name: str) -> str:
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    arguments = parser.parse_args()
    os.environ.setdefault("IOC_PROVINCE", "46")
    folder = Path(tempfile.mkdtemp(prefix="bench-health-"))
    os.environ["IOC_DATA_DIR"] = str(folder)
    for engine_name in arguments.engines.split(","):
        if engine_name == "postgresql" and not os.environ.get("IOC_TEST_POSTGRES_URL"):
            print("postgresql: IOC_TEST_POSTGRES_URL is not set, skipped")
            continue
        warehouses = {}
        for label, old in (("short", 0), ("long", arguments.old)):
            if engine_name == "sqlite":
                url = f"sqlite:///{folder / f'{label}.db'}"
            else:
                url = _postgres_database(os.environ["IOC_TEST_POSTGRES_URL"], f"bench_health_{label}")
            started = time.perf_counter()
            warehouses[label] = build(url, old)
            print(f"{engine_name} {label}: built in {time.perf_counter() - started:.1f} s (old rows {old:,})")
        for engine in warehouses.values():
            _timed(engine)  # warm the caches once
        times: dict[str, list[float]] = {label: [] for label in warehouses}
        for round_ in range(arguments.rounds):
            order = list(warehouses) if round_ % 2 == 0 else list(reversed(warehouses))
            for label in order:
                times[label].append(_timed(warehouses[label]))
        for label, measured in times.items():
            print(
                f"{engine_name} {label}: health() min {min(measured):.1f} / median {statistics.median(measured):.1f}"
                f" / max {max(measured):.1f} ms"
            )
        ratio = statistics.median(times["long"]) / statistics.median(times["short"])
        print(f"{engine_name}: long history / short history (medians) = {ratio:.2f}")
        for engine in warehouses.values():
            engine.dispose()


if __name__ == "__main__":
    main()
