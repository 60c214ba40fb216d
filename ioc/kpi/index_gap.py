"""What it takes: for each Decision 766 component IOC computes, the fewest dossiers that earn one more point.

Reading (``domain/index-766.md``, "The progress component in detail"): every dossier the period counts is already in
the denominator (progress counts the dossiers handled in the period, finished in it *or still open at its end*; online
dossiers and digitisation count the dossiers received; online payment the dossiers with a known fee). So "312 more
dossiers finished on time" means 312 of those already counted turned from late to on time — the numerator grows, the
denominator stays fixed — never 312 new dossiers added to both. The same holds for the other components: so many more
of this month's dossiers received online, paid online or digitised. At most all of them (``denominator``).

The gain asked for is one point, or what is left to the component's maximum when less than one point is left; a
component at full marks needs 0; one with nothing to count (denominator 0) has no answer (``needed`` None). The count
is found on the component's own rule (:mod:`ioc.kpi.index766`: linear, capped, slope_capped), so changing a rule
changes the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from ioc.errors import IOCError
from ioc.kpi.index766 import COMPONENT_BY_KEY, GROUPS, components_from_counts
from ioc.kpi.periods import Period
from ioc.kpi.query import counts_by
from ioc.kpi.service_index import INDEX_BREAKDOWNS, index_row

#: The gain asked for, in points.
STEP = 1.0
#: Float slack when comparing points (the rules divide; 0.1 + 0.2 must reach 0.3).
EPSILON = 1e-9


@dataclass(frozen=True)
class Gap:
    """One component: its points now, the points it would reach (``target``) and how many more of the counted
    dossiers would have to qualify (``needed``; None: nothing to count)."""

    key: str
    group: str
    numerator: int
    denominator: int
    points: float | None
    target: float | None
    needed: int | None

    @property
    def gain(self) -> float:
        return 0.0 if self.points is None or self.target is None else self.target - self.points


def component_gap(key: str, numerator: int, denominator: int) -> Gap:
    """The fewest more qualifying dossiers (of ``denominator``, ``numerator`` qualifying now) that earn ``STEP`` more
    points on component ``key``, or reach its maximum when less than ``STEP`` is left."""
    component = COMPONENT_BY_KEY[key]
    if denominator <= 0:
        return Gap(key, component.group, numerator, denominator, None, None, None)
    numerator = max(0, min(numerator, denominator))
    points = component.score(numerator / denominator)
    target = min(points + STEP, component.points)
    if points >= component.points - EPSILON:
        return Gap(key, component.group, numerator, denominator, points, component.points, 0)

    def reaches(more: int) -> bool:
        return component.score((numerator + more) / denominator) >= target - EPSILON

    low, high = 1, denominator - numerator  # all of them qualifying reaches the maximum on every rule
    while low < high:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle + 1
    return Gap(key, component.group, numerator, denominator, points, target, low)


def gaps(counts: Mapping[str, tuple[int, int]]) -> list[Gap]:
    """One :class:`Gap` per component IOC computes from ``counts`` ((numerator, denominator) per component), in the
    order of the groups."""
    order = list(GROUPS)
    found = [component_gap(key, *pair) for key, pair in counts.items()]
    return sorted(found, key=lambda gap: (order.index(gap.group), gap.key))


def gap_rows(connection: Connection, period: Period, by: str | None = None) -> list[tuple[object, list[Gap]]]:
    """(key, gaps) for the province (key None), each agency or each unit, over ``period``."""
    if by not in INDEX_BREAKDOWNS:
        raise IOCError("what it takes is kept for the province, by agency or by unit")
    return [(key, gaps(components_from_counts(counts))) for key, counts in counts_by(connection, period, by)]


def index_and_gap_rows(connection: Connection, period: Period, by: str | None = None) -> list[tuple[dict, list[Gap]]]:
    """(:func:`ioc.kpi.service_index.index_rows`' row, its gaps) per key, from one read of the counts."""
    if by not in INDEX_BREAKDOWNS:
        raise IOCError("what it takes is kept for the province, by agency or by unit")
    return [
        (index_row(key, counts, by), gaps(components_from_counts(counts)))
        for key, counts in counts_by(connection, period, by)
    ]
