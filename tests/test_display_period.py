"""The work calendar in core and the periods a wall shows, with comparisons that line up: exact days, hand-picked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ioc.kpi.display_period import Comparison, early_in_month, shown
from ioc.kpi.periods import Period
from ioc.work_calendar import HOLIDAY, TET, day_kind, is_working_day, working_days

D = date


def _days(first: date, last: date) -> Period:
    return Period.inclusive(first, last)


def test_the_simulators_calendar_is_the_core_calendar_day_for_day():
    from ioc.simulator.work_calendar import FIRST_DAY, LAST_DAY, day_number, work_calendar

    calendar = work_calendar()
    day = FIRST_DAY
    while day <= LAST_DAY:
        assert int(calendar.kind(day_number(day))) == day_kind(day), day
        day += timedelta(days=1)


def test_working_days_know_weekends_holidays_nghi_bu_and_tet():
    assert day_kind(D(2026, 2, 17)) == TET  # mùng 1 Tết Bính Ngọ
    assert [is_working_day(D(2026, 2, 13) + timedelta(days=i)) for i in range(11)] == [
        True,  # Fri 13
        False,  # Sat 14
        False,  # Sun 15 (29 Tết)
        False,  # Mon 16 … Sat 21: Tết
        False,
        False,
        False,
        False,
        False,
        False,  # Sun 22
        True,  # Mon 23
    ]
    assert day_kind(D(2026, 1, 1)) == HOLIDAY
    assert day_kind(D(2028, 1, 3)) == HOLIDAY  # 1/1/2028 is a Saturday: nghỉ bù on Monday
    assert working_days(D(2026, 12, 1), D(2026, 12, 2)) == 2
    assert working_days(D(2026, 11, 1), D(2026, 11, 30)) == 21


def test_1_december_2026_compares_with_the_first_working_day_of_november():
    month = shown("month", "working_days", D(2026, 12, 1))  # Tuesday
    assert month.current == _days(D(2026, 12, 1), D(2026, 12, 1))
    assert month.comparison == Comparison(_days(D(2026, 11, 1), D(2026, 11, 2)), "working_days", 1)  # Sun, Mon


def test_2_december_2026_compares_with_the_first_two_working_days_of_november():
    month = shown("month", "working_days", D(2026, 12, 2))  # Wednesday
    assert month.comparison == Comparison(_days(D(2026, 11, 1), D(2026, 11, 3)), "working_days", 2)
    weekday = shown("month", "weekday", D(2026, 12, 2))
    assert weekday.comparison == Comparison(_days(D(2026, 11, 3), D(2026, 11, 4)), "weekday", 0, weeks=4)  # Tue, Wed
    year = shown("month", "year", D(2026, 12, 2))
    assert year.comparison == Comparison(_days(D(2025, 12, 1), D(2025, 12, 2)), "year", 2)  # Mon, Tue: 2 working


def test_a_month_starting_on_a_weekend():
    # March 2026 starts on a Sunday; 1 March has no working day: compared with February's opening days off (1 Feb,
    # a Sunday too), never with a working day.
    assert shown("month", "working_days", D(2026, 3, 1)).comparison == Comparison(
        _days(D(2026, 2, 1), D(2026, 2, 1)), "working_days", 0
    )
    # Saturday 7 March: five working days and a day off; February's first five working days and the weekend after.
    assert shown("month", "working_days", D(2026, 3, 7)).comparison == Comparison(
        _days(D(2026, 2, 1), D(2026, 2, 8)), "working_days", 5
    )
    # August 2026 starts on a Saturday after a July that starts on a Wednesday: nothing lines up yet.
    assert shown("month", "working_days", D(2026, 8, 1)).comparison == Comparison(None, "working_days", 0)
    assert shown("month", "weekday", D(2026, 8, 1)).comparison.period == _days(D(2026, 7, 4), D(2026, 7, 4))  # Sat


def test_tet_is_lined_up_by_working_days():
    # 20 February 2026 is in Tết: ten working days this month, matched by January's first ten and no more.
    assert shown("month", "working_days", D(2026, 2, 20)).comparison == Comparison(
        _days(D(2026, 1, 1), D(2026, 1, 15)), "working_days", 10
    )
    # Year on year: Tết 2025 was in January, so February 2025 reaches its tenth working day on Friday 14 and takes the
    # weekend after (20 February 2026 is a day off).
    assert shown("month", "year", D(2026, 2, 20)).comparison == Comparison(
        _days(D(2025, 2, 1), D(2025, 2, 16)), "year", 10
    )
    # The whole of February 2026 (Tết in it: 15 working days) against January's first 15.
    assert shown("last_month", "working_days", D(2026, 3, 1)).comparison == Comparison(
        _days(D(2026, 1, 1), D(2026, 1, 22)), "working_days", 15
    )


def test_29_february():
    leap = shown("month", "working_days", D(2028, 2, 29))
    assert leap.current == _days(D(2028, 2, 1), D(2028, 2, 29))
    # 21 working days in February 2028; January 2028 has only 20 (1 Jan a Saturday, nghỉ bù on the 3rd): all of it.
    assert leap.comparison == Comparison(_days(D(2028, 1, 1), D(2028, 1, 31)), "working_days", 21, whole=True)
    # A year back, 29 February is 28 February: the year so far against 2027's first 36 working days.
    assert shown("year", "year", D(2028, 2, 29)).comparison == Comparison(
        _days(D(2027, 1, 1), D(2027, 3, 1)), "year", 36
    )
    assert shown("rolling_30", "year", D(2028, 2, 29)).comparison == Comparison(
        _days(D(2027, 1, 31), D(2027, 2, 28)), "year", 22, whole=True
    )


@pytest.mark.parametrize("kind", ["month", "last_month", "rolling_30", "quarter", "year"])
@pytest.mark.parametrize("today", [D(2026, 12, 1), D(2026, 12, 2), D(2026, 3, 1), D(2026, 2, 20), D(2028, 2, 29)])
def test_weekday_comparisons_are_whole_weeks_back_and_never_overlap(kind, today):
    current = shown(kind, "weekday", today)
    earlier = current.comparison.period
    assert (current.current.start - earlier.start).days % 7 == 0
    assert earlier.days == current.current.days
    assert earlier.end <= current.current.start


def test_the_other_periods_on_2_december_2026():
    today = D(2026, 12, 2)
    assert shown("last_month", "working_days", today).current == Period.containing(D(2026, 11, 1), "month")
    rolling = shown("rolling_30", "working_days", today)
    assert rolling.current == _days(D(2026, 11, 3), D(2026, 12, 2))
    assert rolling.comparison == Comparison(_days(D(2026, 10, 2), D(2026, 11, 2)), "working_days", 22)
    assert shown("rolling_30", "weekday", today).comparison == Comparison(
        _days(D(2026, 9, 29), D(2026, 10, 28)), "weekday", 0, weeks=5
    )
    quarter = shown("quarter", "working_days", today)
    assert quarter.current == _days(D(2026, 10, 1), D(2026, 12, 2))
    assert quarter.comparison == Comparison(_days(D(2026, 7, 1), D(2026, 9, 3)), "working_days", 45)
    assert shown("year", "working_days", today).comparison == Comparison(
        _days(D(2025, 1, 1), D(2025, 12, 2)), "working_days", 230
    )


def test_the_first_days_of_a_month_are_early_until_five_working_days():
    assert early_in_month(D(2026, 12, 1)) and early_in_month(D(2026, 12, 2)) and early_in_month(D(2026, 12, 4))
    assert not early_in_month(D(2026, 12, 7))  # Tue 1 … Mon 7: five working days
    assert early_in_month(D(2026, 9, 8))  # 1 and 2 September are holidays: 3, 4, 7 and 8 are four working days
    assert not early_in_month(D(2026, 9, 9))
