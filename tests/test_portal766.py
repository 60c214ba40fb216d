"""The ``portal-766`` kind against a real loopback server answering with the portal's REAL captured answers (Phú Thọ,
August 2026), on SQLite and PostgreSQL: every published score loaded exactly, unmatched names listed and kept until
mapped, quality flags kept, no data recorded as no data, hostile answers failing the run with a clear error."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from portal766_source import DATA, NULL_DATA, is_august_2026, portal_server
from sqlalchemy import Engine, select

from collectors.portal766 import Portal766, Portal766Options, periods_of
from collectors.portal766_shapes import GROUPS as SHAPE_GROUPS
from helpers import REPO, run_ioc
from ioc.collecting.kind import Source
from ioc.collecting.mapping import map_and_reprocess, waiting_names
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.config import load_settings, now_local
from ioc.indicators.model import PeriodRef
from ioc.indicators.names import matcher, name_key, normalised
from ioc.indicators.query import value_rows
from ioc.initialise import initialise
from ioc.kpi.periods import Period
from ioc.reasons import in_vietnamese
from ioc.simulator import SimulatorConfig, running_simulator
from ioc.simulator.portal766 import EXTRA_UNITS
from ioc.warehouse import schema
from ioc.warehouse.access import transaction
from ioc.warehouse.engine import make_engine

PHU_THO = "25"
ROOT = "019d2be3-6a88-732b-8b17-b68020c8553a"
INDICATOR = {
    "dvc-progress-tree": "portal766.progress",
    "provide-online-tree": "portal766.online_services",
    "formality-online-payment-tree": "portal766.online_payment",
    "dossier-digitized": "portal766.digitisation",
    "transparency": "portal766.transparency",
    "handling-satisfaction": "portal766.satisfaction",
}
SCORES = set(INDICATOR.values())
UNMATCHED = {"Văn phòng UBND Tỉnh", "Ban quản lý các khu công nghiệp"}
VALUE = schema.IndicatorValue.__table__
QUARANTINE = schema.Quarantine.__table__
FAST = {"max_attempts": 3, "backoff_initial_seconds": 0.01, "backoff_max_seconds": 0.05}


@pytest.fixture
def phu_tho(warehouse_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A warehouse of Phú Thọ (25) on the parametrised engine."""
    monkeypatch.setenv("IOC_PROVINCE", PHU_THO)
    initialise(load_settings())
    engine = make_engine(warehouse_env["IOC_DATABASE_URL"])
    yield engine
    engine.dispose()


def add_portal(engine: Engine, url: str, **options: object) -> None:
    with transaction(engine) as connection:
        add_collector(connection, "portal", "portal-766", url, options={"root_department_id": ROOT, **options})


def backfill_august(engine: Engine):
    return run_collector(engine, "portal", PHU_THO, since=date(2026, 8, 1), until=date(2026, 8, 31))


# What the files say, read here independently of the kind ------------------------------------------------------------


