"""Vietnam's working days: Monday to Friday except public holidays (ngày lễ), the days off around Tết and the
compensatory day off (nghỉ bù) when a fixed holiday falls on a weekend.

The one definition of the rules: the simulator's vectorised calendar (:mod:`ioc.simulator.work_calendar`) and the
wall's aligned comparisons (:mod:`ioc.kpi.display_period`) both build on it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

#: Tết Nguyên đán (lunar new year's day) in the Gregorian calendar, Vietnam time.
LUNAR_NEW_YEAR = {
    2015: date(2015, 2, 19),
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}
#: Days off around Tết, relative to new year's day (29 Tháng Chạp … mùng 5).
TET_DAYS_OFF = range(-2, 5)
#: Fixed public holidays (month, day): New Year, Reunification Day, Labour Day, National Day and the day before it.
FIXED_HOLIDAYS = ((1, 1), (4, 30), (5, 1), (9, 1), (9, 2))
#: Kinds of day.
WEEKDAY, SATURDAY, SUNDAY, HOLIDAY, TET = range(5)


def holidays(year: int) -> set[date]:
    """The fixed public holidays of ``year`` and their compensatory days off (nghỉ bù: the next day that is neither
    a weekend nor another holiday)."""
    days = {date(year, month, day) for month, day in FIXED_HOLIDAYS}
    for day in sorted(days):
        substitute = day
        while day.weekday() >= 5 and (substitute.weekday() >= 5 or substitute in days):
            substitute += timedelta(days=1)
        days.add(substitute)
    return days


def tet_days_off(year: int) -> list[date]:
    """The days off around Tết of ``year`` (none for a year whose Tết is not in :data:`LUNAR_NEW_YEAR`)."""
    tet = LUNAR_NEW_YEAR.get(year)
    return [] if tet is None else [tet + timedelta(days=offset) for offset in TET_DAYS_OFF]


@cache
def _days_off(year: int) -> dict[date, int]:
    kinds = dict.fromkeys(holidays(year), HOLIDAY)
    # Tết's days off may spill into the year before (29 Tháng Chạp in late January is still this year's Tết).
    for tet_year in (year, year + 1):
        kinds.update({day: TET for day in tet_days_off(tet_year) if day.year == year})
    return kinds


def day_kind(day: date) -> int:
    """:data:`TET`, :data:`HOLIDAY`, :data:`SUNDAY`, :data:`SATURDAY` or :data:`WEEKDAY`."""
    kind = _days_off(day.year).get(day)
    if kind is not None:
        return kind
    return {5: SATURDAY, 6: SUNDAY}.get(day.weekday(), WEEKDAY)


def is_working_day(day: date) -> bool:
    return day_kind(day) == WEEKDAY


def working_days(first: date, last: date) -> int:
    """The working days from ``first`` to ``last``, both included (0 when ``last`` is before ``first``)."""
    return sum(is_working_day(first + timedelta(days=i)) for i in range((last - first).days + 1))


def nth_working_day(start: date, count: int, limit: date) -> date | None:
    """The ``count``-th working day (``count`` ≥ 1) from ``start`` on, or None when it would come after ``limit``."""
    day = start
    while day <= limit:
        if is_working_day(day):
            count -= 1
            if count == 0:
                return day
        day += timedelta(days=1)
    return None


def nth_working_day_back(end: date, count: int, limit: date) -> date | None:
    """The ``count``-th working day (``count`` ≥ 1) counting back from ``end``, or None when it would come before
    ``limit``."""
    day = end
    while day >= limit:
        if is_working_day(day):
            count -= 1
            if count == 0:
                return day
        day -= timedelta(days=1)
    return None
