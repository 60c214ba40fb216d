"""Rankings that tell the truth: who qualifies, best and worst lists that never overlap, and pages that show every key.

Pure functions over KPI rows (:mod:`ioc.kpi.query`), and :func:`ranking`, which reads them. Units are ranked among
communes: the province's own row (dossiers handled at province level, unit code = the province's code) is not one.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Connection, select

from ioc.kpi.periods import Period
from ioc.kpi.query import Filters, cached_kpi_rows
from ioc.kpi.registry import KPI_BY_KEY
from ioc.warehouse import schema

T = TypeVar("T")

#: A unit or agency is ranked on a rate only when its denominator reaches this many dossiers in the period, so that
#: three dossiers resolved on time do not put a small office at the top.
MIN_RANKED = 20
#: The count a rate is ranked on when it is small: its denominator, or received for the online payment rate, whose
#: denominator (dossiers with a known fee) is not a KPI row column.
RANK_VOLUME = {
    "online_rate": "received",
    "on_time_rate": "resolved",
    "online_payment_rate": "received",
    "digitisation_rate": "received",
}

#: A ranked key: (key, value, the count behind it).
Ranked = tuple[str, float, int]


@dataclass(frozen=True)
class Ranking:
    """The best keys (best first) and the worst (worst first) on one KPI, out of ``qualifying`` keys."""

    kpi: str
    best: list[Ranked]
    worst: list[Ranked]
    qualifying: int


@dataclass(frozen=True)
class Page(Generic[T]):
    """Page ``number`` (from 1) of ``of``, and its items."""

    number: int
    of: int
    items: list[T]


def split(ranked: Sequence[T], slots: int) -> tuple[list[T], list[T]]:
    """The best and the worst of ``ranked`` (best first), at most ``slots`` each, never sharing an item: of n, the
    best are the first min(slots, ⌈n/2⌉) and the worst the last min(slots, ⌊n/2⌋), worst first. One key is best only.
    """
    n = len(ranked)
    best = min(slots, math.ceil(n / 2))
    worst = min(slots, n // 2)
    return list(ranked[:best]), list(reversed(ranked[n - worst :])) if worst > 0 else []


def _order(kpi: str, value: float, volume: int, key: str) -> tuple[float, int, str]:
    """Best first; ties go to the key with more dossiers behind it, then by code."""
    sign = 1 if KPI_BY_KEY[kpi].higher_is_better else -1
    return -sign * value, -volume, key


def qualifying(
    rows: Iterable[dict],
    by: str,
    kpi: str,
    among: Collection[str] | None = None,
    exclude: Collection[str] = (),
) -> list[Ranked]:
    """The keys that are ranked on ``kpi``, best first: those with a value (for a rate, with at least
    :data:`MIN_RANKED` dossiers behind it), only those ``among`` when given, never those in ``exclude``."""
    definition = KPI_BY_KEY[kpi]
    ranked = []
    for row in rows:
        value, volume, key = row[kpi], row[RANK_VOLUME.get(kpi, kpi)], str(row[by])
        if value is None or (definition.is_rate and volume < MIN_RANKED):
            continue
        if key in exclude or (among is not None and key not in among):
            continue
        ranked.append((key, value, int(volume)))
    ranked.sort(key=lambda item: _order(kpi, item[1], item[2], item[0]))
    return ranked


def every_key(rows: Iterable[dict], by: str, kpi: str, exclude: Collection[str] = ()) -> list[dict]:
    """Every row with dossiers received or resolved (not only those that qualify for a ranking), best first on
    ``kpi``; rows without a value last, then by received (more first) and code."""
    sign = 1 if KPI_BY_KEY[kpi].higher_is_better else -1
    shown = [row for row in rows if (row["received"] or row["resolved"]) and str(row[by]) not in exclude]
    return sorted(shown, key=lambda r: (r[kpi] is None, -sign * (r[kpi] or 0), -(r["received"] or 0), str(r[by])))


def pages(items: Sequence[T], per_page: int) -> list[Page[T]]:
    """``items`` in pages of ``per_page``; no items make one empty page (it says there is no data)."""
    if per_page < 1:
        raise ValueError("a page holds at least one item")
    count = max(1, math.ceil(len(items) / per_page))
    return [Page(i + 1, count, list(items[i * per_page : (i + 1) * per_page])) for i in range(count)]


@dataclass(frozen=True)
class Bars:
    """The rows a bar chart shows, best first: every row with a value, or, past the limit, the best and the worst
    (``cut``); ``total`` rows have a value, ``without_value`` have none."""

    rows: list[dict]
    total: int
    without_value: int
    cut: bool


def bar_rows(rows: Iterable[dict], by: str, kpi: str, limit: int, exclude: Collection[str] = ()) -> Bars:
    """The rows of a breakdown a bar chart of ``kpi`` shows: all of them when at most ``limit`` have a value, else the
    ``limit // 2`` best and the ``limit - limit // 2`` worst, still best first."""
    chosen = [row for row in rows if str(row[by]) not in exclude]
    valued = [row for row in chosen if row.get(kpi) is not None]
    volume = RANK_VOLUME.get(kpi, kpi)
    valued.sort(key=lambda r: _order(kpi, r[kpi], int(r.get(volume) or 0), str(r[by])))
    if len(valued) <= limit:
        return Bars(valued, len(valued), len(chosen) - len(valued), False)
    best = valued[: limit - limit // 2]
    worst = valued[len(valued) - limit // 2 :]
    return Bars(best + worst, len(valued), len(chosen) - len(valued), True)


def province_level(connection: Connection) -> str:
    """The unit code of dossiers handled at province level: the province's own code."""
    unit = schema.Unit.__table__
    return connection.execute(select(unit.c.code).where(unit.c.level == "province")).scalar() or ""


def ranking(
    connection: Connection,
    period: Period,
    by: str,
    kpi: str,
    size: int = 5,
    filters: Filters = Filters(),
    among: Collection[str] | None = None,
) -> Ranking:
    """The ``size`` best and worst ``by`` keys (or only those ``among``) on ``kpi`` (:func:`qualifying`,
    :func:`split`); units are ranked among communes, without the province's own row."""
    exclude = {province_level(connection)} if by == "unit" else set()
    ranked = qualifying(cached_kpi_rows(connection, period, by, filters), by, kpi, among, exclude)
    best, worst = split(ranked, size)
    return Ranking(kpi, best, worst, len(ranked))