def _reference_names() -> dict[str, tuple[str, str]]:
    """Phú Thọ's communes (unit, "") and provincial agencies (25, code) by lower-cased name, from the shipped CSVs."""
    reference = REPO / "ioc" / "reference"
    names: dict[str, tuple[str, str]] = {}
    with (reference / "communes.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["province_code"] == PHU_THO:
                names[row["name"].lower()] = (row["code"], "")
    with (reference / "agencies.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            names[row["name"].lower()] = (PHU_THO, row["code"])
    return names


def _plain(name: str) -> str:
    name = name.lower().removesuffix(" - tỉnh phú thọ")
    return name.removeprefix("ubnd ").strip()


def expected_august() -> tuple[dict[tuple[str, str, str], float], set[str]]:
    """(indicator, unit, agency) → the published score for every unit the files name that IOC knows; and the names
    IOC does not know."""
    names = _reference_names()
    expected: dict[tuple[str, str, str], float] = {}
    unknown: set[str] = set()
    for group, indicator in INDICATOR.items():
        data = json.loads((DATA / group / "month-all.json").read_text(encoding="utf-8"))["data"]
        province = data.get("parent") or data.get("overview")
        expected[(indicator, PHU_THO, "")] = province["totalScore"]
        for child in data.get("children") or data.get("evaluation"):
            target = names.get(_plain(child["departmentName"]))
            if target is None:
                unknown.add(child["departmentName"])
                continue
            score = child["totalScore"] if "totalScore" in child else child["score"]
            expected[(indicator, *target)] = score
    return expected, unknown


def month_values(engine: Engine, start: date) -> list:
    with transaction(engine) as connection:
        query = select(VALUE).where(VALUE.c.period_start == start)
        return list(connection.execute(query))


def reasons(engine: Engine) -> list[str]:
    with transaction(engine) as connection:
        return list(connection.execute(select(QUARANTINE.c.reason)).scalars())


# The real answers ---------------------------------------------------------------------------------------------------


def test_august_2026_loads_every_published_score_exactly(phu_tho):
    expected, unknown = expected_august()
    assert len(unknown) == 2 and {normalised(n) for n in unknown} == UNMATCHED
    with portal_server() as portal:
        add_portal(phu_tho, portal.url)
        result = backfill_august(phu_tho)
    assert result.status == "succeeded", result.error
    rows = [r for r in month_values(phu_tho, date(2026, 8, 1)) if r.period_kind == "month"]
    loaded = {(r.indicator_code, r.unit_code, r.agency_code): r.value for r in rows if r.indicator_code in SCORES}
    assert loaded == expected
    assert len(loaded) == 6 * (1 + 161)
    assert not any(r.no_data for r in rows)
    total = [r for r in rows if r.indicator_code == "portal766.total"]
    assert [(t.unit_code, t.agency_code, t.value) for t in total] == [
        (PHU_THO, "", round(sum(expected[(code, PHU_THO, "")] for code in INDICATOR.values()), 2))
    ]
    # A commune by hand: "UBND xã Lâm Thao - Tỉnh Phú Thọ" is Xã Lâm Thao (08494).
    digitised = json.loads((DATA / "dossier-digitized" / "month-all.json").read_text(encoding="utf-8"))["data"]
    lam_thao = next(c for c in digitised["evaluation"] if c["departmentName"].startswith("UBND xã Lâm Thao"))
    assert loaded[("portal766.digitisation", "08494", "")] == lam_thao["totalScore"]
    assert loaded[("portal766.progress", PHU_THO, "")] == 15.68
    with transaction(phu_tho) as connection:  # the values query reads the province's published score
        (shown,) = value_rows(connection, "portal766.progress", Period(date(2026, 8, 1), date(2026, 9, 1), "month"))
    assert shown["value"] == 15.68


def test_the_requests_are_the_portals_own(phu_tho):
    with portal_server() as portal:
        add_portal(phu_tho, portal.url)
        backfill_august(phu_tho)
    august = [(g, b) for g, b in portal.requests if b.get("month") == 8 or b.get("fromDate") == "2026-08-01"]
    assert [g for g, _ in august] == list(INDICATOR)
    bodies = dict(august)
    size = {"dvc-progress-tree": 100, "formality-online-payment-tree": 100}
    for group, body in bodies.items():
        page = {"rootDepartmentId": ROOT, "currentPage": 1, "pageSize": size.get(group, 200)}
        if group == "handling-satisfaction":
            assert body == {"fromDate": "2026-08-01", "toDate": "2026-08-31", **page}
        else:
            assert body == {"timeType": "month", "year": 2026, "month": 8, **page}
    quarter = [b for g, b in portal.requests if g == "transparency" and b.get("timeType") == "quarter"]
    page = {"rootDepartmentId": ROOT, "currentPage": 1, "pageSize": 200}
    assert quarter == [{"timeType": "quarter", "year": 2026, "quarter": 3, **page}]
    satisfaction = [b for g, b in portal.requests if g == "handling-satisfaction"]
    assert [(b["fromDate"], b["toDate"]) for b in satisfaction] == [
        ("2026-08-01", "2026-08-31"), ("2026-07-01", "2026-09-30"), ("2026-01-01", "2026-12-31")
    ]  # fmt: skip


def test_periods_without_data_are_recorded_as_no_data_never_zero(phu_tho):
    with portal_server() as portal:
        add_portal(phu_tho, portal.url)
        backfill_august(phu_tho)
    quarter = [r for r in month_values(phu_tho, date(2026, 7, 1)) if r.period_kind == "quarter"]
    year = [r for r in month_values(phu_tho, date(2026, 1, 1)) if r.period_kind == "year"]
    for rows in (quarter, year):
        assert {r.indicator_code for r in rows} == {*INDICATOR.values(), "portal766.total"}
        assert all(r.no_data and r.value is None and r.unit_code == PHU_THO for r in rows)


def test_the_unmatched_are_listed_kept_and_never_guessed(phu_tho):
    with portal_server() as portal:
        add_portal(phu_tho, portal.url)
        backfill_august(phu_tho)
    waiting = waiting_names(phu_tho, "portal")
    assert {(w.name, w.records) for w in waiting} == {(name, 6) for name in UNMATCHED}
    rows = month_values(phu_tho, date(2026, 8, 1))
    assert not [r for r in rows if r.agency_code in ("VPUBND", "BQLKKT")]
    assert all(in_vietnamese(reason) != reason for reason in reasons(phu_tho))


def metric_flags(node: dict) -> list[tuple[str, str]]:
    return [(m["dataQualityStatus"], m["dataQualityMessage"]) for m in node["metrics"] if "dataQualityStatus" in m]


def test_quality_flags_are_kept_unchanged(phu_tho):
    transparency = json.loads((DATA / "transparency" / "month-all.json").read_text(encoding="utf-8"))["data"]
    nodes = [transparency["overview"], *transparency["evaluation"]]
    flags = [flag for node in nodes for flag in metric_flags(node)]
    assert Counter(status for status, _ in flags) == {
        "TEMP_NATIONAL_REPORT_DENOMINATOR": 162,
        "NO_NATIONAL_REPORT_DATA": 2,
    }
    with portal_server() as portal:
        add_portal(phu_tho, portal.url)
        backfill_august(phu_tho)
    rows = [r for r in month_values(phu_tho, date(2026, 8, 1)) if r.indicator_code == "portal766.transparency"]
    kept = [(r.quality, r.quality_message) for r in rows]
    with transaction(phu_tho) as connection:
        waiting = [json.loads(raw) for raw in connection.execute(select(QUARANTINE.c.raw)).scalars()]
    for raw in waiting:
        if raw["group"] == "transparency":
            kept += metric_flags(raw["unit"])
    assert Counter(kept) == Counter(flags)
    # a unit whose DOSSIER_SYNC has no national report keeps its published group score as its value
    inspectorate = next(r for r in rows if r.agency_code == "TTRA")
    assert inspectorate.quality == "NO_NATIONAL_REPORT_DATA" and inspectorate.value is not None


def test_mapping_a_name_loads_its_waiting_records(phu_tho):
    expected = {}
    for group, indicator in INDICATOR.items():
        data = json.loads((DATA / group / "month-all.json").read_text(encoding="utf-8"))["data"]
        units = data.get("children") or data["evaluation"]
        office = next(c for c in units if c["departmentName"].startswith("Văn phòng"))
        expected[indicator] = office["totalScore"] if "totalScore" in office else office["score"]
    with portal_server() as portal:
        add_portal(phu_tho, portal.url)
        backfill_august(phu_tho)
    done = map_and_reprocess(
        phu_tho, "portal", "Văn phòng UBND Tỉnh - Tỉnh Phú Thọ", PHU_THO, "VPUBND", PHU_THO, actor="test"
    )
    assert done.name == "Văn phòng UBND Tỉnh" and done.reprocessed.loaded == 6
    rows = [r for r in month_values(phu_tho, date(2026, 8, 1)) if r.agency_code == "VPUBND"]
    assert {r.indicator_code: r.value for r in rows} == expected
    assert [w.name for w in waiting_names(phu_tho, "portal")] == ["Ban quản lý các khu công nghiệp"]
    with portal_server() as portal:  # the next run finds the mapping itself
        with transaction(phu_tho) as connection:
            connection.execute(schema.Collector.__table__.update().values(url=portal.url))
        assert backfill_august(phu_tho).status == "succeeded"
    assert len([r for r in month_values(phu_tho, date(2026, 8, 1)) if r.agency_code == "VPUBND"]) == 6


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_map_name_from_the_command_line(phu_tho, warehouse_env):
    with portal_server() as portal:
        add_portal(phu_tho, portal.url)
        backfill_august(phu_tho)
    env = {**warehouse_env, "IOC_PROVINCE": PHU_THO}
    args = ["collector", "map-name", "portal", "--portal-name", "Ban quản lý các khu công nghiệp - Tỉnh Phú Thọ"]
    done = run_ioc(*args, "--unit", PHU_THO, "--agency", "BQLKKT", env=env)
    assert done.returncode == 0, done.stderr
    assert "6 loaded" in done.stdout
    refused = run_ioc(*args, "--unit", "99999", env=env)
    assert refused.returncode != 0 and "unit '99999'" in refused.stderr and "Traceback" not in refused.stderr


# Hostile answers ----------------------------------------------------------------------------------------------------


def test_a_5xx_then_ok_is_retried(phu_tho):
    failed: set[str] = set()

    def once_down(group, body):
        if group not in failed:
            failed.add(group)
            return 503, b'{"error":"unavailable"}'
        return None

    with portal_server(once_down) as portal:
        add_portal(phu_tho, portal.url, **FAST)
        result = backfill_august(phu_tho)
    assert result.status == "succeeded", result.error
    assert len([r for r in month_values(phu_tho, date(2026, 8, 1)) if r.period_kind == "month"]) == 6 * 162 + 1


def test_an_answer_over_the_size_cap_fails_the_run(phu_tho):
    with portal_server() as portal:
        add_portal(phu_tho, portal.url, max_page_bytes=40000, **FAST)
        result = backfill_august(phu_tho)
    assert result.status == "failed" and "larger than max_page_bytes (40000 bytes)" in result.error


def test_malformed_json_fails_the_run_with_a_clear_error(phu_tho):
    with portal_server(lambda group, body: (201, b'{"code":"OK","data":{"parent":')) as portal:
        add_portal(phu_tho, portal.url, **FAST)
        result = backfill_august(phu_tho)
    assert result.status == "failed" and "after 3 attempts: unreadable JSON" in result.error
    assert month_values(phu_tho, date(2026, 8, 1)) == []


def test_a_code_other_than_ok_fails_the_run_with_the_portals_message(phu_tho):
    refusal = {"code": "INVALID_DEPARTMENT", "data": None, "message": "Đơn vị không tồn tại"}
    with portal_server(lambda group, body: (201, json.dumps(refusal).encode())) as portal:
        add_portal(phu_tho, portal.url, **FAST)
        result = backfill_august(phu_tho)
    assert result.status == "failed"
    assert result.error == (
        "the portal answered code 'INVALID_DEPARTMENT' for dvc-progress-tree 2026-08: Đơn vị không tồn tại"
    )
    assert len(portal.requests) == 1  # a refusal is not retried


def test_data_null_for_every_period_is_no_data(phu_tho):
    with portal_server(lambda group, body: (201, NULL_DATA)) as portal:
        add_portal(phu_tho, portal.url)
        result = backfill_august(phu_tho)
    assert result.status == "succeeded"
    rows = month_values(phu_tho, date(2026, 8, 1))
    assert len(rows) == 7 and all(r.no_data and r.value is None and r.unit_code == PHU_THO for r in rows)


def test_broken_units_are_quarantined_with_reasons_in_vietnamese(phu_tho):
    broken = {
        "code": "OK",
        "message": "OK",
        "data": {
            "parent": {"departmentName": "UBND tỉnh Phú Thọ", "totalScore": 31, "totalMaxScore": 20},
            "children": [
                "not a unit",
                {"departmentName": None, "score": 1},
                {"departmentName": "UBND Phường Việt Trì", "score": "12,5"},
                {"departmentName": "UBND Phường Nông Trang", "score": True},
            ],
        },
    }
    answer = json.dumps(broken).encode()
    with portal_server(lambda group, body: (201, answer) if is_august_2026(body) else None) as portal:
        add_portal(phu_tho, portal.url)
        result = backfill_august(phu_tho)
    assert result.status == "succeeded"
    total = [r for r in month_values(phu_tho, date(2026, 8, 1)) if r.indicator_code == "portal766.total"]
    assert [(t.no_data, t.value) for t in total] == [(True, None)]  # never a sum of refused scores
    found = reasons(phu_tho)
    assert len(found) == 5 * 6  # per group: the province out of range and four broken children
    assert any("score 31 of 'the province' (2026-08) is not a number from 0 to 20" in r for r in found)
    assert all(in_vietnamese(reason) != reason for reason in found), [r for r in found if in_vietnamese(r) == r]


# Names and periods --------------------------------------------------------------------------------------------------


def test_names_are_normalised_keeping_case_and_diacritics():
    assert normalised("UBND  xã Lâm Thao - Tỉnh Phú Thọ") == "xã Lâm Thao"
    assert normalised("Sở Y tế - Tỉnh Phú Thọ") == "Sở Y tế"
    assert name_key("UBND xã Lâm Thao") == name_key("Xã Lâm Thao")
    assert name_key("Xa Lam Thao") != name_key("Xã Lâm Thao")


def test_a_name_fitting_two_units_or_none_is_never_guessed():
    units = {"25": "Phú Thọ", "00001": "Xã An", "00002": "Xã Ân", "00003": "Phường Hòa", "00004": "phường Hòa"}
    agencies = {"SYT": "Sở Y tế", "UBND-00001": "UBND Xã An"}
    found = matcher("25", units, agencies, {"Sở Mới": ("25", "SMOI")})
    assert found.match("UBND xã An - Tỉnh Phú Thọ") == ("00001", "")  # its People's Committee is the commune
    assert found.match("UBND xã Ân") == ("00002", "")
    assert found.match("UBND Phường Hòa") is None  # two communes fit: no guess
    assert found.match("Xã Anh") is None
    assert found.match("sở mới - Tỉnh Phú Thọ") == ("25", "SMOI")
    assert found.match("Phú Thọ") is None  # the province is the parent, never a child
    assert found.match("Sở Y tế - Tỉnh Phú Thọ") == ("25", "SYT")
    assert found.match("Sở Y tế - Thành phố Hà Nội") is None  # another province's department


def test_periods_ended_in_the_window_and_the_running_month_quarter_and_year():
    label = lambda periods: [p.label for p in periods]  # noqa: E731
    today = date(2026, 12, 2)
    assert label(periods_of(date(2026, 8, 1), date(2026, 9, 1), today)) == ["2026-08", "2026-Q3", "2026"]
    # The running month too: the wall's month to date reads it.
    assert label(periods_of(date(2026, 9, 1), date(2026, 12, 3), today)) == [
        "2026-09", "2026-Q3", "2026-10", "2026-11", "2026-12", "2026-Q4", "2026"
    ]  # fmt: skip
    assert label(periods_of(date(2025, 12, 1), date(2026, 1, 1), today)) == ["2025-12", "2025-Q4", "2025"]


def test_an_incremental_run_reads_the_last_months_and_resumes_from_its_cursor():
    options = Portal766Options(root_department_id=ROOT, months_back=3)
    source = Source(
        name="p", url="http://127.0.0.1:9", auth="none", secrets={}, options=options, province=PHU_THO,
        unit_codes=frozenset({PHU_THO}), now=datetime(2026, 12, 2, 8, 0),
    )  # fmt: skip
    kind = Portal766(source)
    try:
        assert kind._window({}, None, None) == (date(2026, 9, 1), date(2026, 12, 3))
        assert kind._window({"through": "2026-03-31"}, None, None) == (date(2026, 4, 1), date(2026, 12, 3))
    finally:
        kind.close()
    steps = len(periods_of(date(2026, 9, 1), date(2026, 12, 3), date(2026, 12, 2))) * 7
    assert steps == 7 * 7
    assert [group.endpoint for group in SHAPE_GROUPS] == list(INDICATOR)
    assert PeriodRef("month", date(2026, 8, 1), date(2026, 8, 31)).label == "2026-08"
    assert Path(DATA).is_dir()


# The simulator ------------------------------------------------------------------------------------------------------


def test_an_incremental_run_gives_the_month_to_date_the_walls_read(warehouse):
    """The demo's collector (an incremental run) reads the running month, so /wall/index's month to date has the
    portal's scores beside IOC's."""
    from ioc.indicators.portal_compare import compared_rows
    from ioc.kpi.overview import month_to_date

    with running_simulator(SimulatorConfig(seed=3)) as simulator:
        with transaction(warehouse) as connection:
            add_collector(connection, "portal", "portal-766", simulator, options={"root_department_id": "sim-46"})
        result = run_collector(warehouse, "portal", "46")
    assert result.status == "succeeded", result.error
    current, _ = month_to_date(now_local().date())
    with transaction(warehouse) as connection:
        [row] = compared_rows(connection, current)
    assert row["portal_total"] is not None and row["portal_progress"] is not None
    groups = [code.removeprefix("portal766.") for code in INDICATOR.values()]
    assert round(sum(row[f"portal_{group}"] for group in groups), 2) == pytest.approx(row["portal_total"], abs=0.011)


def test_the_simulator_answers_in_the_portals_shapes_for_the_demo_province(warehouse):
    with running_simulator(SimulatorConfig(seed=3)) as simulator:
        with transaction(warehouse) as connection:
            add_collector(connection, "portal", "portal-766", simulator, options={"root_department_id": "sim-46"})
        result = run_collector(warehouse, "portal", "46", since=date(2026, 8, 1), until=date(2026, 8, 31))
    assert result.status == "succeeded", result.error
    rows = [r for r in month_values(warehouse, date(2026, 8, 1)) if r.period_kind == "month"]
    with transaction(warehouse) as connection:
        communes = connection.execute(select(schema.Unit.code).where(schema.Unit.level == "commune")).scalars().all()
        agencies = connection.execute(select(schema.Agency.code).where(schema.Agency.level == "province")).all()
    per_group = 1 + len(communes) + len(agencies)
    assert Counter(r.indicator_code for r in rows) == {
        **dict.fromkeys(INDICATOR.values(), per_group),
        "portal766.total": 1,
    }
    assert not any(r.no_data for r in rows)
    assert {r.quality for r in rows if r.indicator_code == "portal766.transparency"} == {
        "TEMP_NATIONAL_REPORT_DENOMINATOR"
    }
    assert [w.name for w in waiting_names(warehouse, "portal")] == sorted(EXTRA_UNITS, key=str.casefold)


def test_an_incremental_run_stopped_by_a_failure_resumes_at_its_step(phu_tho):
    down = {"on": True}

    def payment_down(group, body):
        if down["on"] and group == "formality-online-payment-tree":
            return 503, b'{"error":"unavailable"}'
        return 201, NULL_DATA

    with portal_server(payment_down) as portal:
        add_portal(phu_tho, portal.url, **FAST)
        first = run_collector(phu_tho, "portal", PHU_THO)
        assert first.status == "failed" and "formality-online-payment-tree" in first.error
        with transaction(phu_tho) as connection:
            cursor = json.loads(connection.execute(select(schema.Collector.cursor)).scalar_one())
        assert (cursor["step"], cursor["page"]) == (2, 1)  # the progress and online-services answers are committed
        before = len(portal.requests)
        down["on"] = False
        second = run_collector(phu_tho, "portal", PHU_THO)
    assert second.status == "succeeded", second.error
    resumed = [group for group, _ in portal.requests[before:]]
    assert resumed[:2] == ["formality-online-payment-tree", "dossier-digitized"]
    periods = len(periods_of(*[date.fromisoformat(day) for day in cursor["window"]], now_local().date()))
    assert len(resumed) == periods * 6 - 2
