"""The day a wall replays (``?date=YYYY-MM-DD``, for a demo or a meeting): a day that has come and that the
warehouse holds data from. A day after today, or before the first day with data (:func:`ioc.kpi.coverage.
first_covered_day`), would show zeros as if they were figures: the wall shows today instead, and says why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: Why a day asked for is not the day shown.
FUTURE, BEFORE_DATA = "future", "before_data"


@dataclass(frozen=True)
class Replay:
    """The day shown; the day asked for and why it was not shown (both None when it is), and before the data the
    first day with data."""

    day: date
    asked: date | None = None
    reason: str | None = None
    first: date | None = None


def replay_day(asked: date | None, today: date, first: date | None) -> Replay:
    """``asked`` when it is today or a day between ``first`` (the first day with data; None: no data yet, so no
    lower bound) and today; otherwise today, with the reason."""
    if asked is None or asked == today:
        return Replay(today)
    if asked > today:
        return Replay(today, asked, FUTURE)
    if first is not None and asked < first:
        return Replay(today, asked, BEFORE_DATA, first)
    return Replay(asked)
