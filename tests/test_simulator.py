"""The dossier-system simulator serves the pull API of domain/dossier-source.md, deterministically and realistically.

Most tests talk real HTTP on loopback to ``running_simulator``; expected values come from the contract's rules, the
official units of ``ioc.units`` and an in-process ``Simulator`` with the same configuration.
"""

from __future__ import annotations

import base64
import json
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import httpx
import numpy as np
import pytest

from ioc.simulator import Simulator, SimulatorConfig, running_simulator, simulator_process
from ioc.units import all_agencies, official_units

NOW = datetime(2026, 3, 2, 10, 30)
CONFIG = SimulatorConfig(now=NOW, daily_volume=200, malformed_rate=0.01)
FORMAT = "%Y%m%d%H%M%S"
TIMES = ("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "NgayCapNhat")
NULLABLE = {"NgayKetThucXuLy", "NgayTra"}
KINDS = {
    "missing_key",
    "bad_date",
    "due_before_received",
    "finished_before_received",
    "bad_channel",
    "bad_status",
    "unknown_unit",
    "finished_without_end",
}


def stamp(moment: datetime) -> str:
    return moment.strftime(FORMAT)


def parse_time(text: object) -> datetime | None:
    """A ``yyyyMMddHHmmss`` time, or None when it does not parse."""
    if not isinstance(text, str) or len(text) != 14 or not text.isascii() or not text.isdigit():
        return None
    try:
        return datetime(*(int(text[i:j]) for i, j in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14))))
    except ValueError:
        return None


def broken_rules(record: dict, units: set[str]) -> set[str]:
    """The validation rules of the contract a record breaks, named as the simulator's malformed kinds."""
    broken = set()
    if not record.get("MaHoSo"):
        broken.add("missing_key")
    times = {}
    for field in TIMES:
        value = record.get(field)
        if value is None and field in NULLABLE:
            continue
        times[field] = parse_time(value)
        if times[field] is None:
            broken.add("bad_date")
    received = times.get("NgayTiepNhan")
    if received and times.get("NgayHenTra") and times["NgayHenTra"] < received:
        broken.add("due_before_received")
    if received and times.get("NgayKetThucXuLy") and times["NgayKetThucXuLy"] < received:
        broken.add("finished_before_received")
    if record.get("KenhThucHien") not in (1, 2, 3):
        broken.add("bad_channel")
    if record.get("TrangThaiHoSo") not in range(1, 11):
        broken.add("bad_status")
    if record.get("MaDVHC") not in units:
        broken.add("unknown_unit")
    if record.get("TrangThaiHoSo") in (9, 10) and record.get("NgayKetThucXuLy") is None:
        broken.add("finished_without_end")
    return broken


def pull(client: httpx.Client, low: datetime, high: datetime, page: int, size: int, **headers: str) -> httpx.Response:
    params = {"tu_ngay": stamp(low), "den_ngay": stamp(high), "trang": page, "so_ban_ghi": size}
    return client.get("/api/hoso", params=params, headers=headers)


def pull_all(client: httpx.Client, low: datetime, high: datetime, size: int) -> tuple[list[dict], int]:
    records, page, total = [], 1, None
    while True:
        body = pull(client, low, high, page, size).raise_for_status().json()
        total = body["tong_so_ban_ghi"] if total is None else total
        assert body["tong_so_ban_ghi"] == total and body["trang"] == page and body["so_ban_ghi"] == size
        if not body["du_lieu"]:
            return records, total
        records += body["du_lieu"]
        page += 1


@pytest.fixture(scope="module")
def units() -> set[str]:
    return {unit.code for unit in official_units(CONFIG.province)}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_simulator(CONFIG) as url:
        yield url


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def history(units: set[str]) -> list[dict]:
    """The well-formed records of a small province from its first day to now, in process."""
    simulator = Simulator(SimulatorConfig(now=NOW, daily_volume=60, start=date(2023, 1, 1)))
    records = simulator.records(datetime(2023, 1, 1), NOW + timedelta(seconds=1))
    return [record for record in records if not broken_rules(record, units)]


