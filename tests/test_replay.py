"""A wall replays a day (``?date=``) only when it has come and the warehouse has data from it; otherwise today, and
why (``ioc.kpi.replay``)."""

from __future__ import annotations

from datetime import date

from ioc.kpi.replay import BEFORE_DATA, FUTURE, Replay, replay_day

TODAY = date(2026, 12, 3)
FIRST = date(2026, 10, 1)


def test_a_day_between_the_first_data_and_today_is_replayed() -> None:
    assert replay_day(date(2026, 11, 15), TODAY, FIRST) == Replay(date(2026, 11, 15))
    assert replay_day(FIRST, TODAY, FIRST) == Replay(FIRST)
    assert replay_day(TODAY, TODAY, FIRST) == Replay(TODAY)
    assert replay_day(None, TODAY, FIRST) == Replay(TODAY)


def test_a_day_to_come_is_today_because_it_has_not_come() -> None:
    assert replay_day(date(2030, 1, 1), TODAY, FIRST) == Replay(TODAY, date(2030, 1, 1), FUTURE)
    assert replay_day(date(2026, 12, 4), TODAY, None) == Replay(TODAY, date(2026, 12, 4), FUTURE)


def test_a_day_before_the_first_data_is_today_because_nothing_is_known_of_it() -> None:
    assert replay_day(date(2026, 9, 30), TODAY, FIRST) == Replay(TODAY, date(2026, 9, 30), BEFORE_DATA, FIRST)
    assert replay_day(date(2001, 1, 1), TODAY, None) == Replay(date(2001, 1, 1))  # no data yet: no lower bound
