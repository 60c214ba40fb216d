"""The national service index (Decision 766) per province, agency or commune, from the aggregates."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from ioc.errors import IOCError
from ioc.kpi.index766 import COMPONENTS, GROUPS, components_from_counts, rating, score
from ioc.kpi.periods import Period
from ioc.kpi.query import counts_by

#: The breakdowns the index is published for: the province (None), its agencies and its communes.
INDEX_BREAKDOWNS = (None, "agency", "unit")


def index_rows(connection: Connection, period: Period, by: str | None = None) -> list[dict]:
    """One row per province, agency or unit: points earned, points IOC could compute, each group's and each
    component's points (None where IOC lacks the data). A rating is given only when all 100 points are computable."""
    if by not in INDEX_BREAKDOWNS:
        raise IOCError("the service index is kept for the province, by agency or by unit")
    return [index_row(key, counts, by) for key, counts in counts_by(connection, period, by)]


def index_row(key: object, counts: Mapping[str, int], by: str | None = None) -> dict:
    """One row of :func:`index_rows` from a key's counts."""
    result = score(components_from_counts(counts))
    row: dict[str, object] = {by: key} if by else {}
    row["points"] = result.total
    row["computable_points"] = result.computable
    row["rating"] = rating(result.total)[0] if result.computable == 100 else None
    row |= {f"group_{group}": result.group_points(group) for group in GROUPS}
    points = {c.key: c.points for c in result.components}
    row |= {c.key: None if points[c.key] is None else round(points[c.key], 2) for c in COMPONENTS}
    return row


def index_trend(connection: Connection, period: Period) -> list[dict]:
    """The province's points per month of ``period`` (``month`` as ``YYYY-MM``; the last month cut at its end): points
    earned and points IOC could compute (0 for a month with nothing to count)."""
    rows = []
    for month, counts in counts_by(connection, period, "month"):
        result = score(components_from_counts(counts))
        rows.append({"month": month, "points": result.total, "computable_points": result.computable})
    return rows