@pytest.fixture(scope="module")
def received(history: list[dict]) -> list[tuple[dict, datetime]]:
    """Records counted as received (status not 1 or 3), with their reception time."""
    return [(r, parse_time(r["NgayTiepNhan"])) for r in history if r["TrangThaiHoSo"] not in (1, 3)]


# --- the pull API: windows, order, paging --------------------------------------------------------------------------


def test_the_same_configuration_serves_byte_identical_pages():
    low, high = datetime(2025, 11, 3), datetime(2025, 11, 5)
    with (
        running_simulator(CONFIG) as first,
        running_simulator(CONFIG) as second,
        httpx.Client(base_url=first) as a,
        httpx.Client(base_url=second) as b,
    ):
        for page in (1, 2, 3):
            assert pull(a, low, high, page, 150).content == pull(b, low, high, page, 150).content
    other = Simulator(SimulatorConfig(now=NOW, daily_volume=200, malformed_rate=0.01, seed=2))
    assert other.page(low, high, 1, 150) != Simulator(CONFIG).page(low, high, 1, 150)


def test_records_are_ordered_by_update_time_then_code_within_the_half_open_window(client):
    low, high = datetime(2025, 11, 3, 9, 15), datetime(2025, 11, 4, 16, 45, 30)
    records, total = pull_all(client, low, high, 500)
    keys = [(r["NgayCapNhat"], r.get("MaHoSo", "")) for r in records]
    assert total == len(records) > 200
    assert keys == sorted(keys)
    assert all(stamp(low) <= updated < stamp(high) for updated, _ in keys)
    boundary = parse_time(keys[len(keys) // 2][0])
    at_boundary = [key for key in keys if key[0] == stamp(boundary)]
    before, _ = pull_all(client, low, boundary, 500)
    from_boundary, _ = pull_all(client, boundary, high, 500)
    assert before + from_boundary == records
    assert [(r["NgayCapNhat"], r.get("MaHoSo", "")) for r in from_boundary[: len(at_boundary)]] == at_boundary


def test_pages_cover_every_record_once_and_the_total_is_exact(client):
    low, high = datetime(2025, 6, 2, 8), datetime(2025, 6, 4, 12)
    served, total = pull_all(client, low, high, 97)
    expected = list(Simulator(CONFIG).records(low, high))
    assert served == expected
    assert total == len(expected)
    codes = [r["MaHoSo"] for r in served if r.get("MaHoSo")]
    assert len(codes) == len(set(codes))
    past_the_end = pull(client, low, high, total // 97 + 5, 97).json()
    assert past_the_end["du_lieu"] == [] and past_the_end["tong_so_ban_ghi"] == total


def test_records_are_a_stream_and_page_gives_the_served_body(client):
    simulator = Simulator(CONFIG)
    low, high = datetime(2025, 6, 2), datetime(2025, 6, 3)
    stream = simulator.records(low, high)
    assert isinstance(stream, Iterator)
    assert simulator.page(low, high, 2, 50) == pull(client, low, high, 2, 50).json()


def test_one_window_over_two_years_counts_what_weekly_windows_count():
    simulator = Simulator(SimulatorConfig(now=NOW, daily_volume=40, start=date(2023, 6, 1)))
    low, high = datetime(2023, 1, 1), datetime(2025, 1, 1)
    whole = simulator.page(low, high, 1, 1)["tong_so_ban_ghi"]
    weeks, start = 0, low
    while start < high:
        end = min(start + timedelta(days=7), high)
        weeks += simulator.page(start, end, 1, 1)["tong_so_ban_ghi"]
        start = end
    assert whole == weeks == simulator.truth(low, high).total > 10_000
    last_page = simulator.page(low, high, (whole - 1) // 1000 + 1, 1000)["du_lieu"]
    assert len(last_page) == whole - (whole - 1) // 1000 * 1000


def test_no_dossier_exists_before_start_or_after_now():
    simulator = Simulator(SimulatorConfig(now=NOW, daily_volume=100, start=date(2024, 1, 1)))
    assert simulator.truth(datetime(2020, 1, 1), datetime(2024, 1, 1)).total == 0
    assert simulator.truth(NOW + timedelta(seconds=1), datetime(2030, 1, 1)).total == 0
    latest = list(simulator.records(NOW - timedelta(hours=12), datetime(2030, 1, 1)))
    assert latest and max(r["NgayCapNhat"] for r in latest) <= stamp(NOW)


@pytest.mark.parametrize(
    "params",
    [
        {"den_ngay": "20250101000000", "trang": "1", "so_ban_ghi": "10"},
        {"tu_ngay": "20251345000000", "den_ngay": "20251231000000", "trang": "1", "so_ban_ghi": "10"},
        {"tu_ngay": "2025-01-01", "den_ngay": "20251231000000", "trang": "1", "so_ban_ghi": "10"},
        {"tu_ngay": "20250102000000", "den_ngay": "20250101000000", "trang": "1", "so_ban_ghi": "10"},
        {"tu_ngay": "20250101000000", "den_ngay": "20250102000000", "trang": "0", "so_ban_ghi": "10"},
        {"tu_ngay": "20250101000000", "den_ngay": "20250102000000", "trang": "x", "so_ban_ghi": "10"},
        {"tu_ngay": "20250101000000", "den_ngay": "20250102000000", "trang": "1", "so_ban_ghi": "5001"},
        {"tu_ngay": "20250101000000", "den_ngay": "20250102000000", "trang": "1"},
    ],
)
def test_bad_or_missing_parameters_are_a_400_with_a_json_error(client, params):
    response = client.get("/api/hoso", params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


# --- the records: contract, truth, malformed kinds -----------------------------------------------------------------


def test_truth_agrees_with_the_served_records_and_the_contracts_rules(units):
    simulator = Simulator(SimulatorConfig(now=NOW, daily_volume=300, malformed_rate=0.05))
    low, high = datetime(2025, 9, 1), datetime(2025, 9, 15)
    records = list(simulator.records(low, high))
    truth = simulator.truth(low, high)
    rules = [broken_rules(r, units) for r in records]
    assert all(len(broken) <= 1 for broken in rules)
    assert all(low <= parse_time(r["NgayCapNhat"]) < high for r in records)
    valid = [r for r, broken in zip(records, rules, strict=True) if not broken]
    assert truth.total == len(records)
    assert truth.valid == len(valid)
    assert truth.malformed == dict(Counter(kind for broken in rules for kind in broken))
    assert set(truth.malformed) == KINDS
    assert truth.by_status == dict(Counter(r["TrangThaiHoSo"] for r in valid))
    assert truth.by_unit == dict(Counter(r["MaDVHC"] for r in valid))
    assert truth.by_agency == dict(Counter(r["MaCoQuan"] for r in valid))
    assert 0.03 < sum(truth.malformed.values()) / truth.total < 0.07


def test_every_valid_record_names_a_real_unit_and_agency_of_the_province(history, units):
    agencies = {agency.code: agency.unit_code for agency in all_agencies(CONFIG.province)}
    assert len(history) > 50_000
    assert all(r["MaCoQuan"] in agencies and agencies[r["MaCoQuan"]] == r["MaDVHC"] for r in history)
    assert {r["MaDVHC"] for r in history} == units


def test_valid_records_follow_the_lifecycle(history):
    catalogue = {p.code: p for p in Simulator(CONFIG).catalogue()}
    for record in history:
        status = record["TrangThaiHoSo"]
        times = {field: parse_time(record[field]) for field in TIMES}
        assert (times["NgayKetThucXuLy"] is not None) == (status in (9, 10)), record
        assert (times["NgayTra"] is not None) == (status == 10), record
        assert times["NgayTiepNhan"] <= times["NgayCapNhat"] <= NOW
        assert record["ThanhToanTrucTuyen"] is None if not catalogue[record["MaTTHC"]].has_fee else True
        due = times["NgayHenTra"]
        assert due.weekday() < 5 and "073000" <= record["NgayHenTra"][8:] <= "170000", record
        if status not in (1, 3):
            legal = catalogue[record["MaTTHC"]].legal_days
            after = times["NgayTiepNhan"].date() + timedelta(days=1)
            assert np.busday_count(after, due.date() + timedelta(days=1)) >= legal, record


def test_resolved_dossiers_include_the_kpi_edge_cases(history):
    outcomes = Counter()
    for record in history:
        if record["TrangThaiHoSo"] not in (9, 10):
            continue
        finished, due = record["NgayKetThucXuLy"], record["NgayHenTra"]
        if finished == due:
            outcomes["exactly at due"] += 1
        elif finished > due:
            outcomes["later the same day" if finished[:8] == due[:8] else "late"] += 1
        else:
            outcomes["earlier the same day" if finished[:8] == due[:8] else "early"] += 1
    resolved = sum(outcomes.values())
    assert set(outcomes) == {"exactly at due", "later the same day", "late", "earlier the same day", "early"}
    assert 0.01 < outcomes["exactly at due"] / resolved < 0.1
    assert 0.03 < (outcomes["late"] + outcomes["later the same day"]) / resolved < 0.2
    assert outcomes["early"] / resolved > 0.5


def test_some_agencies_are_chronically_late_and_most_are_not(history):
    late, resolved = Counter(), Counter()
    for record in history:
        if record["TrangThaiHoSo"] in (9, 10):
            resolved[record["MaCoQuan"]] += 1
            late[record["MaCoQuan"]] += record["NgayKetThucXuLy"] > record["NgayHenTra"]
    rates = [late[agency] / count for agency, count in resolved.items() if count >= 300]
    assert sum(rate > 0.18 for rate in rates) >= 2
    assert np.median(rates) < 0.1


# --- realism: volumes, channels, catalogue -------------------------------------------------------------------------


def test_weekdays_receive_more_than_saturdays_and_saturdays_more_than_sundays(received):
    per_weekday = Counter(when.weekday() for _, when in received if when.year == 2025)
    days = Counter((date(2025, 1, 1) + timedelta(days=i)).weekday() for i in range(365))
    mean = {weekday: per_weekday[weekday] / days[weekday] for weekday in range(7)}
    assert min(mean[d] for d in range(5)) > 3 * mean[5] > 0
    assert mean[5] > 2 * mean[6] > 0


def test_tet_holidays_are_a_deep_dip(received):
    per_day = Counter(when.date() for _, when in received)
    tet_2025 = [date(2025, 1, 27) + timedelta(days=i) for i in range(7)]
    ordinary = [date(2025, 3, 3) + timedelta(days=i) for i in range(14)]
    assert sum(per_day[d] for d in tet_2025) / 7 < 0.1 * sum(per_day[d] for d in ordinary) / 14


def test_the_online_share_rises_year_over_year(received):
    share = {}
    for year in (2023, 2024, 2025):
        records = [r for r, when in received if when.year == year]
        share[year] = sum(r["KenhThucHien"] == 2 for r in records) / len(records)
    assert 0.25 < share[2023] < share[2024] - 0.04 < share[2025] - 0.08 < 0.6
    postal = [r for r, _ in received if r["KenhThucHien"] == 3]
    assert 0.005 < len(postal) / len(received) < 0.06


def test_the_catalogue_has_two_hundred_procedures_in_many_fields():
    catalogue = Simulator(CONFIG).catalogue()
    provincial = {agency.code for agency in all_agencies(CONFIG.province) if agency.level == "province"}
    assert len(catalogue) >= 200
    assert len({p.field_code for p in catalogue}) >= 18
    assert len({p.code for p in catalogue}) == len(catalogue)
    assert all(re.fullmatch(r"[12]\.00\d{4}", p.code) for p in catalogue)
    assert all(p.level in ("province", "commune") and p.online in ("full", "partial", "none") for p in catalogue)
    assert all((p.agency in provincial) if p.level == "province" else p.agency is None for p in catalogue)
    assert {"Đăng ký khai sinh", "Đăng ký kết hôn", "Chứng thực bản sao từ bản chính giấy tờ, văn bản"} <= {
        p.name for p in catalogue
    }


def test_commune_level_fields_carry_most_of_the_volume(history):
    commune_level = sum(r["MaDVHC"] != CONFIG.province for r in history)
    assert commune_level / len(history) > 0.6
    top = [name for name, _ in Counter(r["TenLinhVuc"] for r in history).most_common(2)]
    assert set(top) == {"Hộ tịch", "Chứng thực"}


# --- the simulated clock -------------------------------------------------------------------------------------------


def test_moving_the_clock_advances_dossiers_for_an_incremental_pull():
    config = SimulatorConfig(now=NOW, daily_volume=200)
    with running_simulator(config) as url, httpx.Client(base_url=url) as http:
        low = NOW - timedelta(days=10)
        before, _ = pull_all(http, low, NOW + timedelta(seconds=1), 1000)
        later = NOW + timedelta(days=3)
        moved = http.post("/_sim/clock", json={"now": stamp(later)})
        assert moved.json() == {"ok": True, "now": stamp(later)}
        assert http.get("/_sim/health").json() == {"ok": True, "now": stamp(later)}
        increment, _ = pull_all(http, NOW, later + timedelta(seconds=1), 1000)
    earlier = {r["MaHoSo"]: r for r in before if r.get("MaHoSo")}
    changed = [r for r in increment if r.get("MaHoSo") in earlier]
    assert len(changed) > 50
    assert all(r["NgayCapNhat"] > earlier[r["MaHoSo"]]["NgayCapNhat"] for r in changed)
    assert sum(r["TrangThaiHoSo"] != earlier[r["MaHoSo"]]["TrangThaiHoSo"] for r in changed) > 50
    assert all(stamp(NOW) <= r["NgayCapNhat"] <= stamp(later) for r in increment)
    assert any(r.get("MaHoSo") not in earlier for r in increment)


def test_set_now_in_process_matches_the_clock_endpoint():
    simulator = Simulator(CONFIG)
    simulator.set_now(NOW + timedelta(days=1))
    assert simulator.now() == NOW + timedelta(days=1)
    with running_simulator(CONFIG) as url, httpx.Client(base_url=url) as http:
        http.post("/_sim/clock", json={"now": stamp(NOW + timedelta(days=1))}).raise_for_status()
        low, high = NOW, NOW + timedelta(days=1)
        assert pull(http, low, high, 1, 200).json() == simulator.page(low, high, 1, 200)
        assert http.post("/_sim/clock", json={"now": "soon"}).status_code == 400


# --- authentication ------------------------------------------------------------------------------------------------


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


LOW, HIGH = datetime(2025, 6, 2), datetime(2025, 6, 3)


@pytest.mark.parametrize(
    ("auth", "good", "bad"),
    [
        ("apikey", {"X-API-Key": "sim-key"}, {"X-API-Key": "wrong"}),
        ("basic", {"Authorization": basic("sim", "sim-pass")}, {"Authorization": basic("sim", "nope")}),
    ],
)
def test_api_key_and_basic_auth_accept_good_and_refuse_bad_credentials(auth, good, bad):
    with (
        running_simulator(SimulatorConfig(now=NOW, daily_volume=50, auth=auth)) as url,
        httpx.Client(base_url=url) as http,
    ):
        assert pull(http, LOW, HIGH, 1, 10, **good).status_code == 200
        assert pull(http, LOW, HIGH, 1, 10, **bad).status_code == 401
        assert pull(http, LOW, HIGH, 1, 10).status_code == 401
        assert http.get("/_sim/health").status_code == 200


def test_oauth2_client_credentials_issue_tokens_that_expire():
    config = SimulatorConfig(now=NOW, daily_volume=50, auth="oauth2", token_ttl_seconds=1)
    with running_simulator(config) as url, httpx.Client(base_url=url) as http:
        by_basic = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic("sim-client", "sim-secret")},
        )
        by_form = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "sim-client", "client_secret": "sim-secret"},
        )
        assert by_basic.status_code == by_form.status_code == 200
        token = by_form.json()
        assert token["token_type"] == "Bearer" and token["expires_in"] == 1 and token["access_token"]
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert pull(http, LOW, HIGH, 1, 10, **bearer).status_code == 200
        unknown = pull(http, LOW, HIGH, 1, 10, Authorization="Bearer not-a-token")
        assert unknown.status_code == 401 and 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
        assert pull(http, LOW, HIGH, 1, 10).status_code == 401
        bad_client = http.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": "sim-client", "client_secret": "x"}
        )
        assert bad_client.status_code == 401 and bad_client.json() == {"error": "invalid_client"}
        wrong_grant = http.post("/oauth/token", data={"grant_type": "password"})
        assert wrong_grant.status_code == 400
        time.sleep(1.2)
        expired = pull(http, LOW, HIGH, 1, 10, **bearer)
        assert expired.status_code == 401 and 'error="invalid_token"' in expired.headers["WWW-Authenticate"]


