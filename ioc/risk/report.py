"""``at_risk``: the pending dossiers due in the next days and how likely each is to miss its due time.

Two caches, both keyed by the warehouse's data version (a load bumps it, so nothing outlives the data it was read
from): the window's dossiers as read (the costly part: the query and its conversion), per (database, version, first
day of the window), so a wall asking every minute reads the warehouse once per load and day and only re-estimates;
and whole answers per (database, version, as_of, horizon), for callers asking the same instant again (pass a
minute-rounded ``as_of``, e.g. ``now_local().replace(second=0, microsecond=0)``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import numpy as np
from sqlalchemy import Connection

from ioc.errors import IOCError
from ioc.risk.history import HISTORY_DAYS, Dossiers, history_at, read_window
from ioc.risk.model import MIN_HISTORY, estimate
from ioc.risk.rows import RiskReport, RiskRow
from ioc.warehouse.aggregates import data_version


@dataclass(frozen=True)
class Province:
    """The whole province's answer: predicted rows (most likely first) and the (agency, unit) of each refusal."""

    rows: list[RiskRow]
    refused: tuple[tuple[str | None, str], ...]
    min_history: int


MAX_HORIZON_DAYS = 90
CACHE_SIZE = 32
#: Windows kept: today's and yesterday's per database (each some tens of MB at a province's size).
WINDOW_CACHE_SIZE = 2
_cache: OrderedDict[tuple, Province] = OrderedDict()
_windows: OrderedDict[tuple, Dossiers] = OrderedDict()
_lock = threading.Lock()


def at_risk(
    connection: Connection,
    as_of: datetime,
    *,
    horizon_days: int = 7,
    agency: str | None = None,
    unit: str | None = None,
) -> RiskReport:
    """The pending dossiers due in (as_of, as_of + horizon_days], each with P(finishes after due | pending at as_of),
    most likely first; those whose history is too thin are counted in ``refused``. Only what was known at ``as_of``
    is used (:mod:`ioc.risk.history`). ``agency`` and ``unit`` narrow the dossiers reported, not the history."""
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise IOCError(f"the horizon must be between 1 and {MAX_HORIZON_DAYS} days, not {horizon_days}")
    as_of = as_of.replace(tzinfo=None, microsecond=0)  # the warehouse keeps whole seconds
    version, changed = data_version(connection)
    key = (connection.engine.url.render_as_string(hide_password=True), version, changed, as_of, horizon_days)
    with _lock:
        report = _cache.get(key)
        if report is not None:
            _cache.move_to_end(key)
    if report is None:
        report = compute(_window(connection, key[:3], as_of), as_of, horizon_days)
        with _lock:
            _cache[key] = report
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    rows = [r for r in report.rows if (agency is None or r.agency == agency) and (unit is None or r.unit == unit)]
    refused = sum(1 for a, u in report.refused if (agency is None or a == agency) and (unit is None or u == unit))
    return RiskReport(as_of, horizon_days, rows, refused, report.min_history)


def _window(connection: Connection, version: tuple, as_of: datetime) -> Dossiers:
    """The dossiers of the window ending at ``as_of``, read once per (database, data version, first day): those
    received from the start of the day a year before ``as_of`` to the end of ``as_of``'s day, enough for any
    ``as_of`` of that day."""
    since = datetime.combine((as_of - timedelta(days=HISTORY_DAYS)).date(), time.min)
    key = (*version, since)
    with _lock:
        window = _windows.get(key)
        if window is not None:
            _windows.move_to_end(key)
    if window is None:
        window = read_window(connection, since, since + timedelta(days=HISTORY_DAYS + 1))
        with _lock:
            _windows[key] = window
            while len(_windows) > WINDOW_CACHE_SIZE:
                _windows.popitem(last=False)
    return window


def compute(dossiers: Dossiers, as_of: datetime, horizon_days: int, min_history: int = MIN_HISTORY) -> Province:
    """:func:`at_risk` for the whole province from the window's dossiers, without the caches."""
    history = history_at(dossiers, as_of)
    moment = np.datetime64(as_of, "s")
    end = np.datetime64(as_of + timedelta(days=horizon_days), "s")
    targets = np.flatnonzero(history.pending & (history.due_at > moment) & (history.due_at <= end))
    estimates = estimate(history, targets, min_history)
    rows, refused_scopes = [], []
    for position, i in enumerate(targets):
        if not estimates.basis[position]:
            refused_scopes.append((history.agency[i], history.unit[i]))
            continue
        rows.append(
            RiskRow(
                ma_ho_so=history.source_key[i],
                agency=history.agency[i],
                unit=history.unit[i],
                procedure=history.procedure[i],
                field=history.field[i],
                received_at=history.received_at[i].astype(datetime),
                due=history.due_at[i].astype(datetime),
                probability=float(estimates.probability[position]),
                basis=str(estimates.basis[position]),
                history=int(estimates.history[position]),
            )
        )
    rows.sort(key=lambda row: (-row.probability, row.due, row.ma_ho_so))
    return Province(rows, tuple(refused_scopes), min_history)


def clear() -> None:
    """Forget every answer and window (benchmarks measure the first read this way)."""
    with _lock:
        _cache.clear()
        _windows.clear()
