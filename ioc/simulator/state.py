"""A dossier's state as of the simulated now: the latest event at or before it decides status and NgayCapNhat.

A dossier with no event yet does not exist. Due time: while only registered, computed from the registration; once
received, from the reception; after a supplement request, the moved due time (the latest value counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ioc.simulator.generate import DUE_FINAL, DUE_RECEIVED, DUE_REGISTERED, Dossiers
from ioc.simulator.lifecycle import (
    ABSENT,
    ENDED,
    EVENT_STATUS,
    EVENTS,
    RECEIVED,
    REGISTERED,
    RETURNED,
    SUPPLEMENT_REQUESTED,
)

_POSITIONS = np.arange(1, EVENTS + 1, dtype=np.int8)


def latest_events(times: np.ndarray, now: int) -> np.ndarray:
    """Index of each row's latest event at or before ``now``; -1 when none has happened yet."""
    return (np.where(times <= now, _POSITIONS, 0)).max(axis=1).astype(np.int64) - 1


@dataclass(frozen=True)
class States:
    """Field values of some rows of a batch as of now (times in seconds; ``ABSENT`` for null)."""

    latest: np.ndarray
    status: np.ndarray
    updated: np.ndarray
    received: np.ndarray
    due: np.ndarray
    finished: np.ndarray
    returned: np.ndarray


def statuses(dossiers: Dossiers, latest: np.ndarray) -> np.ndarray:
    """TrangThaiHoSo of existing dossiers given their latest events."""
    status = EVENT_STATUS[latest]
    status = np.where(latest == RECEIVED, dossiers.received_status, status)
    return np.where(latest == ENDED, dossiers.end_status, status)


def states_at(dossiers: Dossiers, now: int) -> States:
    """The state at ``now`` of dossiers that exist by then."""
    times = dossiers.times
    latest = latest_events(dossiers.events, now)
    received_yet = latest >= RECEIVED
    requested = times[:, SUPPLEMENT_REQUESTED] <= now
    due = np.where(
        received_yet,
        np.where(requested, times[:, DUE_FINAL], times[:, DUE_RECEIVED]),
        times[:, DUE_REGISTERED],
    )
    ended = times[:, ENDED]
    finished = np.where((dossiers.end_status == 9) & (ended <= now), ended, ABSENT)
    returned = np.where(times[:, RETURNED] <= now, times[:, RETURNED], ABSENT)
    return States(
        latest=latest,
        status=statuses(dossiers, latest),
        updated=times[np.arange(len(dossiers)), latest],
        received=np.where(received_yet, times[:, RECEIVED], times[:, REGISTERED]),
        due=due,
        finished=finished,
        returned=returned,
    )
