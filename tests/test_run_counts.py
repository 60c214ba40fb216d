"""What a run row says it read: every record the source sent (unchanged ones too), and the source's total only when
it was the count of the run's own window; over real HTTP on loopback, into SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime

from hostile_source import Reply, hostile_source, keyset_page, record

from helpers import run_ioc
from ioc.collecting.runner import run_collector
from ioc.collecting.status import latest_run
from ioc.collecting.store import add_collector
from ioc.simulator import Simulator, SimulatorConfig, running_simulator

SIMULATED = SimulatorConfig(
    seed=11, start=date(2025, 1, 1), now=datetime(2025, 3, 1, 12), daily_volume=30, malformed_rate=0.03
)


def add(engine, url: str, **options) -> None:
    with engine.begin() as connection:
        add_collector(connection, "sim", "dossier-sync", url, "none", None, options=options)


def test_a_backfill_over_loaded_records_counts_them_unchanged_and_reads_its_whole_window(warehouse, warehouse_env):
    window = Simulator(SIMULATED).truth(datetime(2025, 2, 1), datetime(2025, 2, 11))
    with running_simulator(SIMULATED) as url:
        add(warehouse, f"{url}/api/hoso", page_size=100)
        assert run_collector(warehouse, "sim", "46").status == "succeeded"
        result = run_collector(warehouse, "sim", "46", since=date(2025, 2, 1), until=date(2025, 2, 10))
    assert result.status == "succeeded", result.error
    with warehouse.connect() as connection:
        run = latest_run(connection, "sim")
    assert run is not None and run.id == result.run_id
    assert (run.inserted, run.updated) == (0, 0)
    assert run.unchanged == window.valid, "every valid record of the window was already loaded as it is"
    assert run.rejected == sum(window.malformed.values())
    assert run.handled == run.total == window.total, "the run read all of its window, as the source counted it"
    shown = run_ioc("collector", "show", "sim", env=warehouse_env)
    assert shown.returncode == 0, shown.stderr
    latest = json.loads(shown.stdout)["recent_runs"][0]
    assert (latest["unchanged"], latest["records"], latest["total"]) == (window.valid, window.total, window.total)


def test_a_total_that_is_not_the_windows_count_is_left_out_once_the_run_has_read_its_window(warehouse):
    january = [record(f"J{i:03}", f"202501{1 + i % 28:02}080000") for i in range(40)]
    february = [record(f"F{i:03}", f"202502{1 + i % 28:02}080000") for i in range(25)]
    everything = january + february

    def source_wide_total(params: dict[str, str]) -> Reply:
        body = keyset_page(everything, params)
        return Reply({**body, "tong_so_ban_ghi": len(everything)})  # the source's count, whatever the window

    with hostile_source(source_wide_total) as source:
        add(warehouse, source.url, page_size=10)
        result = run_collector(warehouse, "sim", "46", since=date(2025, 2, 1), until=date(2025, 2, 28))
    assert result.status == "succeeded", result.error
    with warehouse.connect() as connection:
        run = latest_run(connection, "sim")
    assert run is not None and (run.inserted, run.handled) == (25, 25)
    assert run.total is None, "65 was the source's count, not February's: no fraction of it is shown"
