"""The wall's period in words: what the tiles compare with ("so với 2 ngày làm việc đầu tháng 11"), the name of the
period the rankings and the map show when it is not this month, and the last complete month's figure beside a tile.

Which days are compared is :mod:`ioc.kpi.display_period`; this module only names them.
"""

from __future__ import annotations

import calendar

from ioc.kpi.display_period import Shown
from ioc.kpi.periods import Period
from layouts.i18n import t


def month_name(period: Period, lang: str, with_year: bool = True) -> str:
    """ "tháng 11/2026" (or "tháng 11"), "November 2026"."""
    start = period.start
    if lang == "vi":
        return f"tháng {start.month}/{start.year}" if with_year else f"tháng {start.month}"
    return f"{calendar.month_name[start.month]} {start.year}" if with_year else calendar.month_name[start.month]


def _name(kind: str, period: Period, lang: str, with_year: bool) -> str:
    if kind in ("month", "last_month"):
        return month_name(period, lang, with_year)
    if kind == "quarter":
        quarter = (period.start.month - 1) // 3 + 1
        return t(lang, "wall.name.quarter", quarter=quarter, year=period.start.year if with_year else "").rstrip("/ ")
    return t(lang, "wall.name.year", year=period.start.year)


def comparison_label(view: Shown, lang: str) -> str:
    """What the tiles' changes are measured against."""
    comparison = view.comparison
    if comparison.mode == "weekday":
        return t(lang, "wall.compare.weekday", weeks=comparison.weeks)
    if comparison.period is None:
        return t(lang, "wall.compare.none")
    count = comparison.working_days
    if view.kind == "rolling_30":
        key = "wall.compare.rolling_year" if comparison.mode == "year" else "wall.compare.rolling"
        return t(lang, key, count=count)
    name = _name(view.kind, comparison.period, lang, with_year=comparison.mode == "year" or view.kind == "year")
    if comparison.whole:
        return t(lang, "wall.compare.whole", name=name)
    if count == 0:
        return t(lang, "wall.compare.days_off", name=name)
    return t(lang, "wall.compare.working_days", count=count, name=name)


def scope(kind: str, ranked: Period, fallback: bool, lang: str) -> str:
    """The period the rankings and the map show, named for their titles; "" for this month so far (the default)."""
    if fallback or kind == "last_month":
        return month_name(ranked, lang)
    if kind == "month":
        return ""
    if kind == "rolling_30":
        return t(lang, "wall.scope.rolling_30")
    return _name(kind, ranked, lang, with_year=True)


def titled(title: str, named: str) -> str:
    """A panel title with the period it shows, when that is not this month so far."""
    return f"{title} · {named}" if named else title


def beside(value: str, last_month: Period, lang: str) -> str:
    """The last complete month's figure under a tile's own."""
    return t(lang, "wall.beside", month=f"{last_month.start.month}/{last_month.start.year}", value=value)
