"""Overlapping and removed collectors (issue 14, items 1 and 2): a dossier is counted once, by its ``MaHoSo``, in the
newest version any collector brought; removing a collector with its data leaves the figures as if it had never been
added. On SQLite and PostgreSQL, with collectors talking real HTTP to the simulator on loopback."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from test_aggregates import snapshot
from test_loader import dossier as loader_dossier

from helpers import run_ioc
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector, remove_collector
from ioc.kpi.periods import Period
from ioc.kpi.query import Filters, kpi_rows
from ioc.records import DossierRecord
from ioc.simulator import Simulator, SimulatorConfig, running_simulator
from ioc.warehouse import aggregates, schema
from ioc.warehouse.load import load_page

START = date(2025, 1, 1)
NOW = datetime(2025, 2, 1, 12, 0)
WINDOW = (datetime(2025, 1, 1), datetime(2025, 2, 2))
PERIOD = Period(date(2025, 1, 1), date(2025, 4, 1))
DOSSIER = schema.Dossier.__table__
AUDIT = schema.AuditLog.__table__


def sim_config(**changes) -> SimulatorConfig:
    values = {"seed": 21, "start": START, "now": NOW, "daily_volume": 40, "malformed_rate": 0.02, **changes}
    return SimulatorConfig(**values)


def add(engine, url: str, name: str) -> int:
    with engine.begin() as connection:
        return add_collector(connection, name, "dossier-sync", f"{url}/api/hoso", options={"page_size": 150}).id


def backfill(engine, name: str, since: date = START, until: date = date(2025, 2, 1)) -> None:
    result = run_collector(engine, name, "46", since=since, until=until)
    assert result.status == "succeeded", result.error


def figures(engine) -> dict:
    """Every aggregate's non-zero rows and the KPIs ``ioc kpi`` prints, overall and by unit and agency."""
    with engine.connect() as connection:
        kpis = {by: kpi_rows(connection, PERIOD, by, Filters()) for by in (None, "unit", "agency")}
        return {"aggregates": snapshot(connection), "kpis": kpis}


def assert_aggregates_equal_a_recount(engine) -> None:
    with engine.connect() as connection:
        kept = snapshot(connection)
        aggregates.rebuild(connection)
        recounted = snapshot(connection)
        connection.rollback()
    assert kept == recounted


def counted_keys(engine) -> dict[str, int]:
    """Each counted source key and the collector whose row is counted."""
    with engine.connect() as connection:
        rows = connection.execute(select(DOSSIER.c.source_key, DOSSIER.c.collector_id).where(DOSSIER.c.counted))
        return dict(rows.all())


def version(engine) -> int:
    with engine.connect() as connection:
        return aggregates.data_version(connection)[0]


def kpi_json(env: dict[str, str]) -> list[dict]:
    result = run_ioc("kpi", "--from", "2025-01-01", "--to", "2025-03-31", "--by", "unit", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_purging_a_collector_leaves_the_figures_as_if_it_had_never_been_added(warehouse, warehouse_env):
    later_config = sim_config(seed=22, start=date(2025, 2, 3), now=datetime(2025, 2, 20))
    with running_simulator(sim_config()) as first, running_simulator(later_config) as later:
        add(warehouse, first, "first")
        backfill(warehouse, "first")
        before, before_kpi = figures(warehouse), kpi_json(warehouse_env)
        add(warehouse, later, "second")
        backfill(warehouse, "second", date(2025, 2, 3), date(2025, 2, 20))
    assert figures(warehouse) != before  # the second collector brought dossiers of its own
    loaded = version(warehouse)

    with warehouse.begin() as connection:
        removed = remove_collector(connection, "second", purge=True).removed

    assert removed > 0
    assert_aggregates_equal_a_recount(warehouse)
    assert figures(warehouse) == before
    assert kpi_json(warehouse_env) == before_kpi
    assert version(warehouse) > loaded


@pytest.mark.parametrize("removed", ["first", "second"])
def test_two_collectors_on_one_source_count_each_dossier_once(warehouse, removed):
    config = sim_config()
    truth = Simulator(config).truth(*WINDOW)
    with running_simulator(config) as url:
        first = add(warehouse, url, "first")
        backfill(warehouse, "first")
        alone = figures(warehouse)
        second = add(warehouse, url, "second")
        backfill(warehouse, "second")
    with warehouse.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(DOSSIER)).scalar_one()
    assert rows == 2 * truth.valid  # each collector keeps its own version
    assert figures(warehouse) == alone
    assert_aggregates_equal_a_recount(warehouse)
    assert len(counted_keys(warehouse)) == truth.valid

    with warehouse.begin() as connection:
        remove_collector(connection, removed, purge=True)

    kept = second if removed == "first" else first
    assert figures(warehouse) == alone
    assert_aggregates_equal_a_recount(warehouse)
    assert set(counted_keys(warehouse).values()) == {kept}
    assert len(counted_keys(warehouse)) == truth.valid


