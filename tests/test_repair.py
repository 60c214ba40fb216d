"""``ioc warehouse check`` finds every aggregate cell that differs from a recount of ``dossier`` and ``ioc warehouse
rebuild`` repairs it in place, month by month, on both engines."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, select, update
from test_aggregates import NOW, random_dossier, snapshot

from helpers import run_ioc
from ioc.collecting.store import add_collector
from ioc.dossiers.events import MEASURES
from ioc.warehouse import aggregates, recount, schema
from ioc.warehouse.load import load_page


def load_random(engine, seed: int = 5, pages: int = 4) -> None:
    """Pages of random dossiers (updates and stale replays among them), as the loader keeps them."""
    rng = random.Random(seed)
    with engine.begin() as connection:
        collector_id = add_collector(connection, "test", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
    for page in range(pages):
        updated = datetime(2025, 5, 1) + timedelta(hours=page)
        records = [random_dossier(rng, f"K{rng.randint(0, 199)}", updated) for _ in range(100)]
        with engine.begin() as connection:
            load_page(connection, collector_id, None, records, [], NOW)


def primary_key(table) -> list[str]:
    return [column.name for column in table.primary_key]


def corrupt(engine) -> dict[str, object]:
    """One wrong cell, one missing row and one extra row (in a month without any dossier); what was changed."""
    daily, monthly, field = schema.DOSSIER_DAILY, schema.DOSSIER_MONTHLY_AGENCY, schema.DOSSIER_DAILY_FIELD
    with engine.begin() as connection:
        wrong = connection.execute(select(daily).where(daily.c.received > 0).limit(1)).mappings().one()
        connection.execute(
            update(daily)
            .where(*(daily.c[k] == wrong[k] for k in primary_key(daily)))
            .values(received=daily.c.received + 7)
        )
        missing = connection.execute(select(monthly).where(monthly.c.resolved > 0).limit(1)).mappings().one()
        connection.execute(delete(monthly).where(*(monthly.c[k] == missing[k] for k in primary_key(monthly))))
        stray = dict.fromkeys(MEASURES, 0) | {"pending_in": 3}
        connection.execute(insert(field).values(day=date(2031, 7, 4), unit_code="46", field_code="HT", **stray))
    return {"wrong": wrong, "missing": missing}


def test_check_is_clean_on_a_warehouse_the_loader_kept(warehouse):
    load_random(warehouse)
    report = recount.check(warehouse)
    assert report.clean
    assert report.months >= 4
    assert (report.cells, report.missing_rows, report.extra_rows) == (0, 0, 0)


def test_check_finds_a_wrong_cell_a_missing_row_and_an_extra_row(warehouse):
    load_random(warehouse)
    changed = corrupt(warehouse)
    report = recount.check(warehouse)
    assert not report.clean
    by_table = {(d.table, d.measure): d for d in report.differences}
    wrong = by_table[("dossier_daily", "received")]
    assert (wrong.stored, wrong.recounted) == (changed["wrong"]["received"] + 7, changed["wrong"]["received"])
    assert wrong.key[0] == changed["wrong"]["day"]
    gone = by_table[("dossier_monthly_agency", "resolved")]
    assert (gone.stored, gone.recounted) == (0, changed["missing"]["resolved"])
    extra = by_table[("dossier_daily_field", "pending_in")]
    assert (extra.stored, extra.recounted, extra.key) == (3, 0, (date(2031, 7, 4), "46", "HT"))
    assert (report.missing_rows, report.extra_rows) == (1, 1)
    assert report.by_table == {
        "dossier_daily": 1,
        "dossier_monthly_agency": sum(1 for m in MEASURES if changed["missing"][m]),
        "dossier_daily_field": 1,
    }
    assert report.cells == sum(report.by_table.values())


def test_the_span_of_months_per_pass_changes_nothing_found(warehouse):
    load_random(warehouse)
    corrupt(warehouse)
    found = {size: recount.check(warehouse, span_months=size) for size in (1, 2, 7, 100)}
    summaries = {(r.cells, r.missing_rows, r.extra_rows, tuple(sorted(r.by_table.items()))) for r in found.values()}
    assert len(summaries) == 1
    assert {r.months for r in found.values()} == {found[1].months}
    recount.rebuild(warehouse, span_months=2)
    assert recount.check(warehouse, span_months=1).clean


def test_the_list_of_differences_is_capped_but_the_totals_are_not(warehouse):
    load_random(warehouse)
    with warehouse.begin() as connection:
        connection.execute(
            update(schema.DOSSIER_DAILY_AGENCY).values(received=schema.DOSSIER_DAILY_AGENCY.c.received + 1)
        )
        rows = len(connection.execute(select(schema.DOSSIER_DAILY_AGENCY.c.day)).all())
    report = recount.check(warehouse, limit=5)
    assert len(report.differences) == 5
    assert report.cells == report.by_table["dossier_daily_agency"] == rows


def test_rebuild_repairs_in_place_and_bumps_the_data_version(warehouse):
    load_random(warehouse)
    with warehouse.connect() as connection:
        kept = snapshot(connection)
        version, _ = aggregates.data_version(connection)
    corrupt(warehouse)
    months: list[date] = []
    totals: set[int] = set()
    result = recount.rebuild(warehouse, on_month=lambda month, total: (months.append(month), totals.add(total)))
    assert months[0] is None and totals == {result.months}
    months = months[1:]
    assert result.months == len(months) >= 5  # the stray month in 2031 is visited, and emptied
    assert date(2031, 7, 1) in months
    with warehouse.connect() as connection:
        assert snapshot(connection) == kept
        assert aggregates.data_version(connection)[0] > version
        stray = schema.DOSSIER_DAILY_FIELD
        assert not connection.execute(select(stray).where(stray.c.day == date(2031, 7, 4))).all()
    assert recount.check(warehouse).clean


def test_the_migrations_rebuild_equals_the_loaders_counts(warehouse):
    load_random(warehouse, seed=9)
    with warehouse.begin() as connection:
        kept = snapshot(connection)
        aggregates.rebuild(connection)
        assert snapshot(connection) == kept
        for grain in aggregates.GRAINS:
            connection.execute(delete(grain.table))
        aggregates.rebuild(connection, only=["dossier_daily_field", "dossier_monthly_field"])
        rebuilt = snapshot(connection)
    assert rebuilt["dossier_daily_field"] == kept["dossier_daily_field"]
    assert rebuilt["dossier_monthly_field"] == kept["dossier_monthly_field"]
    assert rebuilt["dossier_daily"] == {}


def test_the_commands_report_exit_and_repair(warehouse, warehouse_env):
    load_random(warehouse)
    clean = run_ioc("warehouse", "check", env=warehouse_env)
    assert (clean.returncode, clean.stderr) == (0, "")
    assert "clean" in clean.stdout
    corrupt(warehouse)
    found = run_ioc("warehouse", "check", "--format", "json", env=warehouse_env)
    assert found.returncode == 1, found.stderr
    answer = json.loads(found.stdout)
    assert answer["clean"] is False
    assert {d["table"] for d in answer["differences"]} == {
        "dossier_daily",
        "dossier_monthly_agency",
        "dossier_daily_field",
    }
    table = run_ioc("warehouse", "check", env=warehouse_env)
    assert table.returncode == 1
    assert "dossier_monthly_agency" in table.stdout and "missing" in table.stdout
    repaired = run_ioc("warehouse", "rebuild", env=warehouse_env)
    assert repaired.returncode == 0, repaired.stderr
    assert "rebuilt" in repaired.stdout
    again = run_ioc("warehouse", "check", env=warehouse_env)
    assert (again.returncode, again.stderr) == (0, "")


def test_recounts_are_set_based_in_sql_never_a_python_tally(warehouse, monkeypatch):
    """check, rebuild and the migrations' rebuild (with and without ``dossier.counted``) count in SQL: the Python
    tally of the loader's old days is the reference of the tests only."""
    load_random(warehouse)
    with warehouse.connect() as connection:
        kept = snapshot(connection)
    corrupt(warehouse)

    def tally(*_args, **_kwargs):
        raise AssertionError("a recount tallied dossiers in Python")

    monkeypatch.setattr(aggregates, "tally", tally)
    monkeypatch.setattr(recount, "tally", tally, raising=False)
    assert not recount.check(warehouse).clean
    recount.rebuild(warehouse)
    assert recount.check(warehouse).clean
    with warehouse.begin() as connection:
        aggregates.rebuild(connection)
        assert snapshot(connection) == kept
        aggregates._rebuild_every_row(connection, aggregates.GRAINS)  # before 0007: every row (one collector here)
        assert snapshot(connection) == kept
