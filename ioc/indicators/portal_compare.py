"""IOC's own Decision 766 points beside the national portal's published scores (``domain/indicators.md``: "IOC shows
the official score beside its own computation and flags where they differ by more than 0.5 point")."""

from __future__ import annotations

from sqlalchemy import Connection

from ioc.indicators.query import value_rows
from ioc.kpi.index766 import GROUPS
from ioc.kpi.periods import Period
from ioc.kpi.service_index import index_rows

#: Points of difference beyond which IOC's figure and the portal's are flagged.
TOLERANCE = 0.5
#: Name → (IOC's row column, the portal's indicator).
PAIRS = {
    **{group: (f"group_{group}", f"portal766.{group}") for group in GROUPS},
    "total": ("points", "portal766.total"),
}


def _published(connection: Connection, code: str, period: Period, by: str | None) -> dict[object, float | None]:
    rows = value_rows(connection, code, period, by)
    if by is None:
        return {None: rows[0]["value"]}
    return {row[by]: row["value"] for row in rows if row[by] != ""}


def compared_rows(connection: Connection, period: Period, by: str | None = None) -> list[dict]:
    """``ioc index766``'s rows, each IOC figure followed by the portal's (``portal_…``) and a flag (``differs_…``:
    True beyond :data:`TOLERANCE`, None where either is missing); keys only the portal publishes come last."""
    rows = index_rows(connection, period, by)
    published = {name: _published(connection, code, period, by) for name, (_column, code) in PAIRS.items()}
    keys = [row.get(by) if by else None for row in rows]
    extra = sorted({key for values in published.values() for key in values} - set(keys), key=str)
    rows += [{by: key} for key in extra]
    shown = []
    for row in rows:
        key = row.get(by) if by else None
        out = dict(row)
        for name, (column, _code) in PAIRS.items():
            ours, theirs = row.get(column), published[name].get(key)
            out[f"portal_{name}"] = theirs
            out[f"differs_{name}"] = None if ours is None or theirs is None else abs(ours - theirs) > TOLERANCE
        shown.append(out)
    return shown
