"""A backfill moves the incremental cursor to the greatest update time it committed, so the next scheduled run
does not read the whole history again: real HTTP to the simulator on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import httpx
from sqlalchemy import select, update

from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.simulator import SimulatorConfig, running_simulator
from ioc.warehouse import schema

START = date(2025, 1, 1)
NOW = datetime(2025, 3, 1, 12, 0, 0)
COLLECTOR = schema.Collector.__table__
DOSSIER = schema.Dossier.__table__


def sim_config(**changes) -> SimulatorConfig:
    values = {"seed": 11, "start": START, "now": NOW, "daily_volume": 60, "malformed_rate": 0.03, **changes}
    return SimulatorConfig(**values)


def add(engine, url: str, **options) -> None:
    with engine.begin() as connection:
        add_collector(connection, "sim", "dossier-sync", f"{url}/api/hoso", options=options)


def cursor_of(engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(COLLECTOR.c.cursor).where(COLLECTOR.c.name == "sim")).scalar_one()


def greatest_update(engine) -> str:
    with engine.connect() as connection:
        latest = connection.execute(select(DOSSIER.c.source_updated_at).order_by(DOSSIER.c.source_updated_at.desc()))
        return latest.first()[0].strftime("%Y%m%d%H%M%S")


def test_after_a_backfill_of_many_pages_the_next_run_reads_at_most_one_page(warehouse):
    with running_simulator(sim_config()) as url:
        add(warehouse, url, page_size=100)
        backfill = run_collector(warehouse, "sim", "46", since=date(2025, 1, 1), until=date(2025, 3, 1))
        assert backfill.status == "succeeded", backfill.error
        assert backfill.progress.pages >= 20
        assert cursor_of(warehouse) is not None
        assert cursor_of(warehouse) >= greatest_update(warehouse)
        incremental = run_collector(warehouse, "sim", "46")
    assert incremental.status == "succeeded", incremental.error
    assert incremental.progress.pages <= 1
    assert (incremental.progress.inserted, incremental.progress.updated) == (0, 0)


def test_after_a_small_backfill_of_four_pages_the_next_run_reads_at_most_one_page(warehouse):
    with running_simulator(sim_config(daily_volume=8)) as url:
        add(warehouse, url, page_size=100)
        backfill = run_collector(warehouse, "sim", "46", since=date(2025, 1, 1), until=date(2025, 3, 1))
        assert (backfill.status, backfill.progress.pages) == ("succeeded", 4), backfill.error
        incremental = run_collector(warehouse, "sim", "46")
    assert incremental.status == "succeeded", incremental.error
    assert incremental.progress.pages <= 1


def test_the_run_after_a_backfill_still_collects_what_changed_since(warehouse):
    later = datetime(2025, 3, 8, 16, 0, 0)
    with running_simulator(sim_config()) as url:
        add(warehouse, url, page_size=250)
        run_collector(warehouse, "sim", "46", since=date(2025, 1, 1), until=date(2025, 3, 1))
        httpx.post(f"{url}/_sim/clock", json={"now": later.strftime("%Y%m%d%H%M%S")}).raise_for_status()
        incremental = run_collector(warehouse, "sim", "46")
        backfill_after = run_collector(warehouse, "sim", "46", since=date(2025, 1, 1), until=date(2025, 3, 8))
    assert incremental.status == "succeeded", incremental.error
    assert incremental.progress.inserted > 0 and incremental.progress.updated > 0
    assert (backfill_after.progress.inserted, backfill_after.progress.updated) == (0, 0), "nothing was missed"


def test_a_backfill_of_an_older_range_never_moves_the_cursor_back(warehouse):
    with running_simulator(sim_config()) as url:
        add(warehouse, url, page_size=500)
        assert run_collector(warehouse, "sim", "46").status == "succeeded"
        before = cursor_of(warehouse)
        old = run_collector(warehouse, "sim", "46", since=date(2025, 1, 1), until=date(2025, 1, 31))
    assert old.status == "succeeded", old.error
    assert cursor_of(warehouse) == before


def test_a_backfill_that_leaves_a_gap_after_the_cursor_does_not_move_it(warehouse):
    """Records updated between the cursor and the backfill's start have not been read: the next run must read them."""
    with running_simulator(sim_config()) as url:
        add(warehouse, url, page_size=500)
        with warehouse.begin() as connection:
            connection.execute(update(COLLECTOR).values(cursor="20250110000000"))
        later = run_collector(warehouse, "sim", "46", since=date(2025, 2, 1), until=date(2025, 3, 1))
    assert later.status == "succeeded", later.error
    assert cursor_of(warehouse) == "20250110000000"
