"""The explorer's view — period, filters, breakdown, KPI, and the chosen indicator with its breakdown — to and from
the URL's query string, so a reload or a shared link shows the same view. Values that are not valid are dropped,
never passed on."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from ioc.kpi.display_period import shown
from ioc.kpi.periods import MAX_DAYS, Period, parse_day, within_range
from ioc.kpi.query import Filters
from ioc.kpi.registry import KPI_BY_KEY
from layouts.i18n import language

PRESETS = ("month", "last_month", "quarter", "year", "last_30", "custom")
#: The presets that are a wall's periods (:data:`ioc.kpi.display_period.PERIODS`), for their aligned comparison.
DISPLAY_PERIODS = {
    "month": "month",
    "last_month": "last_month",
    "quarter": "quarter",
    "year": "year",
    "last_30": "rolling_30",
}
BREAKDOWNS = ("agency", "unit", "field", "procedure", "channel")
CODE = re.compile(r"^[\w.\-/]{1,64}$")
FILTERS = ("unit", "agency", "field", "procedure", "channel", "applicant_type")
NUMBERS = {"channel": (1, 2, 3), "applicant_type": (1, 2, 3, 4)}
#: An indicator's breakdowns (``ioc.indicators.query.BREAKDOWNS``).
INDICATOR_BREAKDOWNS = ("unit", "agency", "month")
#: An indicator code as the registry writes it (``ioc.indicators.model.CODE_PATTERN``); whether it is registered is
#: the page's question, not the URL's.
INDICATOR_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


@dataclass(frozen=True)
class View:
    lang: str = "vi"
    preset: str = "month"
    first: date | None = None  # custom range, both days included
    last: date | None = None
    unit: str | None = None
    agency: str | None = None
    field: str | None = None
    procedure: str | None = None
    channel: int | None = None
    applicant_type: int | None = None
    by: str = "agency"
    kpi: str = "on_time_rate"
    indicator: str | None = None
    indicator_by: str = "unit"

    def days(self, today: date) -> tuple[date, date]:
        """The first and last day shown (both included)."""
        if self.preset == "custom" and self.first and self.last:
            return self.first, self.last
        month = today.replace(day=1)
        if self.preset == "last_month":
            last = month - timedelta(days=1)
            return last.replace(day=1), last
        if self.preset == "quarter":
            return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
        if self.preset == "year":
            return date(today.year, 1, 1), today
        if self.preset == "last_30":
            return today - timedelta(days=29), today
        return month, today

    def period(self, today: date) -> Period:
        return Period.inclusive(*self.days(today))

    def compare_with(self, today: date) -> Period | None:
        """A preset compares with the previous period of its kind cut after as many working days
        (:mod:`ioc.kpi.display_period`; the same weekdays when no working day has passed yet); a custom range with
        the previous period of its kind (:meth:`ioc.kpi.periods.Period.previous`), None here."""
        kind = DISPLAY_PERIODS.get(self.preset)
        if kind is None:
            return None
        aligned = shown(kind, "working_days", today).comparison.period
        return aligned or shown(kind, "weekday", today).comparison.period

    def filters(self) -> Filters:
        return Filters(**{name: getattr(self, name) for name in FILTERS})

    def query(self) -> str:
        """The view as a query string, defaults left out."""
        default = View()
        pairs = {}
        for key, value in asdict(self).items():
            if value is None or value == getattr(default, key):
                continue
            pairs[{"first": "from", "last": "to"}.get(key, key)] = (
                value.isoformat() if isinstance(value, date) else value
            )
        if self.preset != "custom":
            pairs.pop("from", None)
            pairs.pop("to", None)
        return "?" + urlencode(pairs) if pairs else ""

    def with_values(self, **values: object) -> View:
        return replace(self, **values)


def _day(value: object) -> date | None:
    """A day as YYYY-MM-DD (a time may follow, as the date picker sends it) that a request may ask about."""
    day = parse_day(value[:10]) if isinstance(value, str) else None
    return day if day is not None and within_range(day) else None


def _code(value: object) -> str | None:
    return value if isinstance(value, str) and CODE.match(value) else None


def _number(name: str, value: object) -> int | None:
    """One of the allowed numbers, given as itself or as its ASCII digits (never an ``int()`` of any text)."""
    allowed = {str(number): number for number in NUMBERS[name]}
    text = value if isinstance(value, str) else str(value) if type(value) is int else ""
    return allowed.get(text)


def _choice(value: object, choices: tuple[str, ...] | dict, default: str) -> str:
    return value if isinstance(value, str) and value in choices else default


def parse(params: dict) -> View:
    """A view from URL parameters (or control values); anything invalid falls back to the default: a range that ends
    before it starts, lies outside the days IOC counts or spans more than ten years is this month."""
    first, last = _day(params.get("from")), _day(params.get("to"))
    preset = _choice(params.get("preset"), PRESETS, "custom" if first and last else "month")
    if preset == "custom" and not (first and last and 0 <= (last - first).days < MAX_DAYS):
        preset, first, last = "month", None, None
    return View(
        lang=language(params.get("lang")),
        preset=preset,
        first=first if preset == "custom" else None,
        last=last if preset == "custom" else None,
        unit=_code(params.get("unit")),
        agency=_code(params.get("agency")),
        field=_code(params.get("field")),
        procedure=_code(params.get("procedure")),
        channel=_number("channel", params.get("channel")),
        applicant_type=_number("applicant_type", params.get("applicant_type")),
        by=_choice(params.get("by"), BREAKDOWNS, "agency"),
        kpi=_choice(params.get("kpi"), KPI_BY_KEY, "on_time_rate"),
        indicator=_indicator(params.get("indicator")),
        indicator_by=_choice(params.get("indicator_by"), INDICATOR_BREAKDOWNS, "unit"),
    )


def _indicator(value: object) -> str | None:
    return value if isinstance(value, str) and len(value) <= 64 and INDICATOR_CODE.match(value) else None


def stored(view: View) -> dict:
    """The view as the page keeps it (a dcc.Store): JSON values, and its query string."""
    return {
        "query": view.query(),
        **{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in asdict(view).items()},
    }


def from_store(data: object) -> View:
    """The stored view back, checked again: a store is client data (anything but an object is the default view)."""
    if not isinstance(data, dict):
        return View()
    return parse(
        {"from": data.get("first"), "to": data.get("last")}
        | {k: v for k, v in data.items() if k not in ("first", "last", "query")}
    )
