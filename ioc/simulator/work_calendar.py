"""Vietnam's working calendar: weekends, public holidays and Tết, vectorised over day numbers.

A time is an integer count of seconds since 1970-01-01 00:00 in naive Vietnam local time; its day number is
``time // DAY``. Working days are Monday to Friday except public holidays (ngày lễ, Tết) and the compensatory day
off (nghỉ bù) when a fixed holiday falls on a weekend: the rules are :mod:`ioc.work_calendar`'s, laid out here as
arrays over day numbers for the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import numpy as np

from ioc.work_calendar import HOLIDAY, LUNAR_NEW_YEAR, SATURDAY, SUNDAY, TET, TET_DAYS_OFF, WEEKDAY, holidays

DAY = 86_400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
OFFICE_OPEN = 7 * 3600 + 30 * 60
LUNCH_START = 11 * 3600 + 30 * 60
LUNCH_END = 13 * 3600 + 30 * 60
OFFICE_CLOSE = 17 * 3600
FIRST_DAY = date(2010, 1, 1)
LAST_DAY = date(2040, 12, 31)

NO_TET = 999


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return day.toordinal() - EPOCH_ORDINAL


def day_date(number: int) -> date:
    return date.fromordinal(int(number) + EPOCH_ORDINAL)


def to_seconds(moment: datetime) -> int:
    """A naive local datetime as seconds since 1970-01-01 00:00 local."""
    return day_number(moment.date()) * DAY + moment.hour * 3600 + moment.minute * 60 + moment.second


def from_seconds(seconds: int) -> datetime:
    days, rest = divmod(int(seconds), DAY)
    return datetime.combine(day_date(days), datetime.min.time()) + timedelta(seconds=rest)


@dataclass(frozen=True)
class WorkCalendar:
    """Kinds of day, Tết offsets and working days from ``FIRST_DAY`` to ``LAST_DAY``."""

    first: int
    kinds: np.ndarray
    tet_offsets: np.ndarray
    working_days: np.ndarray

    def kind(self, days: np.ndarray | int) -> np.ndarray:
        return self.kinds[np.asarray(days) - self.first]

    def tet_offset(self, day: int) -> int:
        """Days after the nearest Tết (negative before it), or ``NO_TET`` when it is more than 30 days away."""
        return int(self.tet_offsets[day - self.first])

    def is_working(self, days: np.ndarray | int) -> np.ndarray:
        return self.kind(days) == WEEKDAY

    def add_working_days(self, days: np.ndarray, count: np.ndarray | int) -> np.ndarray:
        """The ``count``-th working day after each of ``days`` (``count`` ≥ 1)."""
        after = np.searchsorted(self.working_days, days, side="right")
        return self.working_days[after + np.asarray(count) - 1]

    def working_index(self, days: np.ndarray, side: str = "left") -> np.ndarray:
        """Positions of ``days`` in the list of working days (``searchsorted``)."""
        return np.searchsorted(self.working_days, days, side=side)

    def next_office_time(self, times: np.ndarray, jitter: np.ndarray) -> np.ndarray:
        """Each time if it falls in office hours, else the next opening plus ``jitter`` seconds (< 2 h)."""
        days, seconds = np.divmod(times, DAY)
        working = self.is_working(days)
        lunch = working & (seconds >= LUNCH_START) & (seconds < LUNCH_END)
        before = working & (seconds < OFFICE_OPEN)
        open_now = working & (seconds >= OFFICE_OPEN) & (seconds < OFFICE_CLOSE) & ~lunch
        next_day = self.add_working_days(days, 1)
        return np.where(
            open_now,
            times,
            np.where(
                lunch,
                days * DAY + LUNCH_END + jitter,
                np.where(before, days * DAY + OFFICE_OPEN + jitter, next_day * DAY + OFFICE_OPEN + jitter),
            ),
        )


@cache
def work_calendar() -> WorkCalendar:
    """The calendar, built on first use."""
    first, last = day_number(FIRST_DAY), day_number(LAST_DAY)
    numbers = np.arange(first, last + 1)
    weekday = (numbers + 3) % 7  # 1970-01-01 was a Thursday
    kinds = np.where(weekday == 5, SATURDAY, np.where(weekday == 6, SUNDAY, WEEKDAY)).astype(np.int8)
    tet_offsets = np.full(len(numbers), NO_TET, dtype=np.int16)
    for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
        for day in holidays(year):
            kinds[day_number(day) - first] = HOLIDAY
        tet = LUNAR_NEW_YEAR.get(year)
        if tet is None:
            continue
        centre = day_number(tet) - first
        for offset in range(-30, 31):
            tet_offsets[centre + offset] = offset
        for offset in TET_DAYS_OFF:
            kinds[centre + offset] = TET
    working_days = numbers[kinds == WEEKDAY].astype(np.int64)
    return WorkCalendar(first=first, kinds=kinds, tet_offsets=tet_offsets, working_days=working_days)
