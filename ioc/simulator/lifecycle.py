"""Each dossier's life as event times, drawn for a whole day of arrivals at once.

Events, in order (a column each; ``ABSENT`` when the dossier skips it): registered online (status 1), received (2) or
refused (3), in process (4), supplement requested (5, which moves the due time later), supplement provided (back to
4), financial obligation (6), then processed (9) — or withdrawn (7) / stopped (8) — and result returned (10).
The due time (NgayHenTra) is the reception time plus the procedure's legal days counted in working days, at office
hours. Every event falls within ``LIFETIME_DAYS`` of the dossier's first one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ioc.simulator.work_calendar import DAY, OFFICE_CLOSE, OFFICE_OPEN, WorkCalendar

REGISTERED, RECEIVED, IN_PROCESS, SUPPLEMENT_REQUESTED, SUPPLEMENT_PROVIDED, FINANCIAL, ENDED, RETURNED = range(8)
EVENTS = 8
#: Status after each event; ``RECEIVED`` and ``ENDED`` take the dossier's own outcome instead.
EVENT_STATUS = np.array([1, 2, 4, 5, 4, 6, 9, 10], dtype=np.int8)
ABSENT = np.iinfo(np.int64).max
LIFETIME_DAYS = 120
NEVER_RECEIVED = 0.02
#: Share of dossiers of fully online procedures that the system receives automatically, at any hour.
AUTO_RECEIVED = 0.25
REFUSED_ONLINE, REFUSED_AT_DESK = 0.04, 0.008
WITHDRAWN, STOPPED = 0.012, 0.008
RETURNED_SHARE = 0.96
#: Of dossiers finished on time: exactly at the due time, earlier on the due day; the rest on an earlier day.
EXACTLY_DUE, SAME_DAY_EARLIER = 0.04, 0.10
#: Of late dossiers: later on the due day; the rest some working days later.
SAME_DAY_LATER = 0.25
HALF_PAST_FIVE = 17 * 3600 + 30 * 60
#: The late share of an injected punctuality collapse (:mod:`ioc.simulator.injection`).
COLLAPSED_LATE_SHARE = 0.6


@dataclass(frozen=True)
class Lifecycles:
    """Event times (seconds, shape n × ``EVENTS``), outcomes and due times of n dossiers."""

    times: np.ndarray
    received_status: np.ndarray
    end_status: np.ndarray
    due_registered: np.ndarray
    due_received: np.ndarray
    due_final: np.ndarray


def office_seconds(rng: np.random.Generator, count: int, mornings_only: bool = False) -> np.ndarray:
    """Seconds after midnight within office hours (07:30–11:30, 13:30–17:00), mornings busier."""
    morning = rng.random(count) < (1.0 if mornings_only else 0.6)
    return np.where(
        morning,
        OFFICE_OPEN + rng.integers(0, 4 * 3600, size=count),
        OFFICE_OPEN + 6 * 3600 + rng.integers(0, int(3.5 * 3600), size=count),
    )


def due_times(calendar: WorkCalendar, times: np.ndarray, legal_days: np.ndarray) -> np.ndarray:
    """``legal_days`` working days after each time, at the same time of day kept within office hours."""
    days, seconds = np.divmod(times, DAY)
    return calendar.add_working_days(days, legal_days) * DAY + np.clip(seconds, OFFICE_OPEN, OFFICE_CLOSE)


def _finish_times(
    calendar: WorkCalendar,
    rng: np.random.Generator,
    received: np.ndarray,
    processing: np.ndarray,
    due: np.ndarray,
    late_share: np.ndarray,
    u: np.ndarray,
) -> np.ndarray:
    """When processing ends, relative to the (final) due time: early, on time, exactly due, or late."""
    count = len(due)
    due_day, due_second = np.divmod(due, DAY)
    late = u[:, 0] < late_share
    category, position = u[:, 1], u[:, 2]
    office = office_seconds(rng, count)
    late_days = np.minimum(rng.geometric(0.35, size=count), 20)
    earlier_same_day = due - np.maximum(60, (position * (due_second - OFFICE_OPEN)).astype(np.int64))
    later_same_day = due + 60 + (position * np.maximum(0, HALF_PAST_FIVE - due_second - 60)).astype(np.int64)
    later_day = calendar.add_working_days(due_day, late_days) * DAY + office
    first, last = calendar.working_index(received // DAY), calendar.working_index(due_day)
    span = last - first
    early_day = calendar.working_days[first + np.minimum((position * span).astype(np.int64), np.maximum(span - 1, 0))]
    early = np.maximum(early_day * DAY + office, processing + 60)
    finish = np.select(
        [
            late & (category < SAME_DAY_LATER),
            late,
            category < EXACTLY_DUE,
            category < EXACTLY_DUE + SAME_DAY_EARLIER,
            span >= 1,
        ],
        [later_same_day, later_day, due, earlier_same_day, early],
        default=due,
    )
    return np.maximum(finish, processing + 60)


def draw_lifecycles(
    calendar: WorkCalendar,
    rng: np.random.Generator,
    day: int,
    first_times: np.ndarray,
    online: np.ndarray,
    fully_online: np.ndarray,
    legal_days: np.ndarray,
    late_share: np.ndarray,
    supplement_share: np.ndarray,
    financial_share: np.ndarray,
    collapsed: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Lifecycles:
    """Lifecycles of the dossiers that first appear on ``day`` at ``first_times``; ``collapsed`` (an injected anomaly,
    :mod:`ioc.simulator.injection`) picks by final due time the dossiers late at its share instead of their agency's."""
    count = len(first_times)
    u = rng.random((count, 17))
    jitter = rng.integers(0, 7200, size=(count, 2))
    pause = rng.integers(1, 8, size=count)
    delay = (-np.log1p(-u[:, 2]) * 3 * 3600).astype(np.int64) + 300
    automatic = online & fully_online & (u[:, 16] < AUTO_RECEIVED)
    received = np.where(online, calendar.next_office_time(first_times + delay, jitter[:, 0]), first_times)
    received = np.where(automatic, first_times + 1 + (u[:, 2] * 300).astype(np.int64), received)
    never = online & ~automatic & (u[:, 0] < NEVER_RECEIVED)
    refused = ~never & (u[:, 1] < np.where(online, REFUSED_ONLINE, REFUSED_AT_DESK))
    processing = calendar.next_office_time(received + 120 + (u[:, 3] * 5400).astype(np.int64), jitter[:, 1])
    due_registered = due_times(calendar, first_times, legal_days)
    due_received = due_times(calendar, received, legal_days)
    supplement = u[:, 4] < supplement_share
    moved = calendar.add_working_days(due_received // DAY, pause) * DAY + due_received % DAY
    due_final = np.where(supplement, moved, due_received)
    if collapsed is not None:
        late_share = np.where(collapsed(due_final), COLLAPSED_LATE_SHARE, late_share)
    finished = _finish_times(calendar, rng, received, processing, due_final, late_share, u[:, 6:9])
    work = finished - processing
    requested = processing + (work * (0.1 + 0.4 * u[:, 9])).astype(np.int64)
    requested = np.minimum(calendar.next_office_time(requested, jitter[:, 0]), finished - 2)
    provided = requested + ((finished - requested) * (0.3 + 0.5 * u[:, 10])).astype(np.int64)
    financial = u[:, 12] < financial_share
    paused_until = np.where(supplement, provided, processing)
    obligation = finished - ((finished - paused_until) * (0.1 + 0.4 * u[:, 13])).astype(np.int64)
    end_status = np.where(u[:, 5] < WITHDRAWN, 7, np.where(u[:, 5] < WITHDRAWN + STOPPED, 8, 9)).astype(np.int8)
    processed = end_status == 9
    stopped_waiting = (end_status == 8) & supplement
    abandoned = np.where(
        stopped_waiting,
        requested + ((provided - requested) * (0.5 + 0.4 * u[:, 15])).astype(np.int64),
        processing + (work * (0.2 + 0.6 * u[:, 15])).astype(np.int64),
    )
    ended = np.where(processed, finished, calendar.next_office_time(abandoned, jitter[:, 1]))
    returned_at = np.where(
        online,
        finished + 60 + (u[:, 14] * 7200).astype(np.int64),
        calendar.next_office_time(finished + (-np.log1p(-u[:, 14]) * 1.2 * DAY).astype(np.int64), jitter[:, 1]),
    )
    active = ~never & ~refused
    times = np.full((count, EVENTS), ABSENT, dtype=np.int64)
    times[:, REGISTERED] = np.where(online, first_times, ABSENT)
    times[:, RECEIVED] = np.where(never, ABSENT, received)
    times[:, IN_PROCESS] = np.where(active, processing, ABSENT)
    times[:, SUPPLEMENT_REQUESTED] = np.where(
        active & supplement & (processed | (requested < ended)), requested, ABSENT
    )
    times[:, SUPPLEMENT_PROVIDED] = np.where(active & supplement & (processed | (provided < ended)), provided, ABSENT)
    times[:, FINANCIAL] = np.where(active & processed & financial, obligation, ABSENT)
    times[:, ENDED] = np.where(active, ended, ABSENT)
    times[:, RETURNED] = np.where(active & processed & (u[:, 11] < RETURNED_SHARE), returned_at, ABSENT)
    bound_times(times, (day + LIFETIME_DAYS) * DAY - 1)
    return Lifecycles(
        times=times,
        received_status=np.where(refused, 3, 2).astype(np.int8),
        end_status=end_status,
        due_registered=due_registered,
        due_received=due_received,
        due_final=due_final,
    )


def bound_times(times: np.ndarray, last: int) -> None:
    """Keep every present event within the lifetime and the events in non-decreasing order, in place."""
    running = np.full(len(times), -1, dtype=np.int64)
    for column in range(EVENTS):
        present = times[:, column] != ABSENT
        value = np.minimum(np.maximum(times[:, column], running), last)
        times[:, column] = np.where(present, value, ABSENT)
        running = np.where(present, value, running)