def dossier(key: str, updated: datetime, status: int, unit: str = "19753") -> DossierRecord:
    """The loader tests' dossier, received on 6 January, finished two days later once handled."""
    received = datetime(2025, 1, 6, 8)
    finished = received + timedelta(days=2) if status in (7, 8, 9, 10) else None
    due = received + timedelta(days=5)
    return loader_dossier(key, status, updated, unit_code=unit, received_at=received, due_at=due, finished_at=finished)


def two_collectors(engine) -> tuple[int, int]:
    with engine.begin() as connection:
        a = add_collector(connection, "a", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        b = add_collector(connection, "b", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
    return a, b


def load(engine, collector_id: int, *records: DossierRecord) -> None:
    with engine.begin() as connection:
        load_page(connection, collector_id, None, list(records), [], NOW)


def only(*records: DossierRecord) -> dict:
    """The aggregates (as :func:`snapshot` reads them) of a warehouse holding just ``records``."""
    counts = aggregates.new_counts()
    aggregates.tally([aggregates.state_of(record) for record in records], 1, counts)
    return {
        grain.table.name: {
            ((bucket,) if grain.bucket else ()) + values: tuple(measures)
            for (bucket, values), measures in table_counts.items()
            if any(measures)
        }
        for grain, table_counts in counts.items()
    }


def aggregates_now(engine) -> dict:
    with engine.connect() as connection:
        return snapshot(connection)


def test_the_newest_version_is_counted_whichever_collector_brought_it(warehouse):
    a, b = two_collectors(warehouse)
    t1, t2, t3 = datetime(2025, 1, 10), datetime(2025, 1, 12), datetime(2025, 1, 14)
    load(warehouse, a, dossier("K1", t2, 2), dossier("K2", t2, 2))
    expected = only(dossier("K1", t2, 2), dossier("K2", t2, 2))
    assert aggregates_now(warehouse) == expected

    load(warehouse, b, dossier("K1", t1, 9))  # stale: A's newer version stays counted
    load(warehouse, b, dossier("K2", t2, 9))  # a tie: the row already counted stays counted
    assert counted_keys(warehouse) == {"K1": a, "K2": a}
    assert aggregates_now(warehouse) == expected

    load(warehouse, b, dossier("K1", t3, 9))  # newer: B's version takes over
    assert counted_keys(warehouse) == {"K1": b, "K2": a}
    assert aggregates_now(warehouse) == only(dossier("K1", t3, 9), dossier("K2", t2, 2))
    assert_aggregates_equal_a_recount(warehouse)

    load(warehouse, b, dossier("K2", t2, 9))  # a replay of the tie changes nothing
    assert counted_keys(warehouse) == {"K1": b, "K2": a}


def test_purging_the_counted_collector_hands_each_dossier_to_the_best_remaining_row(warehouse):
    a, b = two_collectors(warehouse)
    with warehouse.begin() as connection:
        c = add_collector(connection, "c", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
    t1, t2, t3 = datetime(2025, 1, 10), datetime(2025, 1, 12), datetime(2025, 1, 14)
    load(warehouse, a, dossier("K1", t1, 2), dossier("K2", t1, 2))
    load(warehouse, c, dossier("K1", t2, 4))
    load(warehouse, b, dossier("K1", t3, 9), dossier("K2", t3, 9), dossier("K3", t3, 9))
    assert counted_keys(warehouse) == {"K1": b, "K2": b, "K3": b}
    before = version(warehouse)

    with warehouse.begin() as connection:
        assert remove_collector(connection, "b", purge=True).removed == 3

    assert counted_keys(warehouse) == {"K1": c, "K2": a}
    assert aggregates_now(warehouse) == only(dossier("K1", t2, 4), dossier("K2", t1, 2))
    assert_aggregates_equal_a_recount(warehouse)
    assert version(warehouse) > before
    with warehouse.connect() as connection:
        details = connection.execute(select(AUDIT.c.details).where(AUDIT.c.action == "collector.remove")).scalar_one()
    assert (details["dossiers_removed"], details["dossiers_handed_over"]) == (3, 2)


def test_a_purge_in_small_batches_equals_one_in_a_single_batch(warehouse, monkeypatch):
    from ioc.warehouse import purge

    a, b = two_collectors(warehouse)
    t1, t2 = datetime(2025, 1, 10), datetime(2025, 1, 12)
    load(warehouse, a, *(dossier(f"K{i}", t1, 2 + i % 7) for i in range(40)))
    load(warehouse, b, *(dossier(f"K{i}", t2 if i % 2 else t1, 9, "19777") for i in range(0, 60, 3)))
    monkeypatch.setattr(purge, "BATCH", 7)
    with warehouse.begin() as connection:
        assert remove_collector(connection, "a", purge=True).removed == 40
    assert counted_keys(warehouse) == {f"K{i}": b for i in range(0, 60, 3)}
    assert_aggregates_equal_a_recount(warehouse)


def test_no_source_key_is_ever_counted_twice(warehouse):
    a, b = two_collectors(warehouse)
    load(warehouse, a, dossier("K1", datetime(2025, 1, 10), 2))
    load(warehouse, b, dossier("K1", datetime(2025, 1, 9), 2))
    with pytest.raises(IntegrityError), warehouse.begin() as connection:
        connection.execute(update(DOSSIER).where(DOSSIER.c.collector_id == b).values(counted=True))


def test_the_command_line_and_the_admin_page_say_how_many_dossiers_collectors_share(warehouse, warehouse_env):
    from layouts import warehouse as dashboard_warehouse
    from layouts.admin import collector_actions, collector_table

    a, b = two_collectors(warehouse)
    with warehouse.begin() as connection:
        add_collector(connection, "c", "dossier-sync", "http://127.0.0.1:9/api/hoso")
    t1 = datetime(2025, 1, 10)
    load(warehouse, a, *(dossier(f"K{i}", t1, 2) for i in range(1500)))
    load(warehouse, b, *(dossier(f"K{i}", t1, 2) for i in range(1000, 1600)))
    load(warehouse, b, *(dossier(f"K{i}", t1, 2) for i in range(1000, 1600)))  # a replay shares nothing more

    result = run_ioc("collector", "show", "a", env=warehouse_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["shared_dossiers"] == {"b": 500}
    result = run_ioc("collector", "show", "c", env=warehouse_env)
    assert json.loads(result.stdout)["shared_dossiers"] == {}

    dashboard_warehouse.use(warehouse)
    rows, columns = collector_table.show_collectors(None, None, "vi")
    assert {"field": "shared", "headerName": "Hồ sơ trùng với bộ khác"}.items() <= next(
        column for column in columns if column["field"] == "shared"
    ).items()
    assert {row["name"]: row["shared"] for row in rows} == {"a": "b: 500", "b": "a: 500", "c": "–"}
    rows, _ = collector_table.show_collectors(None, None, "en")
    assert {row["name"]: row["shared"] for row in rows}["a"] == "b: 500"
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    pressed = AttributeDict(triggered_inputs=[{"prop_id": "admin-collectors-remove.n_clicks", "value": 1}])
    token = context_value.set(pressed)  # as Dash calls the callback when the remove button is pressed
    try:
        opened, question, _ = collector_actions.ask_remove(1, None, "b", "vi")
        assert opened and question.endswith("vẫn được tính, theo bản của bộ đó (a: 500).")
        opened, question, _ = collector_actions.ask_remove(1, None, "c", "en")
        assert opened and "stay counted" not in question
    finally:
        context_value.reset(token)


def test_the_dossiers_behind_a_number_list_each_dossier_once(warehouse):
    from ioc.kpi.drill import dossier_page

    a, b = two_collectors(warehouse)
    load(warehouse, a, dossier("K1", datetime(2025, 1, 10), 2), dossier("K2", datetime(2025, 1, 10), 2))
    load(warehouse, b, dossier("K1", datetime(2025, 1, 12), 9), dossier("K2", datetime(2025, 1, 9), 9))
    january = Period(date(2025, 1, 1), date(2025, 2, 1))
    with warehouse.connect() as connection:
        page = dossier_page(connection, january, "received", mask_names=False)
        procedure = dossier_page(connection, january, "received", Filters(procedure="1.001234"), mask_names=False)
    assert page.total == procedure.total == 2
    assert sorted((row["source_key"], row["status"]) for row in page.rows) == [("K1", 9), ("K2", 2)]
    assert sorted((row["source_key"], row["status"]) for row in procedure.rows) == [("K1", 9), ("K2", 2)]


def test_two_collectors_loading_the_same_dossiers_at_once_count_them_once(warehouse):
    """The second load waits for the first to commit (PostgreSQL: an advisory lock; SQLite: the write lock), then
    sees its rows: both succeed and each key is counted once."""
    import threading

    a, b = two_collectors(warehouse)
    records = [dossier(f"K{i}", datetime(2025, 1, 10), 2) for i in range(50)]
    load(warehouse, a, dossier("known", datetime(2025, 1, 10), 2))  # its agency and procedure are known: no wait there
    errors: list[BaseException] = []
    first = warehouse.connect()
    transaction = first.begin()
    load_page(first, a, None, records, [], NOW)

    def second_load() -> None:
        try:
            load(warehouse, b, *records)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=second_load)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive(), "the second load waits for the first"
    transaction.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive() and errors == []
    assert counted_keys(warehouse) == {"known": a} | {f"K{i}": a for i in range(50)}
    assert_aggregates_equal_a_recount(warehouse)
    assert aggregates_now(warehouse) == only(dossier("known", datetime(2025, 1, 10), 2), *records)


def test_ioc_init_counts_a_dossier_two_collectors_deliver_once(warehouse, warehouse_env):
    a, b = two_collectors(warehouse)
    load(warehouse, a, dossier("K1", datetime(2025, 1, 10), 2), dossier("K2", datetime(2025, 1, 10), 2))
    load(warehouse, b, dossier("K1", datetime(2025, 1, 12), 9))
    result = run_ioc("init", "--format", "json", env=warehouse_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["dossiers"] == 2
