"""The dossiers ``at_risk`` learns from and predicts, as they stood at ``as_of``: read once, bounded, as arrays.

Only what was known at ``as_of`` counts, so a back-test cannot peek:
- the history is the counted dossiers (``dossier.counted``, as the KPIs count) received in the ``HISTORY_DAYS``
  before ``as_of`` (received_at in (as_of − window, as_of]), not refused or never received (status 1, 3), with a
  due time after their reception;
- a dossier resolved (status 9, 10) by ``as_of`` is an event at its duration; one finished later, or not yet, was
  pending at ``as_of`` and is censored there; one withdrawn or stopped (7, 8) by ``as_of`` is censored at its end
  (it left without being late or on time), and one withdrawn or stopped later was pending at ``as_of``;
- a withdrawn or stopped dossier without an end time cannot be placed in time and is left out.

What the warehouse cannot tell is the due time as it stood at ``as_of``: it keeps the latest ``NgayHenTra`` (a
supplement request moves it later), and that is the one used, as the KPIs use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Connection, or_

from ioc.dossiers.events import NOT_RECEIVED, RESOLVED
from ioc.warehouse.aggregates import DOSSIER, counted_dossiers

#: The history window: a year, so every season and Tết is in it and old habits fade out.
HISTORY_DAYS = 365
LEFT = frozenset({7, 8})  # withdrawn, stopped
SECONDS = np.timedelta64(1, "s")


@dataclass(frozen=True)
class History:
    """Column arrays of the window's dossiers (one element per dossier), times as seconds since reception."""

    source_key: np.ndarray  # object
    agency: np.ndarray  # object (str or None)
    unit: np.ndarray  # object
    procedure: np.ndarray  # object
    field: np.ndarray  # object
    received_at: np.ndarray  # datetime64[s]
    due_at: np.ndarray  # datetime64[s]
    allowance: np.ndarray  # float seconds, due − received (> 0)
    duration: np.ndarray  # float seconds observed: to the finish, or to as_of when censored
    resolved: np.ndarray  # bool: an event (resolved by as_of)
    pending: np.ndarray  # bool: still pending at as_of

    def __len__(self) -> int:
        return len(self.allowance)


COLUMNS = (
    DOSSIER.c.source_key,
    DOSSIER.c.agency_code,
    DOSSIER.c.unit_code,
    DOSSIER.c.procedure_code,
    DOSSIER.c.field_code,
    DOSSIER.c.received_at,
    DOSSIER.c.due_at,
    DOSSIER.c.status,
    DOSSIER.c.finished_at,
)


def read_history(connection: Connection, as_of: datetime, days: int = HISTORY_DAYS) -> History:
    """The window's dossiers as they stood at ``as_of``, in one bounded query (only the columns needed)."""
    query = counted_dossiers(*COLUMNS).where(
        DOSSIER.c.received_at > as_of - timedelta(days=days),
        DOSSIER.c.received_at <= as_of,
        DOSSIER.c.status.not_in(sorted(NOT_RECEIVED)),
        DOSSIER.c.due_at > DOSSIER.c.received_at,
        or_(DOSSIER.c.status.not_in(sorted(LEFT)), DOSSIER.c.finished_at.is_not(None)),
    )
    rows = connection.execute(query).all()
    return _arrays(rows, as_of)


def _arrays(rows: list, as_of: datetime) -> History:
    count = len(rows)
    keys, agencies, units, procedures, fields = (np.empty(count, dtype=object) for _ in range(5))
    received = np.empty(count, dtype="datetime64[s]")
    due = np.empty(count, dtype="datetime64[s]")
    finished = np.empty(count, dtype="datetime64[s]")
    status = np.empty(count, dtype=np.int16)
    for i, (key, agency, unit, procedure, field, received_at, due_at, state, finished_at) in enumerate(rows):
        keys[i], agencies[i], units[i], procedures[i], fields[i] = key, agency, unit, procedure, field
        received[i], due[i], status[i] = received_at, due_at, state
        finished[i] = finished_at if finished_at is not None else np.datetime64("NaT")
    moment = np.datetime64(as_of, "s")
    ended = ~np.isnat(finished) & (finished <= moment)
    resolved = ended & np.isin(status, sorted(RESOLVED))
    end = np.where(ended, finished, moment)
    return History(
        source_key=keys,
        agency=agencies,
        unit=units,
        procedure=procedures,
        field=fields,
        received_at=received,
        due_at=due,
        allowance=((due - received) / SECONDS).astype(np.float64),
        duration=((end - received) / SECONDS).astype(np.float64),
        resolved=resolved,
        pending=~ended,
    )
