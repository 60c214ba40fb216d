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
from sqlalchemy import Connection, String, or_, type_coerce

from ioc.dossiers.events import NOT_RECEIVED, RESOLVED
from ioc.warehouse.aggregates import DOSSIER, counted_dossiers

#: The history window: a year, so every season and Tết is in it and old habits fade out.
HISTORY_DAYS = 365
LEFT = frozenset({7, 8})  # withdrawn, stopped
#: History levels, narrowest first, each within the dossier's agency (``ioc.risk.model``).
LEVELS = ("procedure", "field", "agency")
SECONDS = np.timedelta64(1, "s")
#: Rows converted at a time: the rows in flight, not the whole window, bound the memory a read takes.
CHUNK = 50_000


@dataclass(frozen=True)
class Dossiers:
    """The window's dossiers as the warehouse holds them now, as column arrays (one element per dossier), with each
    history level's groups (:func:`level_groups`), which do not depend on ``as_of``."""

    source_key: np.ndarray  # object
    agency: np.ndarray  # object (str or None)
    unit: np.ndarray  # object
    procedure: np.ndarray  # object
    field: np.ndarray  # object
    received_at: np.ndarray  # datetime64[s]
    due_at: np.ndarray  # datetime64[s]
    finished_at: np.ndarray  # datetime64[s], NaT when not finished
    status: np.ndarray  # int16
    groups: dict[str, tuple[int, np.ndarray]]  # level → (number of groups, each dossier's group or −1)


@dataclass(frozen=True)
class History:
    """The dossiers known at ``as_of`` (a subset of a :class:`Dossiers`), times as seconds since reception."""

    source_key: np.ndarray
    agency: np.ndarray
    unit: np.ndarray
    procedure: np.ndarray
    field: np.ndarray
    received_at: np.ndarray
    due_at: np.ndarray
    allowance: np.ndarray  # float seconds, due − received (> 0)
    duration: np.ndarray  # float seconds observed: to the end when it ended by as_of, else to as_of (censored)
    resolved: np.ndarray  # bool: an event (resolved by as_of)
    pending: np.ndarray  # bool: still pending at as_of
    groups: dict[str, tuple[int, np.ndarray]]

    def __len__(self) -> int:
        return len(self.allowance)


#: The columns read. Times come as they are stored (SQLite: ISO text, PostgreSQL: timestamps), not parsed row by row
#: in Python; ``_times`` converts each column at once.
COLUMNS = (
    DOSSIER.c.source_key,
    DOSSIER.c.agency_code,
    DOSSIER.c.unit_code,
    DOSSIER.c.procedure_code,
    DOSSIER.c.field_code,
    type_coerce(DOSSIER.c.received_at, String),
    type_coerce(DOSSIER.c.due_at, String),
    DOSSIER.c.status,
    type_coerce(DOSSIER.c.finished_at, String),
)


def read_history(connection: Connection, as_of: datetime, days: int = HISTORY_DAYS) -> History:
    """The window's dossiers as they stood at ``as_of``."""
    return history_at(read_window(connection, as_of - timedelta(days=days), as_of), as_of, days)


def read_window(connection: Connection, since: datetime, until: datetime) -> Dossiers:
    """The counted dossiers received in (since, until] that could be history, in one query of the needed columns."""
    query = counted_dossiers(*COLUMNS).where(
        DOSSIER.c.received_at > since,
        DOSSIER.c.received_at <= until,
        DOSSIER.c.status.not_in(sorted(NOT_RECEIVED)),
        DOSSIER.c.due_at > DOSSIER.c.received_at,
        or_(DOSSIER.c.status.not_in(sorted(LEFT)), DOSSIER.c.finished_at.is_not(None)),
    )
    chunks = [_columns(rows) for rows in connection.execution_options(yield_per=CHUNK).execute(query).partitions()]
    keys, agencies, units, procedures, fields, received, due, status, finished = (
        np.concatenate([chunk[i] for chunk in chunks]) if chunks else _columns([])[i] for i in range(len(COLUMNS))
    )
    return Dossiers(
        source_key=keys,
        agency=agencies,
        unit=units,
        procedure=procedures,
        field=fields,
        received_at=received,
        due_at=due,
        finished_at=finished,
        status=status,
        groups={level: level_groups(agencies, procedures, fields, level) for level in LEVELS},
    )


