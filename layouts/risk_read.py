"""The at-risk dossiers as the wall (:mod:`layouts.wall_risk`) and the explorer (:mod:`layouts.explore_risk`) read
them: :func:`ioc.risk.at_risk` over the next :data:`HORIZON_DAYS` days, as of the start of the current
:data:`SLOT_MINUTES` slot, kept per (data version, slot, filters) so a worker computes a report once however many
screens and callbacks ask; the likely-late rows and their grouping by agency; probabilities and due times as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from ioc.risk import LIKELY, RiskReport, RiskRow, at_risk
from ioc.warehouse.aggregates import data_version
from layouts import warehouse
from layouts.formatting import number

HORIZON_DAYS = 7
#: Reports are as of the start of a slot this long: a pending dossier's risk moves as it ages, slowly.
SLOT_MINUTES = 15
#: Reports a worker keeps (the wall's and a few explorer filters').
KEPT = 16

_kept: dict[tuple, RiskReport] = {}
_lock = Lock()


@dataclass(frozen=True)
class AgencyRisk:
    """One agency's likely-late dossiers: how many, and the likeliest of them (probability, then due time)."""

    agency: str | None
    likely: int
    top: tuple[RiskRow, ...]


def slot(moment: datetime) -> datetime:
    """The start of the :data:`SLOT_MINUTES` slot ``moment`` lies in."""
    return moment.replace(minute=moment.minute - moment.minute % SLOT_MINUTES, second=0, microsecond=0)


def report(at: datetime, agency: str | None = None, unit: str | None = None) -> tuple[RiskReport, int]:
    """The at-risk report as of ``at``'s slot for the filters, and the data version it was computed from."""
    start = slot(at)
    with warehouse.engine().connect() as connection:
        version, updated_at = data_version(connection)
        key = (warehouse.engine(), version, updated_at, start, agency, unit)
        with _lock:
            kept = _kept.get(key)
        if kept is None:
            kept = at_risk(connection, start, horizon_days=HORIZON_DAYS, agency=agency, unit=unit)
            with _lock:
                if len(_kept) >= KEPT:
                    _kept.pop(next(iter(_kept)))
                _kept[key] = kept
    return kept, version


def likely_rows(rows: list[RiskRow]) -> list[RiskRow]:
    """The rows likely to miss their due time, likeliest first, then the soonest due, then the dossier code."""
    return sorted((row for row in rows if row.probability >= LIKELY), key=order)


def order(row: RiskRow) -> tuple:
    """Likeliest first, then the soonest due, then the dossier code."""
    return (-row.probability, row.due, row.ma_ho_so)


def by_agency(rows: list[RiskRow], listed: int) -> list[AgencyRisk]:
    """The likely-late dossiers by agency, the agency with most first (then the likeliest dossier, then the code),
    each with its ``listed`` likeliest dossiers."""
    groups: dict[str | None, list[RiskRow]] = {}
    for row in likely_rows(rows):
        groups.setdefault(row.agency, []).append(row)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), -item[1][0].probability, item[0] or ""))
    return [AgencyRisk(agency, len(listed_rows), tuple(listed_rows[:listed])) for agency, listed_rows in ordered]


def probability_text(probability: float, lang: str) -> str:
    """ "87 %": a whole percentage, as a wall reads it."""
    return f"{number(round(probability * 100), lang)} %"


def percent(probability: float) -> float:
    """A probability as a percentage with one decimal, as the explorer's grid and files hold it."""
    return round(probability * 100, 1)


def due_text(due: datetime) -> str:
    """ "09/12/2026 17:00"."""
    return f"{due:%d/%m/%Y %H:%M}"
