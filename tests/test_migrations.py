"""Alembic owns the schema: migrations from empty on both engines agree with the models, and versions are guarded."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from ioc.collecting.store import add_collector
from ioc.errors import IOCError
from ioc.warehouse import aggregates
from ioc.warehouse.engine import make_engine
from ioc.warehouse.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    require_current,
    upgrade_to_head,
)
from ioc.warehouse.schema import Base

DESIGN_TABLES = {
    "indicator",
    "indicator_value",
    "name_alias",
    "unit",
    "display_token",
    "display_playlist",
    "display_playlist_entry",
    "saved_view",
    "subscriber",
    "alert_rule",
    "notification",
    "agency",
    "procedure",
    "dossier",
    "dossier_daily",
    "dossier_monthly",
    "dossier_daily_agency",
    "dossier_monthly_agency",
    "dossier_total",
    "dossier_total_agency",
    "dossier_daily_field",
    "dossier_monthly_field",
    "data_version",
    "api_token",
    "kpi_target",
    "collector",
    "collector_overlap",
    "collector_run",
    "quarantine",
    "boundary",
    "app_user",
    "user_session",
    "audit_log",
    "apscheduler_jobs",
}


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url, create=True)
    yield engine
    engine.dispose()


def test_upgrade_from_empty_creates_every_table(engine):
    with engine.begin() as connection:
        before, after = upgrade_to_head(connection)
    assert (before, after) == (None, head_revision())
    tables = set(inspect(engine).get_table_names())
    assert tables == DESIGN_TABLES | {"alembic_version"}
    assert set(Base.metadata.tables) == DESIGN_TABLES


def test_migrations_and_models_agree(engine):
    with engine.begin() as connection:
        upgrade_to_head(connection)
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_dashboard_indexes_exist(engine):
    with engine.begin() as connection:
        upgrade_to_head(connection)
    inspector = inspect(engine)
    dossier_indexes = {index["name"] for index in inspector.get_indexes("dossier")}
    assert {"ix_dossier_received_at", "ix_dossier_finished_at"} <= dossier_indexes
    unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("dossier")}
    assert ("source_key", "collector_id") in unique
    unique_indexes = {index["name"] for index in inspector.get_indexes("dossier") if index["unique"]}
    assert "ux_dossier_counted_source_key" in unique_indexes


def test_downgrade_to_empty_and_up_again(engine):
    with engine.begin() as connection:
        upgrade_to_head(connection)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    with engine.begin() as connection:
        assert upgrade_to_head(connection) == (None, head_revision())


def test_a_warehouse_from_a_newer_ioc_is_refused_and_left_alone(engine):
    with engine.begin() as connection:
        upgrade_to_head(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d_future'"))
    with engine.begin() as connection, pytest.raises(IOCError, match="made by a newer IOC"):
        upgrade_to_head(connection)
    with engine.connect() as connection:
        assert current_revision(connection) == "f00d_future"
        with pytest.raises(IOCError, match="made by a newer IOC"):
            require_current(connection)


def test_an_empty_database_is_reported_as_not_initialised(engine):
    with engine.connect() as connection, pytest.raises(IOCError, match="run `ioc init`"):
        require_current(connection)


def test_sqlite_uses_wal_and_enforces_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'ioc.db'}", create=True)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_failed_migration_leaves_no_table_behind(engine):
    """DDL runs inside the transaction on both engines (SQLite needs SQLAlchemy's pysqlite recipe)."""
    with pytest.raises(RuntimeError), engine.begin() as connection:
        upgrade_to_head(connection)
        raise RuntimeError("crash after the migration, before commit")
    assert set(inspect(engine).get_table_names()) == set()


def test_upgrading_a_warehouse_with_dossiers_counts_its_aggregates(engine):
    """0002 and 0003 create the aggregates and fill them from the dossiers loaded before them; 0005 counts each
    collector's dossiers."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(
            Base.metadata.tables["unit"].insert(),
            {"code": "46", "name": "Thành phố Huế", "level": "province", "division_type": "Thành phố"},
        )
        collector_id = add_collector(connection, "old", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load = datetime(2025, 4, 1)
        dossiers = [
            {
                "source_key": "A",
                "status": 10,
                "received_at": datetime(2025, 3, 3, 8),
                "finished_at": datetime(2025, 3, 5, 9),
            },
            {"source_key": "B", "status": 4, "received_at": datetime(2025, 3, 31, 16), "finished_at": None},
            {"source_key": "C", "status": 1, "received_at": None, "finished_at": None},
        ]
        connection.execute(
            Base.metadata.tables["dossier"].insert(),
            [
                d
                | {"collector_id": collector_id, "unit_code": "46", "channel": 2, "digitised": False}
                | {"source_updated_at": load, "loaded_at": load}
                for d in dossiers
            ],
        )
    with engine.begin() as connection:
        upgrade_to_head(connection)
        monthly = Base.metadata.tables["dossier_monthly"]
        totals = connection.execute(
            select(func.sum(monthly.c.received), func.sum(monthly.c.resolved), func.sum(monthly.c.pending_in))
        ).one()
        assert tuple(totals) == (2, 1, 2)
        for name in ("dossier_daily_field", "dossier_monthly_field"):
            table = Base.metadata.tables[name]
            by_field = connection.execute(
                select(func.sum(table.c.received), func.sum(table.c.resolved), func.sum(table.c.pending_in))
            ).one()
            assert tuple(by_field) == (2, 1, 2), name
        assert aggregates.data_version(connection)[0] == 2  # each migration's recount changed the data
        collector = Base.metadata.tables["collector"]
        assert connection.execute(select(collector.c.dossiers)).scalar_one() == 3  # 0005 counts what it loaded


def test_upgrading_a_warehouse_where_two_collectors_hold_one_dossier_counts_it_once(engine):
    """0007 marks the newest row of each source key counted (a tie: the lowest id), recounts the aggregates the
    previous release had doubled, and fills how many dossiers each pair of collectors shares."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0006")
        connection.execute(
            Base.metadata.tables["unit"].insert(),
            {"code": "46", "name": "Thành phố Huế", "level": "province", "division_type": "Thành phố"},
        )
        first, second, third = (
            add_collector(connection, name, "dossier-sync", "http://127.0.0.1:9/api/hoso").id
            for name in ("first", "second", "third")
        )
        older, newer = datetime(2025, 4, 1), datetime(2025, 4, 2)
        rows = [
            (first, "A", 10, older),
            (second, "A", 4, newer),  # newer: counted
            (first, "B", 4, older),  # a tie with the next row: the lower id is counted
            (second, "B", 10, older),
            (third, "C", 10, older),
        ]
        received, finished = datetime(2025, 3, 3, 8), datetime(2025, 3, 5, 9)
        connection.execute(
            Base.metadata.tables["dossier"].insert(),
            [
                {"collector_id": c, "source_key": key, "status": status, "source_updated_at": at, "loaded_at": at}
                | {"unit_code": "46", "channel": 2, "digitised": False, "received_at": received}
                | {"finished_at": finished if status == 10 else None}
                for c, key, status, at in rows
            ],
        )
        aggregates.rebuild(connection)  # as the previous release counted: every row
    with engine.begin() as connection:
        upgrade_to_head(connection)
        dossier = Base.metadata.tables["dossier"]
        counted = connection.execute(
            select(dossier.c.collector_id, dossier.c.source_key).where(dossier.c.counted).order_by(dossier.c.source_key)
        ).all()
        assert [tuple(row) for row in counted] == [(second, "A"), (first, "B"), (third, "C")]
        total = Base.metadata.tables["dossier_total"]
        sums = connection.execute(select(func.sum(total.c.received), func.sum(total.c.resolved))).one()
        assert tuple(sums) == (3, 1)  # A pending (second's), B pending (first's), C resolved
        overlap = Base.metadata.tables["collector_overlap"]
        pairs = connection.execute(select(overlap.c.collector_id, overlap.c.other_id, overlap.c.dossiers)).all()
        assert sorted(tuple(row) for row in pairs) == [(first, second, 2), (second, first, 2)]


def test_every_aggregate_leaves_room_for_updates_in_place_on_postgresql(engine) -> None:
    """Migration 0009 names every aggregate table (a new grain cannot be forgotten), and on PostgreSQL each keeps 30 %
    of its pages free for heap-only updates."""
    from importlib import import_module

    fillfactor = import_module("ioc.warehouse.migrations.versions.0009_aggregate_fillfactor")
    assert set(fillfactor.TABLES) == {grain.table.name for grain in aggregates.GRAINS}
    with engine.begin() as connection:
        upgrade_to_head(connection)
        if connection.dialect.name != "postgresql":
            return
        options = dict(
            connection.execute(
                text("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(:names)"),
                {"names": list(fillfactor.TABLES)},
            ).all()
        )
    assert options == {name: ["fillfactor=70"] for name in fillfactor.TABLES}
