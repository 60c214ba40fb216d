"""Official commune codes: IOC's units carry the statistics office's codes and names, a collector reads official codes
(a draft-only code is mapped, and the run says how many), and ``unit_codes=vietnam-provinces-2025`` reads a source
that sends the draft codes throughout; real HTTP from a loopback source into SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hostile_source import Reply, hostile_source, keyset_page, record
from sqlalchemy import func, select

from helpers import run_ioc
from ioc.collecting.runner import run_collector
from ioc.collecting.status import RunFilters, run_history
from ioc.collecting.store import add_collector, validate_options
from ioc.config import load_settings, now_local
from ioc.errors import IOCError
from ioc.initialise import initialise
from ioc.units import commune_committees, communes
from ioc.warehouse import schema
from ioc.warehouse.engine import make_engine
from layouts.admin.runs import run_facts

CROSSWALK = Path(__file__).resolve().parents[2] / "shared" / "data" / "geo" / "commune_code_crosswalk.csv"
RUN = schema.CollectorRun.__table__
#: Cao Bằng's three communes whose draft codes are each other's official codes (draft → official, name).
CAO_BANG_CYCLE = {"01558": ("01537", "Xã Lý Quốc"), "01561": ("01558", "Xã Hạ Lang"), "01537": ("01561", "Xã Vinh Quý")}


def test_units_carry_the_official_codes_and_names() -> None:
    cao_bang = {unit.code: unit.name for unit in communes("04")}
    assert {official: cao_bang[official] for official, _ in CAO_BANG_CYCLE.values()} == {
        "01537": "Xã Lý Quốc",
        "01558": "Xã Hạ Lang",
        "01561": "Xã Vinh Quý",
    }
    hue = {unit.code: unit.name for unit in communes("46")}
    assert hue["19753"] == "Phường Phú Xuân" and "19768" not in hue  # 19768 is Phú Xuân's draft code
    assert {unit.name for unit in communes("33")} >= {"Xã Bắc Đông Quan"}  # the draft's name has two spaces
    committees = {agency.code: agency.name for agency in commune_committees("04")}
    assert committees["UBND-01537"] == "UBND Xã Lý Quốc"


@pytest.mark.skipif(not CROSSWALK.exists(), reason=f"the shared crosswalk is not in {CROSSWALK.parent}")
def test_every_commune_has_the_code_and_name_of_the_official_registry() -> None:
    with CROSSWALK.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ours = {(unit.parent_code, unit.code): unit.name for p in {r["province_code"] for r in rows}
            for unit in communes(f"{int(p):02d}")}  # fmt: skip
    official = {(f"{int(r['province_code']):02d}", f"{int(r['code_official_nso']):05d}"): r for r in rows}
    assert set(ours) == set(official) and len(ours) == 3321
    differing = [key for key, name in ours.items() if name.lower() != official[key]["vp_2026_2_3_name"].lower()]
    assert differing == []


# Collecting -------------------------------------------------------------------------------------------------------


@pytest.fixture
def cao_bang(warehouse_env, monkeypatch):
    """An initialised warehouse of Cao Bằng (04), whose communes include a cycle of three colliding draft codes."""
    monkeypatch.setenv("IOC_PROVINCE", "04")
    initialise(load_settings())
    engine = make_engine(warehouse_env["IOC_DATABASE_URL"])
    yield engine
    engine.dispose()


def records_in(units: dict[str, int], agency_of_unit: bool = False) -> list[dict]:
    """``count`` records for each unit code, with distinct keys and update times."""
    made = []
    for code, count in units.items():
        for _ in range(count):
            n = len(made) + 1
            agency = {"MaCoQuan": f"UBND-{code}"} if agency_of_unit else {}
            made.append(record(f"H-{n:04d}", f"202503010800{n:02d}", MaDVHC=code, **agency))
    return made


def collect(engine, province: str, records: list[dict], **options):
    with hostile_source(lambda params: Reply(keyset_page(records, params))) as source:
        with engine.begin() as connection:
            add_collector(connection, "source", "dossier-sync", source.url, "none", [], options=options)
        result = run_collector(engine, "source", province)
    assert result.status == "succeeded", result.error
    return result


def counted_by_unit(engine) -> dict[str, tuple[str, int]]:
    """Dossiers by unit code, with the unit's name."""
    dossier, unit = schema.Dossier.__table__, schema.Unit.__table__
    query = (
        select(unit.c.code, unit.c.name, func.count())
        .join(dossier, dossier.c.unit_code == unit.c.code)
        .group_by(unit.c.code, unit.c.name)
    )
    with engine.connect() as connection:
        return {code: (name, count) for code, name, count in connection.execute(query)}


def mapped_in_run(engine, run_id: int) -> int:
    with engine.connect() as connection:
        return connection.execute(select(RUN.c.codes_mapped).where(RUN.c.id == run_id)).scalar_one()


