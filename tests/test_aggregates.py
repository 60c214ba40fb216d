"""The loader keeps ``dossier_daily`` and ``dossier_monthly`` equal to a recount of ``dossier``, through inserts,
updates, stale states and re-runs, on both engines."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from ioc.collecting.store import add_collector
from ioc.dossiers.events import MEASURES, DossierState
from ioc.kpi.aggregate import daily_counts
from ioc.records import DossierRecord
from ioc.warehouse import aggregates, schema
from ioc.warehouse.load import load_page

NOW = datetime(2025, 6, 1, 12, 0)
UNITS = ("46", "19753", "19777")
STATUSES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)


def random_dossier(rng: random.Random, key: str, updated: datetime) -> DossierRecord:
    received = datetime(2025, 1, 1, 7) + timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 600))
    due = received + timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 9)) if rng.random() < 0.9 else None
    status = rng.choice(STATUSES)
    finished = received + timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
    return DossierRecord(
        source_key=key,
        procedure_code=rng.choice(["1.001234", "2.000123", None]),
        procedure_name=None,
        field_code=rng.choice(["HT", "DD", None]),
        field_name=None,
        channel=rng.choice([1, 2, 3, None]),
        applicant_name=None,
        applicant_type=rng.choice([1, 2, None]),
        agency_code=rng.choice(["UBND-19753", "SO-TP", None]),
        unit_code=rng.choice(UNITS),
        received_at=received if status != 1 or rng.random() < 0.5 else None,
        due_at=due,
        status=status,
        finished_at=finished if status in (7, 8, 9, 10) or rng.random() < 0.1 else None,
        returned_at=None,
        paid_online=rng.choice([True, False, None]),
        digitised=rng.random() < 0.5,
        source_updated_at=updated,
    )


def snapshot(connection) -> dict[str, dict[tuple, tuple]]:
    """Every aggregate's non-zero rows, by table name."""
    tables = {}
    for grain in aggregates.GRAINS:
        table = grain.table
        key_columns = [table.c[name] for name in grain.columns]
        rows = connection.execute(select(*key_columns, *(table.c[m] for m in MEASURES))).all()
        width = len(key_columns)
        tables[table.name] = {tuple(r[:width]): tuple(r[width:]) for r in rows if any(r[width:])}
    return tables


def nonzero(counts: dict) -> dict:
    return {day: {m: n for m, n in c.items() if n} for day, c in counts.items() if any(c.values())}


def stored_states(connection) -> list[DossierState]:
    d = schema.Dossier.__table__.c
    query = select(d.status, d.channel, d.received_at, d.due_at, d.finished_at, d.paid_online, d.digitised)
    return [DossierState(*row) for row in connection.execute(query)]


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_aggregates_equal_a_recount(warehouse, seed: int) -> None:
    rng = random.Random(seed)
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "test", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
    latest: dict[str, DossierRecord] = {}
    for page in range(6):
        updated = datetime(2025, 5, 1) + timedelta(hours=page)
        records = [random_dossier(rng, f"K{rng.randint(0, 299)}", updated) for _ in range(120)]
        stale = [replace(r, source_updated_at=datetime(2025, 1, 1), status=9) for r in list(latest.values())[:10]]
        with warehouse.begin() as connection:
            load_page(connection, collector_id, None, [*stale, *records], [], NOW)
            load_page(connection, collector_id, None, records, [], NOW)  # a re-run changes nothing
        latest.update((r.source_key, r) for r in records)

    with warehouse.begin() as connection:
        incremental = snapshot(connection)
        by_day = daily_counts(stored_states(connection))
        aggregates.rebuild(connection)
        rebuilt = snapshot(connection)

    assert incremental == rebuilt
    assert len(incremental["dossier_daily"]) > 100
    bucket_of = {"day": lambda d: d, "month": lambda d: d.replace(day=1), None: lambda d: None}
    for grain in aggregates.GRAINS:
        expected: dict[date | None, Counter] = {}
        for day, counts in by_day.items():
            expected.setdefault(bucket_of[grain.bucket](day), Counter()).update(counts)
        summed: dict[date | None, Counter] = {}
        for key, values in incremental[grain.table.name].items():
            bucket = key[0] if grain.bucket else None
            summed.setdefault(bucket, Counter()).update(dict(zip(MEASURES, values, strict=True)))
        assert nonzero(summed) == nonzero(expected), grain.table.name


def test_every_load_bumps_the_data_version(warehouse) -> None:
    rng = random.Random(3)
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "test", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        before, _ = aggregates.data_version(connection)
        records = [random_dossier(rng, f"K{i}", datetime(2025, 5, 1)) for i in range(5)]
        load_page(connection, collector_id, None, records, [], NOW)
        after_load, at = aggregates.data_version(connection)
        load_page(connection, collector_id, None, records, [], NOW)
        after_rerun, _ = aggregates.data_version(connection)
    assert after_load == before + 1 and at == NOW
    assert after_rerun == after_load  # nothing written, nothing to invalidate
