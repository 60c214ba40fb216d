"""The loader: upserts by (collector, MaHoSo), never goes back to an older state, quarantines once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import DateTime, event, func, select
from sqlalchemy.dialects import sqlite

from ioc.collecting.store import add_collector
from ioc.config import load_settings
from ioc.initialise import initialise
from ioc.records import DossierRecord, Rejection
from ioc.warehouse import schema
from ioc.warehouse.dialect import sqlite_datetime
from ioc.warehouse.engine import make_engine
from ioc.warehouse.load import load_page

NOW = datetime(2025, 3, 10, 12, 0, 0)


def dossier(key: str, status: int = 4, updated: datetime = datetime(2025, 3, 2, 9, 0), **changes) -> DossierRecord:
    record = DossierRecord(
        source_key=key,
        procedure_code="1.001234",
        procedure_name="Đăng ký khai sinh",
        field_code="HT",
        field_name="Hộ tịch",
        channel=2,
        applicant_name="Nguyễn Văn An",
        applicant_type=1,
        agency_code="UBND-19753",
        unit_code="19753",
        received_at=datetime(2025, 3, 1, 8, 0),
        due_at=datetime(2025, 3, 5, 17, 0),
        status=status,
        finished_at=None,
        returned_at=None,
        paid_online=None,
        digitised=True,
        source_updated_at=updated,
    )
    return replace(record, **changes)


@pytest.fixture
def warehouse(warehouse_env):
    initialise(load_settings())
    engine = make_engine(warehouse_env["IOC_DATABASE_URL"])
    with engine.begin() as connection:
        collector_id = add_collector(connection, "test", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
    yield engine, collector_id
    engine.dispose()


def rows(engine) -> dict[str, tuple]:
    table = schema.Dossier.__table__
    with engine.connect() as connection:
        result = connection.execute(select(table.c.source_key, table.c.status, table.c.finished_at)).all()
    return {key: (status, finished) for key, status, finished in result}


def test_a_page_inserts_new_dossiers_and_a_rerun_changes_nothing(warehouse):
    engine, collector_id = warehouse
    page = [dossier("A"), dossier("B"), dossier("C")]
    with engine.begin() as connection:
        first = load_page(connection, collector_id, None, page, [], NOW)
    with engine.begin() as connection:
        second = load_page(connection, collector_id, None, page, [], NOW)
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 3)
    assert set(rows(engine)) == {"A", "B", "C"}
    with engine.begin() as connection:
        load_page(connection, collector_id, None, [dossier("D"), dossier("A", status=9)], [], NOW)
        collector = schema.Collector.__table__
        loaded = connection.execute(select(collector.c.dossiers).where(collector.c.id == collector_id)).scalar_one()
    assert loaded == 4  # the collector's count: inserts only, never a re-sent or updated dossier


def test_a_newer_state_updates_and_an_older_one_is_ignored(warehouse):
    engine, collector_id = warehouse
    finished = datetime(2025, 3, 4, 10, 0)
    with engine.begin() as connection:
        load_page(connection, collector_id, None, [dossier("A")], [], NOW)
    newer = dossier("A", status=9, finished_at=finished, updated=datetime(2025, 3, 4, 10, 0))
    with engine.begin() as connection:
        counts = load_page(connection, collector_id, None, [newer], [], NOW)
    assert counts.updated == 1
    with engine.begin() as connection:
        stale = load_page(connection, collector_id, None, [dossier("A")], [], NOW)
    assert (stale.updated, stale.unchanged) == (0, 1)
    assert rows(engine)["A"] == (9, finished)


def test_the_latest_state_wins_within_one_page(warehouse):
    engine, collector_id = warehouse
    older = dossier("A", status=4, updated=datetime(2025, 3, 2, 9, 0))
    newer = dossier("A", status=5, updated=datetime(2025, 3, 3, 9, 0))
    with engine.begin() as connection:
        counts = load_page(connection, collector_id, None, [newer, older], [], NOW)
    assert counts.inserted == 1
    assert rows(engine)["A"][0] == 5


def test_rejections_are_quarantined_once_with_their_reason(warehouse):
    engine, collector_id = warehouse
    rejection = Rejection(
        raw={"MaHoSo": "X", "KenhThucHien": 7}, reason="KenhThucHien 7 is not one of 1, 2, 3", source_key="X"
    )
    for _ in range(2):
        with engine.begin() as connection:
            counts = load_page(connection, collector_id, None, [], [rejection], NOW)
        assert counts.rejected == 1
    table = schema.Quarantine.__table__
    with engine.connect() as connection:
        stored = connection.execute(select(table.c.source_key, table.c.reason, table.c.raw)).all()
    assert len(stored) == 1
    assert stored[0].reason == "KenhThucHien 7 is not one of 1, 2, 3"
    assert '"KenhThucHien": 7' in stored[0].raw
    assert rows(engine) == {}


def test_unknown_procedures_and_agencies_are_registered(warehouse):
    engine, collector_id = warehouse
    record = dossier("A", procedure_code="2.009999", procedure_name="Thủ tục mới", agency_code="SMOI", unit_code="46")
    with engine.begin() as connection:
        load_page(connection, collector_id, None, [record], [], NOW)
        load_page(connection, collector_id, None, [replace(record, source_key="B")], [], NOW)
        procedure = connection.execute(
            select(schema.Procedure.__table__).where(schema.Procedure.code == "2.009999")
        ).one()
        agency = connection.execute(select(schema.Agency.__table__).where(schema.Agency.code == "SMOI")).one()
        known = connection.execute(select(func.count()).select_from(schema.Agency.__table__)).scalar_one()
    assert (procedure.name, procedure.field_code) == ("Thủ tục mới", "HT")
    assert (agency.level, agency.unit_code, agency.kind) == ("province", "46", "unregistered")
    assert known == 27 + 40 + 1


def test_the_fast_sqlite_datetime_text_is_sqlalchemys_own():
    processor = DateTime().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())
    moments = [datetime(2025, 3, 1, 8, 0), datetime(1999, 12, 31, 23, 59, 59, 123456), datetime(2026, 1, 1, 0, 0, 0, 1)]
    assert [sqlite_datetime(m) for m in moments] == [processor(m) for m in moments]
    assert sqlite_datetime(None) is None


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_no_lookup_of_a_page_scans_the_dossier_table(warehouse):
    """Every query the loader makes that reads ``dossier`` finds a page's keys by index, at a realistic size: 50,000
    dossiers stored (analysed, as autovacuum would), then a page of 5,000 of which half are known in a newer state."""
    engine, collector_id = warehouse
    stored = [dossier(f"K{n:07d}", updated=datetime(2025, 3, 2, 9, 0)) for n in range(50_000)]
    with engine.begin() as connection:
        for start in range(0, len(stored), 5000):
            load_page(connection, collector_id, None, stored[start : start + 5000], [], NOW)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE dossier")
    known = [replace(record, status=9, source_updated_at=datetime(2025, 3, 4, 9, 0)) for record in stored[::20]]
    page = known + [dossier(f"N{n:07d}") for n in range(5000 - len(known))]
    statements: list[tuple[str, object]] = []

    def seen(_connection, _cursor, statement, parameters, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and " dossier" in statement.replace('"', " "):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    with engine.begin() as connection:
        counts = load_page(connection, collector_id, None, page, [], NOW)
        event.remove(engine, "before_cursor_execute", seen)
        plans = [
            "\n".join(connection.exec_driver_sql(f"EXPLAIN {sql}", parameters).scalars())
            for sql, parameters in statements
        ]
    assert (counts.inserted, counts.updated) == (5000 - len(known), len(known))
    assert plans, "the loader read no stored state"
    for plan in plans:
        assert "Seq Scan on dossier" not in plan, plan


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_a_page_outside_a_transaction_is_refused_not_lost(warehouse):
    """The staging table empties at each commit: in autocommit it would be empty by the time the merge reads it."""
    engine, collector_id = warehouse
    autocommit = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with autocommit as connection, pytest.raises(RuntimeError, match="needs a transaction"):
        load_page(connection, collector_id, None, [dossier("A")], [], NOW)
    assert rows(engine) == {}