def test_a_source_sending_official_codes_counts_colliding_communes_in_their_own_commune(cao_bang) -> None:
    result = collect(cao_bang, "04", records_in({"01537": 1, "01558": 2, "01561": 3}))
    assert counted_by_unit(cao_bang) == {
        "01537": ("Xã Lý Quốc", 1),
        "01558": ("Xã Hạ Lang", 2),
        "01561": ("Xã Vinh Quý", 3),
    }
    assert result.progress.codes_mapped == 0 == mapped_in_run(cao_bang, result.run_id)


def test_a_draft_coded_source_with_the_option_counts_every_commune_right(cao_bang) -> None:
    # Drafts: 01558 is Lý Quốc, 01561 Hạ Lang, 01537 Vinh Quý; 01273 (Thục Phán, sent unpadded) is the same in both.
    sent = records_in({"01558": 1, "01561": 2, "01537": 3, "1273": 4}, agency_of_unit=True)
    sent.append(record("H-province", "20250301090000", MaDVHC="04", MaCoQuan="SYT"))
    result = collect(cao_bang, "04", sent, unit_codes="vietnam-provinces-2025")
    assert counted_by_unit(cao_bang) == {
        "01537": ("Xã Lý Quốc", 1),
        "01558": ("Xã Hạ Lang", 2),
        "01561": ("Xã Vinh Quý", 3),
        "01273": ("Phường Thục Phán", 4),
        "04": ("Cao Bằng", 1),
    }
    dossier = schema.Dossier.__table__
    with cao_bang.connect() as connection:
        agencies = dict(connection.execute(select(dossier.c.unit_code, dossier.c.agency_code).distinct()).all())
    assert agencies["01537"] == "UBND-01537" and agencies["01561"] == "UBND-01561" and agencies["04"] == "SYT"
    assert result.progress.codes_mapped == 6 == mapped_in_run(cao_bang, result.run_id)


def test_without_the_option_a_draft_only_code_is_mapped_and_the_run_says_how_many(warehouse, warehouse_env) -> None:
    # Huế: 19768 is Phú Xuân's draft code (official 19753), 19810 Kim Long's (official 19774); neither is official.
    sent = records_in({"19768": 2, "19753": 1, "19810": 1, "46": 1})
    with hostile_source(lambda params: Reply(keyset_page(sent, params))) as source:
        added = run_ioc("collector", "add", "source", "--kind", "dossier-sync", "--url", source.url, env=warehouse_env)
        assert added.returncode == 0, added.stderr
        ran = run_ioc("collector", "run", "source", "--quiet", env=warehouse_env)
    assert ran.returncode == 0, ran.stderr
    assert "3 unit codes mapped from draft codes" in " ".join(ran.stdout.split()), ran.stdout  # the console wraps
    assert counted_by_unit(warehouse) == {
        "19753": ("Phường Phú Xuân", 3),
        "19774": ("Phường Kim Long", 1),
        "46": ("Thành phố Huế", 1),
    }
    with warehouse.connect() as connection:
        assert connection.execute(select(RUN.c.codes_mapped)).scalar_one() == 3
        (run,), _ = run_history(connection, RunFilters(), 0, 10)
    shown = run_ioc("collector", "show", "source", env=warehouse_env)
    assert json.loads(shown.stdout)["recent_runs"][0]["codes_mapped"] == 3
    facts = json.dumps(run_facts(run, "en", now_local()), default=lambda c: c.to_plotly_json())
    assert '"children": "Draft unit codes mapped"' in facts  # the admin runs page's details of the run, then:
    assert facts.split('"Draft unit codes mapped"')[1].split('"children": ', 1)[1].startswith('"3"')


def test_with_the_option_a_code_that_is_no_draft_code_is_quarantined_with_the_reason(warehouse) -> None:
    # 19753 is Phú Xuân's official code, which no commune had in the draft.
    collect(warehouse, "46", records_in({"19753": 1, "19768": 1}), unit_codes="vietnam-provinces-2025")
    assert counted_by_unit(warehouse) == {"19753": ("Phường Phú Xuân", 1)}
    with warehouse.connect() as connection:
        (reason,) = connection.execute(select(schema.Quarantine.reason)).scalars()
    assert "19753" in reason and "vietnam-provinces-2025" in reason


def test_a_bad_unit_codes_value_is_refused_with_the_choices(warehouse_env) -> None:
    assert validate_options("dossier-sync", {}).unit_codes == "official"
    with pytest.raises(IOCError, match="unit_codes") as refused:
        validate_options("dossier-sync", {"unit_codes": "draft"})
    assert "official" in str(refused.value) and "vietnam-provinces-2025" in str(refused.value)
    assert run_ioc("init", env=warehouse_env).returncode == 0
    added = run_ioc(
        "collector", "add", "x", "--kind", "dossier-sync", "--url", "http://127.0.0.1:9/", "--option",
        "unit_codes=draft", env=warehouse_env,
    )  # fmt: skip
    assert added.returncode != 0
    assert "vietnam-provinces-2025" in added.stderr and "Traceback" not in added.stderr
