"""Periods: whole days, the start included and the end excluded, in Vietnam local time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ioc.errors import IOCError

UNITS = ("day", "week", "month", "quarter", "year", "custom")
#: The days a request may ask about (the API, the explorer, the wall): far wider than any dossier, and far enough from
#: the ends of the calendar (years 1 to 9999) that the periods a view compares with or trends over stay inside it.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
#: The longest period one request may ask for, in days (ten years).
MAX_DAYS = 3660


#: A day as a client writes it: YYYY-MM-DD in ASCII digits (``strptime`` alone takes ``2025-3-1`` and other digits).
DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_day(text: object) -> date | None:
    """The day ``text`` names as YYYY-MM-DD in ASCII digits, or None (see :func:`within_range` for which days a
    request may ask about)."""
    if not isinstance(text, str) or not DAY.match(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:  # 2025-02-30
        return None


def within_range(day: date) -> bool:
    """Whether a request may ask about ``day`` (:data:`FIRST_DAY` to :data:`LAST_DAY`)."""
    return FIRST_DAY <= day <= LAST_DAY


def _outside(day: date) -> IOCError:
    return IOCError(f"a period around {day.isoformat()} would leave the calendar (years 1 to 9999)")


def shifted(day: date, days: int) -> date:
    """``day`` plus ``days`` days; IOCError past the calendar's ends."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise _outside(day) from None


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s; IOCError past the calendar's ends."""
    month = day.month - 1 + months
    try:
        return date(day.year + month // 12, month % 12 + 1, 1)
    except ValueError:
        raise _outside(day) from None


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in whole days; ``unit`` says how it was chosen, which decides its previous period."""

    start: date
    end: date
    unit: str = "custom"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise IOCError(f"a period must end after it starts ({self.start:%d/%m/%Y} – {self.end:%d/%m/%Y})")
        if self.unit not in UNITS:
            raise IOCError(f"unknown period unit {self.unit!r}; use one of {', '.join(UNITS)}")

    @classmethod
    def inclusive(cls, first: date, last: date) -> Period:
        """The days ``first`` to ``last``, both included (``ioc kpi --from --to``); a whole calendar year, quarter or
        month is recognised as one, so that its previous period is the previous year, quarter or month."""
        if last < first:
            raise IOCError(
                f"--to {last:%d/%m/%Y} is before --from {first:%d/%m/%Y}",
                key="period_order",
                first=f"{first:%d/%m/%Y}",
                last=f"{last:%d/%m/%Y}",
            )
        end = shifted(last, 1)
        for unit in ("year", "quarter", "month"):
            calendar = cls.containing(first, unit)
            if (calendar.start, calendar.end) == (first, end):
                return calendar
        return cls(first, end)

    @classmethod
    def containing(cls, day: date, unit: str) -> Period:
        """The day, ISO week (Monday first), month, quarter or year that contains ``day``."""
        if unit == "day":
            return cls(day, shifted(day, 1), unit)
        if unit == "week":
            monday = shifted(day, -day.weekday())
            return cls(monday, shifted(monday, 7), unit)
        if unit == "month":
            first = day.replace(day=1)
            return cls(first, add_months(first, 1), unit)
        if unit == "quarter":
            first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
            return cls(first, add_months(first, 3), unit)
        if unit == "year":
            return cls(date(day.year, 1, 1), add_months(date(day.year, 12, 1), 1), unit)
        raise IOCError(f"unknown period unit {unit!r}; use day, week, month, quarter or year")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period to compare with: the previous calendar unit, or for a custom range the same number of days
        just before it."""
        if self.unit == "custom":
            return Period(shifted(self.start, -self.days), self.start, "custom")
        return Period.containing(shifted(self.start, -1), self.unit)