# --- faults --------------------------------------------------------------------------------------------------------


def test_fault_knobs_change_at_run_time_and_touch_only_the_pull_endpoint():
    with (
        running_simulator(SimulatorConfig(now=NOW, daily_volume=50, error_rate=1.0)) as url,
        httpx.Client(base_url=url) as http,
    ):
        assert pull(http, LOW, HIGH, 1, 10).status_code == 503
        assert http.get("/_sim/health").status_code == 200
        assert http.post("/_sim/faults", json={"error_rate": 0.0, "truncated_rate": 1.0}).status_code == 200
        truncated = pull(http, LOW, HIGH, 1, 100)
        assert truncated.status_code == 200 and int(truncated.headers["Content-Length"]) == len(truncated.content)
        with pytest.raises(json.JSONDecodeError):
            json.loads(truncated.content)
        http.post("/_sim/faults", json={"truncated_rate": 0.0, "malformed_page_rate": 1.0}).raise_for_status()
        shapes = set()
        for _ in range(12):
            response = pull(http, LOW, HIGH, 1, 10)
            assert response.status_code == 200
            try:
                body = response.json()
            except json.JSONDecodeError:
                shapes.add("not json")
                continue
            assert "du_lieu" not in body
            shapes.add("json without du_lieu")
        assert shapes == {"not json", "json without du_lieu"}
        knobs = http.post("/_sim/faults", json={"malformed_page_rate": 0, "latency_ms": 150}).json()
        assert knobs["error_rate"] == knobs["truncated_rate"] == knobs["malformed_page_rate"] == 0
        started = time.monotonic()
        assert pull(http, LOW, HIGH, 1, 10).json()["du_lieu"]
        assert time.monotonic() - started >= 0.15
        assert http.post("/_sim/faults", json={"error_rate": 2}).status_code == 400
        assert http.post("/_sim/faults", json={"nonsense": 1}).status_code == 400


