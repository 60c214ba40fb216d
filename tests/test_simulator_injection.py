"""The simulator's injected anomalies: each does what it says to its scope only, they are deterministic from the seed
and knowable (config, command line, ``/_sim/anomalies``), and without any the simulator serves what it always did."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
from collections import Counter
from datetime import date, datetime, timedelta

import httpx
import pytest

from ioc.cli.demo import injected_anomalies
from ioc.errors import IOCError
from ioc.simulator import Simulator, SimulatorConfig, running_simulator
from ioc.simulator.arguments import parse_arguments, to_arguments
from ioc.simulator.injection import CATCH_UP_DAYS, Injection, draw, parse
from ioc.simulator.world import build_world
from ioc.work_calendar import is_working_day

BASE = SimulatorConfig(seed=3, start=date(2025, 1, 1), now=datetime(2025, 4, 1, 12), daily_volume=200)
#: The pages of BASE over its whole history, as served before injections existed (computed on commit 5d8755b).
BASE_DIGEST = "63bdec29f2826ef189b21ffc8fd9f8c77105e82a280f163133145a7094bc02e1"
WINDOW = (datetime(2025, 1, 1), datetime(2025, 4, 1, 12))
STAMP = "%Y%m%d%H%M%S"
CODE = re.compile(r"^H46-\d{6}-\d{6}$")


def digest(config: SimulatorConfig) -> str:
    simulator, sha = Simulator(config), hashlib.sha256()
    for page in range(1, 100):
        body = simulator.page_bytes(*WINDOW, page, 5000)
        sha.update(body)
        if body.endswith(b'"du_lieu":[]}'):
            return sha.hexdigest()
    raise AssertionError("more pages than expected")


def records(config: SimulatorConfig) -> dict[str, dict]:
    """The well-formed records served over the window, by MaHoSo (``H46-yymmdd-nnnnnn``: the day first seen)."""
    return {r["MaHoSo"]: r for r in Simulator(config).records(*WINDOW) if CODE.match(str(r.get("MaHoSo")))}


def injected(text: str, **changes) -> SimulatorConfig:
    return dataclasses.replace(BASE, anomalies=text, **changes)


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, STAMP)


def test_without_anomalies_the_simulator_serves_exactly_what_it_served_before() -> None:
    assert digest(BASE) == BASE_DIGEST
    assert digest(injected("gap:unit:19960:2025-03-03:2")) != BASE_DIGEST


def test_a_collection_gap_drops_the_units_dossiers_first_seen_in_it_and_nothing_else() -> None:
    before, after = records(BASE), records(injected("gap:unit:19960:2025-03-03:3"))
    first_seen = {key: date(2000 + int(key[4:6]), int(key[6:8]), int(key[8:10])) for key in before}
    gone = {key for key in before if key not in after}
    in_gap = {
        key
        for key, r in before.items()
        if r["MaDVHC"] == "19960" and date(2025, 3, 3) <= first_seen[key] < date(2025, 3, 6)
    }
    assert gone == in_gap and len(gone) > 5
    assert all(after[key] == before[key] for key in after)


def test_a_province_gap_serves_no_dossier_first_seen_in_it() -> None:
    after = records(injected("gap:province:46:2025-03-04:2"))
    assert not [key for key in after if key[4:10] in ("250304", "250305")]
    assert [key for key in after if key[4:10] == "250306"]


def test_a_backlog_surge_stops_the_agency_resolving_then_it_catches_up() -> None:
    low, high = datetime(2025, 3, 10), datetime(2025, 3, 15)
    before, after = records(BASE), records(injected("surge:agency:UBND-19960:2025-03-10:5"))
    assert before.keys() == after.keys()
    ended = lambda rs, agency: Counter(  # noqa: E731
        at(r["NgayKetThucXuLy"]).date() for r in rs.values() if r["MaCoQuan"] == agency and r["NgayKetThucXuLy"]
    )
    usual, surged = ended(before, "UBND-19960"), ended(after, "UBND-19960")
    assert sum(n for day, n in usual.items() if low.date() <= day < high.date()) > 10
    assert not [day for day in surged if low.date() <= day < high.date()]
    catch_up = [day for day in (high.date() + timedelta(days=i) for i in range(10)) if is_working_day(day)]
    assert sum(surged[day] for day in catch_up[:CATCH_UP_DAYS]) > sum(usual[day] for day in catch_up[:CATCH_UP_DAYS])
    assert sum(surged.values()) == sum(usual.values())
    others = [key for key, r in before.items() if r["MaCoQuan"] != "UBND-19960"]
    assert all(after[key] == before[key] for key in others)


def test_a_punctuality_collapse_makes_the_agencys_dossiers_due_in_it_late() -> None:
    config = injected("collapse:agency:UBND-19960:2025-02-10:28")

    def late_share(rs: dict[str, dict]) -> float:
        due = [
            r
            for r in rs.values()
            if r["MaCoQuan"] == "UBND-19960"
            and r["NgayKetThucXuLy"]
            and r["TrangThaiHoSo"] in (9, 10)
            and datetime(2025, 2, 10) <= at(r["NgayHenTra"]) < datetime(2025, 3, 10)
        ]
        assert len(due) > 40
        return sum(at(r["NgayKetThucXuLy"]) > at(r["NgayHenTra"]) for r in due) / len(due)

    before, after = records(BASE), records(config)
    assert late_share(before) < 0.4 and late_share(after) > 0.5
    others = [key for key, r in before.items() if r["MaCoQuan"] != "UBND-19960"]
    assert all(after[key] == before[key] for key in others)


def test_drawn_anomalies_are_deterministic_from_the_seed_and_start_on_working_days() -> None:
    world = build_world("46", 3)
    first = draw(world, 3, date(2025, 3, 1), date(2025, 6, 30), 6)
    assert first == draw(build_world("46", 3), 3, date(2025, 3, 1), date(2025, 6, 30), 6)
    assert first != draw(build_world("46", 4), 4, date(2025, 3, 1), date(2025, 6, 30), 6)
    assert [i.kind for i in first] == ["gap", "surge", "collapse"] * 2
    assert all(is_working_day(i.start) and date(2025, 3, 1) <= i.start <= date(2025, 6, 30) for i in first)
    assert all(a.end <= b.start for a, b in itertools.pairwise(first))


def test_anomalies_are_knowable_from_the_config_the_command_line_and_the_server() -> None:
    text = "gap:unit:19960:2025-03-03:3,surge:agency:STP:2025-03-10:5"
    config = injected(text)
    assert config.injections() == (
        Injection("gap", "unit", "19960", date(2025, 3, 3), 3),
        Injection("surge", "agency", "STP", date(2025, 3, 10), 5),
    )
    assert parse_arguments(to_arguments(config))[0] == config
    assert "--anomalies" not in to_arguments(BASE)
    with running_simulator(config) as url:
        answer = httpx.get(f"{url}/_sim/anomalies", timeout=10).json()
    assert answer == {
        "anomalies": [
            {"kind": "gap", "scope": "unit", "code": "19960", "start": "2025-03-03", "days": 3},
            {"kind": "surge", "scope": "agency", "code": "STP", "start": "2025-03-10", "days": 5},
        ]
    }


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("spike:unit:19960:2025-03-03:3", "kind must be one of"),
        ("gap:agency:STP:2025-03-03:3", "a gap is about a province or unit"),
        ("surge:agency:NOPE:2025-03-03:3", "no agency 'NOPE'"),
        ("gap:unit:19960:03/03/2025:3", "YYYY-MM-DD"),
        ("gap:unit:19960:2025-03-03:0", "days must be between"),
        ("gap:unit:19960", "expected kind:scope:code:YYYY-MM-DD:days"),
    ],
)
def test_a_bad_anomaly_is_refused_in_one_line(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse(text, "46")
    with pytest.raises(ValueError, match=says):
        injected(text)


def test_the_demo_draws_its_anomalies_over_the_last_eight_weeks_or_takes_a_list() -> None:
    today = date(2026, 12, 2)
    drawn = parse(injected_anomalies("4", "46", today), "46")
    assert len(drawn) == 4 and all(today - timedelta(weeks=8) <= i.start < today for i in drawn)
    assert injected_anomalies("gap:unit:19960:2026-11-30:2", "46", today) == "gap:unit:19960:2026-11-30:2"
    with pytest.raises(IOCError, match=r"^--anomalies: anomaly 'gap:unit'"):
        injected_anomalies("gap:unit", "46", today)