def _columns(rows: list) -> list[np.ndarray]:
    """Some rows as column arrays in ``COLUMNS`` order, each converted at once."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)
    return [
        np.array(columns[0], dtype=object),
        *(_shared(column) for column in columns[1:5]),
        _times(columns[5]),
        _times(columns[6]),
        np.array(columns[7], dtype=np.int16),
        _times(columns[8]),
    ]


def history_at(dossiers: Dossiers, as_of: datetime, days: int = HISTORY_DAYS) -> History:
    """What was known at ``as_of``: the dossiers received in (as_of − days, as_of], each ended (resolved, withdrawn,
    stopped) if it finished by then, pending (censored at as_of) otherwise."""
    moment = np.datetime64(as_of, "s")
    start = np.datetime64(as_of - timedelta(days=days), "s")
    known = np.flatnonzero((dossiers.received_at > start) & (dossiers.received_at <= moment))
    received, due, finished = dossiers.received_at[known], dossiers.due_at[known], dossiers.finished_at[known]
    ended = ~np.isnat(finished) & (finished <= moment)
    end = np.where(ended, finished, moment)
    return History(
        source_key=dossiers.source_key[known],
        agency=dossiers.agency[known],
        unit=dossiers.unit[known],
        procedure=dossiers.procedure[known],
        field=dossiers.field[known],
        received_at=received,
        due_at=due,
        allowance=((due - received) / SECONDS).astype(np.float64),
        duration=((end - received) / SECONDS).astype(np.float64),
        resolved=ended & np.isin(dossiers.status[known], sorted(RESOLVED)),
        pending=~ended,
        groups={level: (count, group[known]) for level, (count, group) in dossiers.groups.items()},
    )


def level_groups(agency: np.ndarray, procedure: np.ndarray, field: np.ndarray, level: str) -> tuple[int, np.ndarray]:
    """How many groups ``level`` has and each dossier's group (−1 when a code is missing): within its agency, the
    procedure, the field, or the agency itself."""
    agencies = _codes(agency)
    inner = np.zeros_like(agencies) if level == "agency" else _codes(procedure if level == "procedure" else field)
    known = (agencies >= 0) & (inner >= 0)
    combined = agencies * (int(inner.max(initial=0)) + 1) + inner
    distinct, compact = np.unique(combined[known], return_inverse=True)
    group = np.full(len(agencies), -1, dtype=np.int64)
    group[known] = compact
    return len(distinct), group


def _codes(values: np.ndarray) -> np.ndarray:
    """Each code's index among the distinct codes, −1 for a missing (None or empty) one."""
    import pandas as pd  # here, not at the top: every `ioc` command imports this module, few need pandas

    codes, uniques = pd.factorize(values)
    empty = [i for i, value in enumerate(uniques) if not value]
    return np.where(np.isin(codes, empty), -1, codes).astype(np.int64)


def _shared(column: tuple) -> np.ndarray:
    """A column of codes as an object array whose equal codes are one string object: a window keeps a few hundred
    distinct codes, not one copy per dossier (some 70 MB less at a province's size)."""
    import pandas as pd

    codes, uniques = pd.factorize(np.array(column, dtype=object))
    return np.append(np.asarray(uniques, dtype=object), None)[codes]  # code −1 (missing) → None


def _times(column: tuple) -> np.ndarray:
    """Times (datetimes, or SQLite's ISO texts read raw) as ``datetime64[s]``, NaT for null."""
    import pandas as pd

    return pd.to_datetime(pd.Series(column, dtype=object), format="ISO8601").to_numpy(dtype="datetime64[s]")
