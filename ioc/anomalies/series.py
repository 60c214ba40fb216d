"""The daily series the anomaly rules watch, read from the daily aggregates through :mod:`ioc.kpi.query`.

One series per measure (:data:`ioc.anomalies.model.MEASURES`) and scope: the province, each unit, each agency, over
calendar days. Only the working days of IOC's work calendar (:mod:`ioc.work_calendar`) are observed: weekends,
holidays, Tết and nghỉ bù are masked, and so is the slow restart after Tết (:data:`TET_AFTERMATH_DAYS`). A working
day without any row counts 0 dossiers (a collection gap shows as zeros). Bounds: counts need a median of
:data:`MIN_DAILY_COUNT` dossiers a working day, else the series is not watched; a day's on-time rate is observed only
over at least :data:`MIN_RATE_VOLUME` resolved dossiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import Connection, select

from ioc.kpi.query import daily_sums
from ioc.warehouse import schema
from ioc.work_calendar import is_working_day, tet_days_off

#: Least median received or resolved a working day for a count series to be watched.
MIN_DAILY_COUNT = 5
#: Least resolved dossiers on a day for its on-time rate to be observed (a rate over 3 dossiers is noise).
MIN_RATE_VOLUME = 10
#: Calendar days after Tết's last day off that are masked too: offices restart slowly (the simulator draws 80 % of
#: the usual arrivals then), and without the mask the first week after Tết 2025 made a third of the benchmark's
#: false alarms.
TET_AFTERMATH_DAYS = 7
#: The on-time share assumed at least this far from 0 and 1 in the rate's noise floor.
RATE_FLOOR_SHARE = 0.05
_READ = ("received", "resolved", "resolved_early", "resolved_on_time")
_BREAKDOWNS = (("province", None), ("unit", "unit"), ("agency", "agency"))
UNIT = schema.Unit.__table__


@dataclass(frozen=True)
class Series:
    """One measure of one scope over calendar days, with which days are observed and each day's dossiers (received
    or resolved; for the rate, those resolved)."""

    measure: str
    scope: str
    code: str
    days: tuple[date, ...]
    values: np.ndarray
    observed: np.ndarray
    volume: np.ndarray

    def noise_floor(self, index: int, expected: float) -> float:
        """The least spread a day's figure has by chance alone, whatever its history's MAD says: a count of
        independent arrivals varies at least like a Poisson count (√expected, at least 1); a rate over n dossiers
        at least like a binomial share (100·√(p(1 − p)/n), p kept within 5–95 %). Without it, a quiet history's small
        MAD turned ordinary days into anomalies: of 20,000 days judged on the benchmark's warehouse, 2 % were flagged,
        most by chance."""
        if self.measure != "on_time_rate":
            return max(1.0, float(np.sqrt(max(expected, 1.0))))
        share = min(max(expected / 100.0, RATE_FLOOR_SHARE), 1.0 - RATE_FLOOR_SHARE)
        return 100.0 * float(np.sqrt(share * (1.0 - share) / max(float(self.volume[index]), 1.0)))


def calendar_days(first: date, end: date) -> tuple[date, ...]:
    """The days of ``[first, end)``."""
    return tuple(first + timedelta(days=i) for i in range((end - first).days))


def watched_day(day: date) -> bool:
    """A working day outside Tết's aftermath."""
    if not is_working_day(day):
        return False
    for year in (day.year - 1, day.year):
        off = tet_days_off(year)
        if off and off[-1] < day <= off[-1] + timedelta(days=TET_AFTERMATH_DAYS):
            return False
    return True


def province_code(connection: Connection) -> str:
    return connection.execute(select(UNIT.c.code).where(UNIT.c.level == "province")).scalar() or ""


def watched_series(connection: Connection, first: date, end: date, measures: tuple[str, ...]) -> list[Series]:
    """Every watched series of ``measures`` over the days of ``[first, end)``."""
    days = calendar_days(first, end)
    working = np.array([watched_day(day) for day in days], dtype=bool)
    position = {day: i for i, day in enumerate(days)}
    province = province_code(connection)
    found = []
    for scope, by in _BREAKDOWNS:
        table: dict[object, np.ndarray] = {}
        for key, day, counts in daily_sums(connection, first, end, by, _READ):
            if (by is not None and key is None) or day not in position:
                continue
            row = table.setdefault(key, np.zeros((len(days), len(_READ))))
            row[position[day]] += [counts[m] for m in _READ]
        for key in sorted(table, key=str):
            found.extend(_of(table[key], working, scope, province if by is None else str(key), days, measures))
    return found


def _of(
    counts: np.ndarray, working: np.ndarray, scope: str, code: str, days: tuple[date, ...], measures: tuple[str, ...]
) -> list[Series]:
    received, resolved = counts[:, 0], counts[:, 1]
    found = []
    for measure in measures:
        if measure == "on_time_rate":
            observed = working & (resolved >= MIN_RATE_VOLUME)
            with np.errstate(invalid="ignore", divide="ignore"):
                values = np.where(observed, 100.0 * (counts[:, 2] + counts[:, 3]) / np.maximum(resolved, 1), 0.0)
        else:
            values = received if measure == "received" else resolved
            if not working.any() or np.median(values[working]) < MIN_DAILY_COUNT:
                continue
            observed = working
        volume = resolved if measure != "received" else received
        found.append(Series(measure, scope, code, days, values.astype(float), observed, volume))
    return found
