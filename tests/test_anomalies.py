"""The anomaly rules on hand-built daily series, on both engines: a spike is flagged on its day with its sign; the quiet
of weekends, holidays and Tết is never an anomaly; too little history or too few dossiers flag nothing; a constant
series (MAD 0) divides by nothing."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from helpers import provincial_dossier
from ioc.anomalies import HISTORY_DAYS, THRESHOLD, Anomaly, anomalies
from ioc.anomalies.detect import MIN_HISTORY, expectation
from ioc.collecting.store import add_collector
from ioc.errors import IOCError
from ioc.records import DossierRecord
from ioc.warehouse import schema
from ioc.warehouse.load import load_page
from ioc.work_calendar import is_working_day

NOW = datetime(2025, 12, 1, 12, 0)
#: A working week's rhythm (Monday first) and a small deterministic wobble, so the MAD is not 0.
RHYTHM = (14, 12, 12, 11, 10)
WOBBLE = (0, 1, -1, 2, 0, -2, 1, 0, -1, 1, 2, -1, 0)
COLLECTOR = schema.Collector.__table__


def record(key: str, received: datetime, finished: datetime | None = None, late: bool = False, **more) -> DossierRecord:
    """A dossier of agency SO-A in unit 46 received at ``received``, resolved at ``finished`` when given."""
    due = None
    if finished is not None:
        due = finished - timedelta(hours=1) if late else finished + timedelta(hours=1)
    return provincial_dossier(key, received, due or received + timedelta(days=200), finished, NOW, **more)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def usual(day: date, index: int) -> int:
    """The usual received on a working day (0 on any other day)."""
    return RHYTHM[day.weekday()] + WOBBLE[index % len(WOBBLE)] if is_working_day(day) else 0


def received_on(counts: dict[date, int], prefix: str = "R", **more) -> list[DossierRecord]:
    return [
        record(f"{prefix}{day:%Y%m%d}-{i}", datetime.combine(day, time(9, 0)) + timedelta(minutes=i), **more)
        for day, count in counts.items()
        for i in range(count)
    ]


def load(engine, records: list[DossierRecord]) -> None:
    with engine.begin() as connection:
        collector = connection.execute(select(COLLECTOR.c.id).where(COLLECTOR.c.name == "dossiers")).scalar()
        if collector is None:
            collector = add_collector(connection, "dossiers", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector, None, records, [], NOW)


def found(engine, today: date, **options) -> list[Anomaly]:
    with engine.connect() as connection:
        return anomalies(connection, today, **options)


def ten_weeks(last: date) -> dict[date, int]:
    return {day: usual(day, i) for i, day in enumerate(days_between(last - timedelta(days=69), last))}


@pytest.mark.parametrize(("extra", "direction"), [(40, "above"), (-16, "below")])
def test_a_spike_is_flagged_on_its_day_with_its_sign(warehouse, extra: int, direction: str) -> None:
    """16 dossiers on a usual Wednesday: 56 is far above, 0 (a collection gap) far below."""
    spike = date(2025, 11, 26)
    counts = {day: count + 4 if count else 0 for day, count in ten_weeks(spike).items()}
    assert spike.weekday() == 2 and counts[spike] == 16
    counts[spike] += extra
    load(warehouse, received_on(counts))
    flagged = found(warehouse, spike + timedelta(days=1), measures=("received",))
    assert {(a.scope, a.code) for a in flagged} == {("province", "46"), ("unit", "46"), ("agency", "SO-A")}
    for anomaly in flagged:
        assert (anomaly.day, anomaly.measure, anomaly.direction) == (spike, "received", direction)
        assert anomaly.value == counts[spike]
        assert abs(anomaly.score) >= THRESHOLD and (anomaly.score > 0) == (extra > 0)
        assert abs(anomaly.expected - (counts[spike] - extra)) < 3
    # The day before is usual, and a day is judged only once it is over: today is never judged.
    assert found(warehouse, spike, measures=("received",)) == []
    assert found(warehouse, spike + timedelta(days=1), measures=("received",), scope="agency") == [
        a for a in flagged if a.scope == "agency"
    ]
    assert found(warehouse, spike + timedelta(days=1), measures=("resolved", "on_time_rate")) == []


def test_the_quiet_of_tet_a_holiday_and_their_weekends_is_never_an_anomaly(warehouse) -> None:
    """Tết 2025 (27/1–2/2) then the usual weeks; 30/4 and 1/5 2025 (Wednesday, Thursday) are public holidays."""
    last = date(2025, 5, 9)
    counts = {day: usual(day, i) for i, day in enumerate(days_between(date(2024, 11, 18), last))}
    assert counts[date(2025, 1, 29)] == counts[date(2025, 4, 30)] == counts[date(2025, 5, 1)] == 0
    load(warehouse, received_on(counts))
    assert found(warehouse, date(2025, 2, 7), days=14) == []
    assert found(warehouse, last + timedelta(days=1), days=14) == []


def test_the_slow_restart_after_tet_is_masked_but_not_the_weeks_after(warehouse) -> None:
    """Tết 2025's days off end on 2/2: 3/2–9/2 is its aftermath (TET_AFTERMATH_DAYS), 12/2 an ordinary Wednesday."""
    counts = {day: 3 * usual(day, i) for i, day in enumerate(days_between(date(2024, 11, 18), date(2025, 2, 12)))}
    for quiet in (date(2025, 2, 3), date(2025, 2, 4), date(2025, 2, 12)):
        counts[quiet] = 0
    load(warehouse, received_on(counts))
    flagged = found(warehouse, date(2025, 2, 13), days=10, scope="province")
    assert [(a.day, a.measure, a.direction) for a in flagged] == [(date(2025, 2, 12), "received", "below")]


