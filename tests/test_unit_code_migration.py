"""Migration 0008 re-keys a warehouse made with the draft commune codes of ``vietnam-provinces`` 2025.10.1 to the
official ones, in one transaction, on both engines: units, agencies, dossiers, every aggregate, boundaries, targets.

Cao Bằng (04) has three communes whose draft codes are each other's official codes (a cycle), so nothing may be
re-keyed in place one code at a time."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import func, select, text
from vietnam_provinces import Province, Ward

from ioc.collecting.store import add_collector
from ioc.units import official_units
from ioc.warehouse import aggregates
from ioc.warehouse.engine import make_engine
from ioc.warehouse.migrate import alembic_config, upgrade_to_head
from ioc.warehouse.reference import sync_units
from ioc.warehouse.schema import Base

TABLES = Base.metadata.tables
AGGREGATES = [name for name in TABLES if name.startswith("dossier_") and "unit_code" in TABLES[name].c]
#: Dossiers per commune, by draft code: Lý Quốc (draft 01558), Hạ Lang (01561), Vinh Quý (01537), Thục Phán (same).
DOSSIERS = {"01558": 1, "01561": 2, "01537": 3, "01273": 4, "04": 5}
OFFICIAL = {"Xã Lý Quốc": "01537", "Xã Hạ Lang": "01558", "Xã Vinh Quý": "01561", "Phường Thục Phán": "01273"}


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url, create=True)
    yield engine
    engine.dispose()


def draft_units() -> list[dict]:
    """Cao Bằng's units as IOC made them from vietnam-provinces 2025.10.1."""
    province = Province.from_code(4)
    units = [{"code": "04", "name": province.name, "level": "province", "division_type": "tỉnh", "parent_code": None}]
    for ward in Ward.iter_by_province(4):
        units.append(
            {
                "code": f"{ward.code:05d}",
                "name": ward.name,
                "level": "commune",
                "division_type": ward.division_type.value,
                "parent_code": "04",
            }
        )
    return units


def aggregate_rows(table, dossiers: list[dict]) -> list[dict]:
    """Counts of ``dossiers`` received and resolved, by the aggregate's key (written out here, not by IOC's loader,
    so the warehouse is one that revision 0006 could hold)."""
    counts: Counter = Counter()
    for dossier in dossiers:
        received = dossier["received_at"]
        key = {"day": received.date(), "month": received.date().replace(day=1), "field_code": "", "procedure_code": "",
               "applicant_type": 0} | {c: dossier[c] for c in ("unit_code", "agency_code", "channel")}  # fmt: skip
        key = tuple((c.name, key[c.name]) for c in table.primary_key.columns)
        counts[key, "received"] += 1
        counts[key, "resolved"] += dossier["finished_at"] is not None
    keys = {key for key, _ in counts}
    return [dict(key) | {m: counts[key, m] for m in ("received", "resolved")} for key in keys]


