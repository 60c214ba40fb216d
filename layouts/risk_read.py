"""The at-risk dossiers as the wall (:mod:`layouts.wall_risk`) and the explorer (:mod:`layouts.explore_risk`) read
them: :func:`ioc.risk.at_risk` over the next :data:`HORIZON_DAYS` days, as of the start of the current
:data:`SLOT_MINUTES` slot (``at_risk`` keeps its answers per data version and moment, so every screen and callback
of a slot is answered from memory); the likely-late rows and their grouping by agency; probabilities and due times as
text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ioc.risk import LIKELY, RiskReport, RiskRow, at_risk
from ioc.warehouse.aggregates import data_version
from layouts import warehouse
from layouts.formatting import number

HORIZON_DAYS = 7
#: Reports are as of the start of a slot this long: a pending dossier's risk moves as it ages, slowly.
SLOT_MINUTES = 15
#: Probabilities this close count as equal (floating-point products of survival curves).
TOLERANCE = 1e-9


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
    with warehouse.engine().connect() as connection:
        version, _ = data_version(connection)
        found = at_risk(connection, slot(at), horizon_days=HORIZON_DAYS, agency=agency, unit=unit)
    return found, version


def is_likely(row: RiskRow) -> bool:
    """Whether ``row`` is likely to miss its due time: probability at least ``LIKELY``, give or take the rounding of
    the survival products (a history late exactly half the time comes out as 0.49999999999999994)."""
    return row.probability >= LIKELY - TOLERANCE


def likely_rows(rows: list[RiskRow]) -> list[RiskRow]:
    """The rows likely to miss their due time, likeliest first, then the soonest due, then the dossier code."""
    return sorted((row for row in rows if is_likely(row)), key=order)


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