def test_a_weekend_or_a_holiday_with_dossiers_is_not_judged_either(warehouse) -> None:
    counts = ten_weeks(date(2025, 9, 5))
    counts[date(2025, 9, 2)] = 90  # National Day (a Tuesday): online dossiers, say
    counts[date(2025, 8, 30)] = 90  # a Saturday
    load(warehouse, received_on(counts))
    assert found(warehouse, date(2025, 9, 6), days=8) == []


def test_too_little_history_flags_nothing(warehouse) -> None:
    spike = date(2025, 11, 26)
    counts = {day: usual(day, i) for i, day in enumerate(days_between(spike - timedelta(days=25), spike))}
    counts[spike] += 200
    assert sum(is_working_day(day) for day in counts if day < spike) < MIN_HISTORY
    load(warehouse, received_on(counts))
    assert found(warehouse, spike + timedelta(days=1)) == []


def test_history_before_the_window_is_not_read(warehouse) -> None:
    """A day is judged on the HISTORY_DAYS before it only: older dossiers do not make up for a short history."""
    spike = date(2025, 11, 26)
    old = {day: 12 for day in days_between(date(2025, 6, 2), date(2025, 7, 31)) if is_working_day(day)}
    recent = {day: usual(day, i) for i, day in enumerate(days_between(spike - timedelta(days=20), spike))}
    recent[spike] += 200
    assert min(recent) - max(old) > timedelta(days=HISTORY_DAYS)
    load(warehouse, received_on(old | recent))
    assert found(warehouse, spike + timedelta(days=1)) == []


def test_a_constant_series_has_mad_zero_and_divides_by_nothing(warehouse) -> None:
    last = date(2025, 11, 26)
    counts = {day: 10 if is_working_day(day) else 0 for day in days_between(last - timedelta(days=69), last)}
    load(warehouse, received_on(counts))
    assert found(warehouse, last + timedelta(days=1)) == []
    counts = {date(2025, 11, 27): 30}  # the next day, three times the usual: 20 over the Poisson floor √10
    load(warehouse, received_on(counts, prefix="S"))
    (province, *_) = found(warehouse, date(2025, 11, 28), scope="province")
    assert (province.value, province.direction) == (30, "above")
    assert province.expected == pytest.approx(10, abs=0.01)
    assert province.score == pytest.approx(20 / math.sqrt(10), abs=0.01)


def test_constant_history_alone_scores_against_its_floor_without_dividing_by_zero() -> None:
    history = np.full(40, 7.0)
    expected = expectation(history, np.ones(40, dtype=bool))
    assert expected is not None and expected.spread == pytest.approx(0, abs=1e-9)
    assert expected.score(7.0, 1.0) == pytest.approx(0, abs=1e-9)
    assert expected.score(9.0, 0.5) == pytest.approx(4, abs=1e-9)
    assert expectation(history[: MIN_HISTORY - 1], np.ones(MIN_HISTORY - 1, dtype=bool)) is None


def resolved_on(days: list[date], per_day: int, late_on: dict[date, int], prefix: str) -> list[DossierRecord]:
    """``per_day`` dossiers resolved each working day of ``days``; ``late_on[day]`` of them late."""
    records = []
    for day in (d for d in days if is_working_day(d)):
        for i in range(per_day):
            finished = datetime.combine(day, time(10, 0)) + timedelta(minutes=i)
            late = i < late_on.get(day, 1 if day.day % 3 == 0 else 0)
            records.append(record(f"{prefix}{day:%Y%m%d}-{i}", finished - timedelta(days=1), finished, late))
    return records


@pytest.mark.parametrize(("per_day", "flagged"), [(20, True), (6, False)])
def test_the_on_time_rate_is_judged_only_over_enough_resolved(warehouse, per_day: int, flagged: bool) -> None:
    """Every dossier resolved on the last day is late: an anomaly over 20 a day, noise over 6 a day."""
    last = date(2025, 11, 26)
    days = days_between(last - timedelta(days=69), last)
    load(warehouse, resolved_on(days, per_day, {last: per_day}, "T"))
    rates = found(warehouse, last + timedelta(days=1), measures=("on_time_rate",), scope="agency")
    if flagged:
        (anomaly,) = rates
        assert (anomaly.day, anomaly.code, anomaly.value, anomaly.direction) == (last, "SO-A", 0.0, "below")
    else:
        assert rates == []


def test_bad_arguments_are_refused_in_one_line(warehouse) -> None:
    with warehouse.connect() as connection:
        for options in ({"days": 0}, {"measures": ("pending",)}, {"scope": "commune"}):
            with pytest.raises(IOCError):
                anomalies(connection, NOW.date(), **options)
