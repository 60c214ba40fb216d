"""A period's counts from per-day counts: flows summed inside the period, pending as running sums before its end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

from ioc.dossiers.events import MEASURES, DossierState, events
from ioc.kpi.periods import Period

FLOWS = tuple(m for m in MEASURES if not m.startswith(("pending_", "overdue_")))


def daily_counts(dossiers: Iterable[DossierState]) -> dict[date, Counter[str]]:
    """Each day's additive counts, as ``dossier_daily`` holds them (summed over every other dimension)."""
    days: dict[date, Counter[str]] = {}
    for dossier in dossiers:
        for day, measure in events(dossier):
            days.setdefault(day, Counter())[measure] += 1
    return days


def period_counts(days: Mapping[date, Mapping[str, int]], period: Period) -> dict[str, int]:
    """The measures of ``period``, with ``pending`` and ``pending_overdue`` at its end."""
    totals: Counter[str] = Counter()
    before_end: Counter[str] = Counter()
    for day, counts in days.items():
        if day >= period.end:
            continue
        before_end.update(counts)
        if day >= period.start:
            totals.update({measure: counts.get(measure, 0) for measure in FLOWS})
    result = {measure: totals[measure] for measure in FLOWS}
    result["pending"] = before_end["pending_in"] - before_end["pending_out"]
    result["pending_overdue"] = before_end["overdue_in"] - before_end["overdue_out"]
    return result
