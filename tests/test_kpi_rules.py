"""KPIs exactly as domain/dossier-source.md defines them, on hand-built dossiers (no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.dossiers.events import DossierState, timeliness
from ioc.errors import IOCError
from ioc.kpi.aggregate import daily_counts, period_counts
from ioc.kpi.periods import Period
from ioc.kpi.registry import KPI_BY_KEY, KPIS, Target, compute, default_targets, rate, traffic_light

OCTOBER = Period.inclusive(date(2026, 10, 1), date(2026, 10, 31))


def dossier(
    status: int = 10,
    received: str | None = "2026-10-05 08:00",
    due: str | None = "2026-10-09 17:00",
    finished: str | None = "2026-10-08 10:00",
    channel: int = 1,
    paid_online: bool | None = None,
    digitised: bool = False,
) -> DossierState:
    def moment(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    return DossierState(status, channel, moment(received), moment(due), moment(finished), paid_online, digitised)


def kpis(*dossiers: DossierState, period: Period = OCTOBER) -> dict:
    return compute(period_counts(daily_counts(dossiers), period))


def test_finished_exactly_at_due_time_is_on_time():
    assert timeliness(datetime(2026, 10, 9, 17, 0), datetime(2026, 10, 9, 17, 0)) == "on_time"


def test_finished_later_the_same_day_is_late():
    assert timeliness(datetime(2026, 10, 9, 17, 0, 1), datetime(2026, 10, 9, 17, 0)) == "late"


def test_finished_on_an_earlier_calendar_day_is_early():
    assert timeliness(datetime(2026, 10, 8, 23, 59, 59), datetime(2026, 10, 9, 0, 0, 0)) == "early"


def test_finished_earlier_on_the_due_day_is_on_time_not_early():
    assert timeliness(datetime(2026, 10, 9, 8, 0), datetime(2026, 10, 9, 17, 0)) == "on_time"


def test_on_time_rate_counts_early_and_on_time_over_resolved():
    values = kpis(
        dossier(finished="2026-10-08 10:00"),  # early
        dossier(finished="2026-10-09 17:00"),  # exactly at due: on time
        dossier(finished="2026-10-09 17:30"),  # later the same day: late
        dossier(finished="2026-10-20 09:00"),  # late
    )
    assert (values["resolved"], values["resolved_early"], values["resolved_on_time"], values["resolved_late"]) == (
        4,
        1,
        1,
        2,
    )
    assert values["on_time_rate"] == 50.0


def test_newly_registered_and_refused_dossiers_are_neither_received_nor_pending():
    values = kpis(dossier(status=1, finished=None), dossier(status=3, finished=None), dossier(status=4, finished=None))
    assert values["received"] == 1
    assert values["pending"] == 1


def test_withdrawn_and_stopped_dossiers_are_received_but_never_pending():
    values = kpis(dossier(status=7, finished=None), dossier(status=8, finished="2026-10-06 09:00"))
    assert values["received"] == 2
    assert (values["pending"], values["pending_overdue"], values["resolved"]) == (0, 0, 0)


def test_resolved_counts_by_finishing_day_not_by_reception():
    received_in_september = dossier(received="2026-09-28 08:00", due="2026-10-02 17:00", finished="2026-10-01 09:00")
    finished_in_november = dossier(received="2026-10-30 08:00", due="2026-11-05 17:00", finished="2026-11-02 09:00")
    values = kpis(received_in_september, finished_in_november)
    assert (values["received"], values["resolved"]) == (1, 1)


def test_pending_at_the_period_end_and_overdue_across_its_edge():
    open_and_overdue = dossier(status=4, received="2026-10-20 08:00", due="2026-10-30 17:00", finished=None)
    due_on_the_last_day = dossier(status=4, received="2026-10-20 08:00", due="2026-10-31 17:00", finished=None)
    due_after_the_period = dossier(status=5, received="2026-10-25 08:00", due="2026-11-03 17:00", finished=None)
    finished_after_the_end = dossier(received="2026-10-10 08:00", due="2026-10-20 17:00", finished="2026-11-01 08:00")
    finished_before_the_end = dossier(received="2026-10-10 08:00", due="2026-10-20 17:00", finished="2026-10-31 23:59")
    received_after_the_end = dossier(status=4, received="2026-11-01 08:00", due="2026-11-02 17:00", finished=None)
    values = kpis(
        open_and_overdue,
        due_on_the_last_day,
        due_after_the_period,
        finished_after_the_end,
        finished_before_the_end,
        received_after_the_end,
    )
    assert values["pending"] == 4  # the three open ones and the one finished on 1/11
    assert values["pending_overdue"] == 3  # due 30/10, due 31/10 17:00 (< 1/11 00:00), and due 20/10 finished 1/11


def test_a_dossier_pending_in_september_is_not_pending_at_the_end_of_october_once_finished():
    values = kpis(dossier(received="2026-09-01 08:00", due="2026-09-10 17:00", finished="2026-10-15 08:00"))
    september = kpis(
        dossier(received="2026-09-01 08:00", due="2026-09-10 17:00", finished="2026-10-15 08:00"),
        period=Period.containing(date(2026, 9, 1), "month"),
    )
    assert (values["pending"], values["resolved_late"]) == (0, 1)
    assert (september["pending"], september["pending_overdue"]) == (1, 1)


def test_online_payment_and_digitisation_rates_are_over_received():
    values = kpis(
        dossier(channel=2, paid_online=True, digitised=True),
        dossier(channel=2, paid_online=False, digitised=True),
        dossier(channel=1, paid_online=None, digitised=False),
        dossier(channel=3, paid_online=True, digitised=False),
    )
    assert values["online_rate"] == 50.0
    assert values["online_payment_rate"] == 66.67
    assert values["digitisation_rate"] == 50.0


def test_zero_denominators_give_null_never_zero_or_hundred():
    values = kpis()
    assert all(values[kpi.key] is None for kpi in KPIS if kpi.is_rate)
    assert all(values[kpi.key] == 0 for kpi in KPIS if not kpi.is_rate)
    no_fee = kpis(dossier(paid_online=None, finished=None, status=4))
    assert no_fee["online_payment_rate"] is None
    assert no_fee["on_time_rate"] is None


def test_rates_are_computed_from_counts_and_rounded_to_two_decimals():
    assert rate(1, 3) == 33.33
    assert rate(2, 3) == 66.67
    assert rate(0, 5) == 0.0
    assert rate(5, 5) == 100.0
    assert rate(3, 0) is None


def test_every_kpi_of_the_design_is_in_the_registry_in_order():
    assert [kpi.key for kpi in KPIS] == [
        "received",
        "online_received",
        "online_rate",
        "resolved",
        "resolved_early",
        "resolved_on_time",
        "resolved_late",
        "on_time_rate",
        "pending",
        "pending_overdue",
        "online_payment_rate",
        "digitisation_rate",
    ]
    assert all(kpi.name_vi and kpi.name_en for kpi in KPIS)


def test_traffic_lights_follow_the_direction_of_the_kpi():
    higher = KPI_BY_KEY["on_time_rate"]
    lower = KPI_BY_KEY["pending_overdue"]
    bands = Target(target=98, green_from=95, amber_from=90)
    assert [traffic_light(higher, v, bands) for v in (96, 95, 92, 89.99, None)] == [
        "green",
        "green",
        "amber",
        "red",
        None,
    ]
    few = Target(target=0, green_from=0, amber_from=50)
    assert [traffic_light(lower, v, few) for v in (0, 1, 50, 51)] == ["green", "amber", "amber", "red"]
    assert set(default_targets()) <= set(KPI_BY_KEY)


@pytest.mark.parametrize(
    ("unit", "day", "start", "end", "previous_start"),
    [
        ("day", date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 2), date(2026, 2, 28)),
        ("week", date(2026, 10, 1), date(2026, 9, 28), date(2026, 10, 5), date(2026, 9, 21)),
        ("month", date(2026, 3, 31), date(2026, 3, 1), date(2026, 4, 1), date(2026, 2, 1)),
        ("quarter", date(2026, 11, 23), date(2026, 10, 1), date(2027, 1, 1), date(2026, 7, 1)),
        ("year", date(2026, 6, 1), date(2026, 1, 1), date(2027, 1, 1), date(2025, 1, 1)),
    ],
)
def test_calendar_periods_and_their_previous_period(unit, day, start, end, previous_start):
    period = Period.containing(day, unit)
    assert (period.start, period.end) == (start, end)
    assert period.previous().start == previous_start
    assert period.previous().end == start


def test_a_custom_range_compares_with_the_same_number_of_days_before():
    period = Period.inclusive(date(2026, 10, 10), date(2026, 10, 19))
    assert (period.days, period.previous().start, period.previous().end) == (10, date(2026, 9, 30), date(2026, 10, 10))
    with pytest.raises(IOCError, match="before --from"):
        Period.inclusive(date(2026, 10, 10), date(2026, 10, 9))


# The running-sum form of pending counts agrees with the literal definition, for any dossiers and any period.

BASE = datetime(2026, 1, 1)
offsets = st.integers(min_value=0, max_value=60 * 24 * 60)  # minutes within two months


@st.composite
def valid_dossiers(draw) -> DossierState:
    received = BASE + timedelta(minutes=draw(offsets))
    due = received + timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
    finished = draw(st.none() | st.integers(0, 30 * 24 * 60).map(lambda m: received + timedelta(minutes=m)))
    status = draw(st.integers(1, 10))
    if status in (9, 10) and finished is None:
        finished = received
    return DossierState(
        status, draw(st.integers(1, 3)), received, due, finished, draw(st.none() | st.booleans()), False
    )


def literal_pending(dossiers: list[DossierState], end: datetime) -> tuple[int, int]:
    """domain/dossier-source.md, word for word."""
    pending = [
        d
        for d in dossiers
        if d.status not in (1, 3, 7, 8)
        and d.received_at is not None
        and d.received_at < end
        and (d.finished_at is None or d.finished_at >= end)
    ]
    return len(pending), sum(1 for d in pending if d.due_at is not None and d.due_at < end)


@settings(max_examples=300, deadline=None)
@given(st.lists(valid_dossiers(), max_size=40), st.integers(0, 70), st.integers(1, 40))
def test_pending_from_daily_counts_equals_the_definition(dossiers, start_offset, length):
    period = Period(BASE.date() + timedelta(days=start_offset), BASE.date() + timedelta(days=start_offset + length))
    counts = period_counts(daily_counts(dossiers), period)
    end = datetime.combine(period.end, datetime.min.time())
    assert (counts["pending"], counts["pending_overdue"]) == literal_pending(dossiers, end)


def test_stopped_dossiers_count_as_handled_for_the_service_index_on_time_until_due():
    in_time = dossier(status=8, finished="2026-10-09 17:00")  # stopped exactly at the due time
    late = dossier(status=8, finished="2026-10-09 17:01")
    counts = period_counts(daily_counts([in_time, late, dossier(status=7)]), OCTOBER)
    assert (counts["stopped"], counts["stopped_in_time"], counts["resolved"]) == (2, 1, 0)


def test_a_whole_calendar_month_quarter_or_year_compares_with_the_previous_one():
    march = Period.inclusive(date(2025, 3, 1), date(2025, 3, 31))
    assert (march.unit, march.previous()) == ("month", Period(date(2025, 2, 1), date(2025, 3, 1), "month"))
    quarter = Period.inclusive(date(2025, 1, 1), date(2025, 3, 31))
    assert quarter.previous() == Period(date(2024, 10, 1), date(2025, 1, 1), "quarter")
    assert Period.inclusive(date(2025, 1, 1), date(2025, 12, 31)).previous().start == date(2024, 1, 1)
    ten_days = Period.inclusive(date(2025, 3, 10), date(2025, 3, 19))
    assert ten_days.previous() == Period(date(2025, 2, 28), date(2025, 3, 10), "custom")
