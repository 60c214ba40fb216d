"""`ioc init`: migrate and load the province's units and agencies, idempotently, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from ioc.config import load_settings
from ioc.errors import IOCError
from ioc.initialise import initialise
from ioc.units import all_agencies, communes
from ioc.warehouse import schema
from ioc.warehouse.engine import make_engine, sqlite_file


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of the reference tables, in a stable order."""
    engine = make_engine(url)
    with engine.connect() as connection:
        result = {
            table.name: sorted(tuple(row) for row in connection.execute(select(table)))
            for table in (schema.Unit.__table__, schema.Agency.__table__)
        }
        result["alembic_version"] = [tuple(r) for r in connection.execute(text("SELECT * FROM alembic_version"))]
    engine.dispose()
    return result


@pytest.mark.parametrize("province", ["46", "48", "79"])
def test_init_loads_the_province_and_all_its_communes(warehouse_env, monkeypatch, province):
    monkeypatch.setenv("IOC_PROVINCE", province)
    report = initialise(load_settings())
    expected = len(communes(province))
    assert report.summary.units == {"province": 1, "commune": expected}
    assert report.units.added == expected + 1
    assert report.summary.agencies["commune"] == expected
    assert report.summary.agencies["province"] == len(all_agencies(province)) - expected
    rows = snapshot(warehouse_env["IOC_DATABASE_URL"])
    assert {row[0] for row in rows["unit"]} == {province} | {u.code for u in communes(province)}


def test_init_twice_changes_nothing(warehouse_env):
    first = initialise(load_settings())
    after_first = snapshot(warehouse_env["IOC_DATABASE_URL"])
    second = initialise(load_settings())
    assert first.changed
    assert not second.changed
    assert (second.units.added, second.units.updated, second.agencies.added, second.agencies.updated) == (0, 0, 0, 0)
    assert second.revision_before == second.summary.revision
    assert snapshot(warehouse_env["IOC_DATABASE_URL"]) == after_first


def test_init_restores_an_edited_official_name_and_keeps_added_agencies(warehouse_env):
    initialise(load_settings())
    engine = make_engine(warehouse_env["IOC_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(update(schema.Unit.__table__).where(schema.Unit.code == "19753").values(name="Sai tên"))
        connection.execute(
            schema.Agency.__table__.insert().values(
                code="XTRA", name="Cơ quan thêm", kind="department", level="province", unit_code="46"
            )
        )
    engine.dispose()
    report = initialise(load_settings())
    assert (report.units.updated, report.agencies.added) == (1, 0)
    rows = snapshot(warehouse_env["IOC_DATABASE_URL"])
    assert ("19753", "Phường Phú Xuân", "commune", "phường", "46") in rows["unit"]
    assert "XTRA" in {row[0] for row in rows["agency"]}


def test_a_warehouse_belongs_to_one_province(warehouse_env, monkeypatch):
    initialise(load_settings())
    before = snapshot(warehouse_env["IOC_DATABASE_URL"])
    monkeypatch.setenv("IOC_PROVINCE", "48")
    with pytest.raises(IOCError, match="holds province 46, not IOC_PROVINCE=48"):
        initialise(load_settings())
    assert snapshot(warehouse_env["IOC_DATABASE_URL"]) == before


def test_a_failed_first_init_writes_nothing(warehouse_env, monkeypatch):
    def broken_sync(*_args, **_kwargs):
        raise IOCError("agency list unreadable")

    monkeypatch.setattr("ioc.initialise.sync_agencies", broken_sync)
    with pytest.raises(IOCError, match="agency list unreadable"):
        initialise(load_settings())
    url = warehouse_env["IOC_DATABASE_URL"]
    path = sqlite_file(url)
    if path is not None:
        assert not path.exists()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        tables = connection.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        ).all()
    engine.dispose()
    assert tables == []
