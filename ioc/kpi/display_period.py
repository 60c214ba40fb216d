"""The periods a wall shows and what each compares with, lined up: never a raw count of days.

Periods: ``month`` (this month so far), ``last_month`` (the last complete month), ``rolling_30`` (the 30 days up to
today), ``quarter`` and ``year`` (so far). Comparisons:

- ``working_days``: the previous period of the same kind, from its start, cut after as many working days
  (:mod:`ioc.work_calendar`) as the current one has so far — 1–2 December (Tuesday, Wednesday: 2 working days)
  compares with 1–3 November (Sunday to Tuesday: 2 working days); a rolling 30 days with as many working days just
  before it.
- ``weekday``: the same days whole weeks back, at least the period's own length (4 weeks for a month, 13 for a
  quarter, 52 for a year, 5 for 30 days), so Sunday is always compared with Sunday.
- ``year``: the same period one year earlier, cut after as many working days (Tết moves from year to year; working
  days line it up).

A current period that ends on a day off takes in the days off that follow the last working day in the compared one
too. A period with no working day yet (1 August 2026, a Saturday, after a month that began on a Wednesday) has
nothing to line up with: its comparison is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ioc.kpi.periods import Period, add_months
from ioc.work_calendar import is_working_day, nth_working_day, nth_working_day_back, working_days

PERIODS = ("month", "last_month", "rolling_30", "quarter", "year")
COMPARES = ("working_days", "weekday", "year")
#: Whole weeks back for ``weekday``, at least: a month, a quarter, a year of weeks.
WEEKS = {"month": 4, "last_month": 4, "rolling_30": 0, "quarter": 13, "year": 52}
#: The default period shows the last complete month beside it while this month has fewer working days than this: a
#: week's work. Before that a rate rests on a handful of dossiers and the rankings are mostly empty.
EARLY_WORKING_DAYS = 5
ROLLING_DAYS = 30


@dataclass(frozen=True)
class Comparison:
    """What a period is compared with: ``period`` (None when nothing lines up), how (``mode``), and ``working_days``
    (the working days in the current period, for ``working_days`` and ``year``) or ``weeks`` back (``weekday``)."""

    period: Period | None
    mode: str
    working_days: int
    weeks: int = 0
    #: The compared period is the whole of its kind (a whole month), not a cut.
    whole: bool = False


@dataclass(frozen=True)
class Shown:
    """A period on a wall (``kind`` one of :data:`PERIODS`) and its comparison."""

    kind: str
    current: Period
    comparison: Comparison


def current_period(kind: str, today: date) -> Period:
    """The days ``kind`` covers on ``today``."""
    if kind == "last_month":
        return Period.containing(today.replace(day=1) - timedelta(days=1), "month")
    if kind == "rolling_30":
        return Period.inclusive(today - timedelta(days=ROLLING_DAYS - 1), today)
    unit = {"month": "month", "quarter": "quarter", "year": "year"}[kind]
    return Period.inclusive(Period.containing(today, unit).start, today)


def _earlier_start(kind: str, current: Period, mode: str) -> tuple[date, date]:
    """Where the compared period starts and the last day it may reach (the day before the next one begins)."""
    months = {"month": 1, "last_month": 1, "quarter": 3, "year": 12}.get(kind)
    if mode == "year":
        start = _one_year_back(current.start)
        if months is None:  # rolling: up to the same day a year ago
            return start, _one_year_back(current.last_day)
        return start, add_months(start, months) - timedelta(days=1)
    if months is None:  # rolling: the days just before
        return current.start - timedelta(days=current.days), current.start - timedelta(days=1)
    start = add_months(current.start, -months)
    return start, add_months(start, months) - timedelta(days=1)


def _one_year_back(day: date) -> date:
    """The same day a year earlier; 29 February goes to 28 February."""
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def _by_working_days(kind: str, current: Period, mode: str) -> Comparison:
    count = working_days(current.start, current.last_day)
    if kind == "rolling_30" and mode == "working_days":
        end = current.start - timedelta(days=1)
        first = nth_working_day_back(end, count, end - timedelta(days=10 * ROLLING_DAYS)) if count else None
        return Comparison(None if first is None else Period.inclusive(first, end), mode, count)
    start, limit = _earlier_start(kind, current, mode)
    if count == 0:
        # Only days off so far: the days off the compared period opens with, if it opens with any.
        first_working = nth_working_day(start, 1, limit)
        last = limit if first_working is None else first_working - timedelta(days=1)
        return Comparison(Period.inclusive(start, last) if last >= start else None, mode, 0)
    last = nth_working_day(start, count, limit)
    if last is None:  # fewer working days there than here so far: all of it
        return Comparison(Period.inclusive(start, limit), mode, count, whole=True)
    if not is_working_day(current.last_day):
        following = nth_working_day(last + timedelta(days=1), 1, limit)
        last = limit if following is None else following - timedelta(days=1)
    return Comparison(Period.inclusive(start, last), mode, count, whole=last == limit)


def _by_weekday(kind: str, current: Period) -> Comparison:
    weeks = max(WEEKS[kind], -(-current.days // 7))
    back = timedelta(weeks=weeks)
    return Comparison(Period.inclusive(current.start - back, current.last_day - back), "weekday", 0, weeks)


def shown(kind: str, compare: str, today: date) -> Shown:
    """The period ``kind`` on ``today`` and what it compares with by ``compare`` (see the module's docstring)."""
    current = current_period(kind, today)
    if compare == "weekday":
        return Shown(kind, current, _by_weekday(kind, current))
    return Shown(kind, current, _by_working_days(kind, current, compare))


def early_in_month(today: date) -> bool:
    """Whether this month so far has fewer than :data:`EARLY_WORKING_DAYS` working days."""
    return working_days(today.replace(day=1), today) < EARLY_WORKING_DAYS