def test_a_503_storm_can_start_and_stop():
    with running_simulator(SimulatorConfig(now=NOW, daily_volume=50)) as url, httpx.Client(base_url=url) as http:
        assert pull(http, LOW, HIGH, 1, 10).status_code == 200
        http.post("/_sim/faults", json={"error_rate": 1.0}).raise_for_status()
        assert {pull(http, LOW, HIGH, 1, 10).status_code for _ in range(5)} == {503}
        http.post("/_sim/faults", json={"error_rate": 0.0}).raise_for_status()
        assert pull(http, LOW, HIGH, 1, 10).status_code == 200


# --- processes -----------------------------------------------------------------------------------------------------


def test_simulator_process_serves_from_another_process():
    config = SimulatorConfig(now=NOW, daily_volume=50, auth="apikey", api_key="k")
    with simulator_process(config) as url, httpx.Client(base_url=url) as http:
        assert http.get("/_sim/health").json() == {"ok": True, "now": stamp(NOW)}
        served = pull(http, LOW, HIGH, 1, 20, **{"X-API-Key": "k"}).json()
    assert served == Simulator(config).page(LOW, HIGH, 1, 20)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/_sim/health", timeout=2)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_command_stops_cleanly_on_sigterm_and_sigint(stop):
    command = [sys.executable, "-m", "ioc.simulator", "--port", "0", "--now", stamp(NOW), "--seed", "7"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = process.stdout.readline()
        url = ready.strip().rsplit(" ", 1)[-1]
        assert httpx.get(f"{url}/_sim/health").json()["ok"] is True
        process.send_signal(stop)
        _, errors = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert errors == ""