def make_draft_warehouse(connection) -> None:
    """A warehouse at 0006 holding dossiers, aggregates, agencies, boundaries and targets under the draft codes."""
    command.upgrade(alembic_config(connection), "0006")
    units = draft_units()
    connection.execute(TABLES["unit"].insert(), units)
    names = {unit["code"]: unit["name"] for unit in units}
    committees = [
        {"code": f"UBND-{code}", "name": f"UBND {names[code]}", "name_en": f"People's Committee of {names[code]}",
         "kind": "commune_committee", "level": "commune", "unit_code": code}
        for code in names if code != "04"
    ]  # fmt: skip
    connection.execute(TABLES["agency"].insert(), committees)
    collector_id = add_collector(connection, "old", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
    load = datetime(2025, 4, 1)
    rows = []
    for code, count in DOSSIERS.items():
        for n in range(count):
            rows.append(
                {"collector_id": collector_id, "source_key": f"{code}-{n}", "unit_code": code, "channel": 2,
                 "agency_code": f"UBND-{code}" if code != "04" else "SYT", "status": 10 if n % 2 else 4,
                 "received_at": datetime(2025, 3, 3 + n, 8), "finished_at": datetime(2025, 3, 5 + n, 9) if n % 2
                 else None, "digitised": False, "source_updated_at": load, "loaded_at": load}
            )  # fmt: skip
    connection.execute(TABLES["dossier"].insert(), rows)
    for name in AGGREGATES:
        connection.execute(TABLES[name].insert(), aggregate_rows(TABLES[name], rows))
    connection.execute(
        TABLES["boundary"].insert(),
        [
            {"unit_code": "01558", "level": "commune", "geometry": "Lý Quốc's", "imported_at": load},
            {"unit_code": "01537", "level": "commune", "geometry": "Vinh Quý's", "imported_at": load},
        ],
    )
    target = {"kpi": "on_time_rate", "green_from": 0.9, "amber_from": 0.8, "updated_at": load}
    connection.execute(
        TABLES["kpi_target"].insert(),
        [
            target | {"scope": "unit", "scope_code": "01561", "target": 0.95},  # Hạ Lang
            target | {"scope": "unit", "scope_code": "01537", "target": 0.85},  # Vinh Quý
            target | {"scope": "agency", "scope_code": "UBND-01558", "target": 0.75},  # Lý Quốc's committee
        ],
    )


def by_unit_name(connection, table_name: str) -> dict[str, tuple]:
    """A table's dossiers (or an aggregate's sums of every measure) by the name of their unit."""
    table, unit = TABLES[table_name], TABLES["unit"]
    values = [func.count()] if table_name == "dossier" else [func.sum(c) for c in table.c if not c.primary_key]
    query = select(unit.c.name, *values).join(table, table.c.unit_code == unit.c.code).group_by(unit.c.name)
    return {name: tuple(rest) for name, *rest in connection.execute(query)}


def test_a_draft_coded_warehouse_is_re_keyed_to_the_official_codes_losing_nothing(engine) -> None:
    with engine.begin() as connection:
        make_draft_warehouse(connection)
        before = {name: by_unit_name(connection, name) for name in ["dossier", *AGGREGATES]}
        version_before = aggregates.data_version(connection)[0]
        assert before["dossier"]["Xã Lý Quốc"] == (1,)
    with engine.begin() as connection:
        upgrade_to_head(connection)
    with engine.connect() as connection:
        after = {name: by_unit_name(connection, name) for name in ["dossier", *AGGREGATES]}
        assert after == before  # every figure is under the same commune: nothing lost, nothing moved
        assert aggregates.data_version(connection)[0] > version_before
        unit, dossier = TABLES["unit"], TABLES["dossier"]
        codes = dict(connection.execute(select(unit.c.name, unit.c.code)).all())
        assert {name: codes[name] for name in OFFICIAL} == OFFICIAL
        assert connection.execute(select(func.count()).select_from(unit)).scalar_one() == len(draft_units())
        assert connection.execute(select(unit.c.code).where(unit.c.code.like("~%"))).all() == []
        agency = TABLES["agency"]
        committee = connection.execute(select(agency.c.name, agency.c.unit_code).where(agency.c.code == "UBND-01537"))
        assert committee.one() == ("UBND Xã Lý Quốc", "01537")
        agency_of = dict(connection.execute(select(dossier.c.unit_code, dossier.c.agency_code).distinct()).all())
        assert agency_of["01537"] == "UBND-01537" and agency_of["01561"] == "UBND-01561"
        for name in AGGREGATES:
            table = TABLES[name]
            if "agency_code" in table.c:
                pairs = set(connection.execute(select(table.c.unit_code, table.c.agency_code).distinct()).all())
                assert ("01537", "UBND-01537") in pairs and ("01537", "UBND-01558") not in pairs, name
        boundary = TABLES["boundary"]
        assert dict(connection.execute(select(boundary.c.unit_code, boundary.c.geometry)).all()) == {
            "01537": "Lý Quốc's",
            "01561": "Vinh Quý's",
        }
        kpi_target = TABLES["kpi_target"]
        targets = connection.execute(select(kpi_target.c.scope, kpi_target.c.scope_code, kpi_target.c.target)).all()
        assert set(targets) == {("unit", "01558", 0.95), ("unit", "01561", 0.85), ("agency", "UBND-01537", 0.75)}
        assert connection.execute(text("SELECT count(*) FROM collector_run WHERE codes_mapped <> 0")).scalar() == 0
    with engine.begin() as connection:
        synced = sync_units(connection, "04", official_units("04"))
    assert synced.added == 0  # `ioc init` after the migration finds every official unit in place


def test_a_warehouse_already_under_official_codes_is_left_as_it_is(engine) -> None:
    """A warehouse whose units already carry the official codes (e.g. made where a newer vietnam-provinces was
    installed) is recognised by its names and not re-keyed."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0006")
        units = [asdict(u) for u in official_units("04")]
        connection.execute(TABLES["unit"].insert(), units)
    with engine.begin() as connection:
        upgrade_to_head(connection)
    with engine.connect() as connection:
        unit = TABLES["unit"]
        assert sorted(connection.execute(select(unit.c.code, unit.c.name)).all()) == sorted(
            (u["code"], u["name"]) for u in units
        )


def test_a_downgrade_moves_the_communes_back_to_the_draft_codes(engine) -> None:
    with engine.begin() as connection:
        make_draft_warehouse(connection)
        before = {name: by_unit_name(connection, name) for name in ["dossier", *AGGREGATES]}
        units_before = set(connection.execute(select(TABLES["unit"])).all())
    with engine.begin() as connection:
        upgrade_to_head(connection)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006")
    with engine.connect() as connection:
        assert {name: by_unit_name(connection, name) for name in ["dossier", *AGGREGATES]} == before
        assert set(connection.execute(select(TABLES["unit"])).all()) == units_before
        boundary = TABLES["boundary"]
        assert dict(connection.execute(select(boundary.c.unit_code, boundary.c.geometry)).all()) == {
            "01558": "Lý Quốc's",
            "01537": "Vinh Quý's",
        }
