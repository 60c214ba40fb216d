"""The indicator model of ``domain/indicators.md``: an indicator, its periods, and one validated value.

An indicator aggregates as a **count** or **amount** (added over units and days), a **ratio** (numerator and
denominator added, never a stored percentage), a **level** (a stock: a period takes its last value; units add only
when the indicator says so) or an official **score** (shown as published, never added up).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from ioc.config import TIMEZONE
from ioc.records import InvalidRecordError, shown

AGGREGATIONS = ("count", "amount", "ratio", "level", "score")
DIRECTIONS = ("higher", "lower")
#: From the finest to the coarsest.
PERIOD_KINDS = ("day", "month", "quarter", "year")
#: Where an indicator's values come from: computed from dossiers, the shipped catalogue, or added by an admin.
ORIGINS = ("dossier", "catalogue", "custom")
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
CODE_MAX = 64
#: Largest magnitude a value may have: beyond it a figure is a typo or a lie, never a province's number.
VALUE_LIMIT = 1e15


@dataclass(frozen=True)
class Indicator:
    """One indicator (chỉ tiêu) of the registry."""

    code: str
    name_vi: str
    name_en: str
    unit: str
    aggregation: str
    direction: str = "higher"
    #: A level's units add up (open feedback items do; a rate read as a level would not).
    units_add: bool = True
    #: A ratio whose numerator may not exceed its denominator (a share).
    bounded: bool = True
    origin: str = "catalogue"
    #: The screen group it belongs to (``documents``, ``meetings``, ``procedures``, ``payments``, ``feedback``,
    #: ``socioeconomic``, ``portal766``) or None.
    pillar: str | None = None

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == "ratio"

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"


def check_indicator(indicator: Indicator) -> None:
    """Refuse, in one line, an indicator that breaks the model's rules."""
    if not CODE_PATTERN.fullmatch(indicator.code) or len(indicator.code) > CODE_MAX:
        raise InvalidRecordError(
            f"indicator code {indicator.code!r}: use lower-case letters, digits, '_' and '.', at most {CODE_MAX}"
        )
    if indicator.aggregation not in AGGREGATIONS:
        raise InvalidRecordError(f"aggregation {indicator.aggregation!r} is not one of {', '.join(AGGREGATIONS)}")
    if indicator.direction not in DIRECTIONS:
        raise InvalidRecordError(f"direction {indicator.direction!r} is not one of {', '.join(DIRECTIONS)}")
    if indicator.origin not in ORIGINS:
        raise InvalidRecordError(f"origin {indicator.origin!r} is not one of {', '.join(ORIGINS)}")
    for name, text, limit in (("name-vi", indicator.name_vi, 200), ("name-en", indicator.name_en, 200)):
        if not text.strip() or len(text) > limit:
            raise InvalidRecordError(f"{name} must be 1 to {limit} characters")
    if not indicator.unit.strip() or len(indicator.unit) > 50:
        raise InvalidRecordError("unit must be 1 to 50 characters")


@dataclass(frozen=True, order=True)
class PeriodRef:
    """A source's period: a day, month, quarter or year, its first and last day (both included)."""

    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``: the long template's spelling."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def period_of(kind: str, day: date) -> PeriodRef:
    """The day, month, quarter or year that contains ``day``."""
    if kind == "day":
        return PeriodRef("day", day, day)
    if kind == "month":
        return PeriodRef("month", day.replace(day=1), _month_end(day.year, day.month))
    if kind == "quarter":
        first = 3 * ((day.month - 1) // 3) + 1
        return PeriodRef("quarter", date(day.year, first, 1), _month_end(day.year, first + 2))
    if kind == "year":
        return PeriodRef("year", date(day.year, 1, 1), date(day.year, 12, 31))
    raise InvalidRecordError(f"period kind {kind!r} is not one of {', '.join(PERIOD_KINDS)}")


_PERIOD_SHAPES = (
    ("day", re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)),
    ("month", re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)),
    ("quarter", re.compile(r"([0-9]{4})-[Qq]([1-4])", re.ASCII)),
    ("year", re.compile(r"([0-9]{4})", re.ASCII)),
)


@lru_cache(maxsize=4096)
def _period_of_text(text: str) -> PeriodRef | None:
    """The period ``text`` spells, or None; cached, as a report repeats a few periods on every row."""
    for kind, shape in _PERIOD_SHAPES:
        match = shape.fullmatch(text)
        if not match:
            continue
        parts = [int(part) for part in match.groups()]
        try:
            if kind == "day":
                day = date(*parts)
            elif kind == "month":
                day = date(parts[0], parts[1], 1)
            elif kind == "quarter":
                day = date(parts[0], 3 * parts[1] - 2, 1)
            else:
                day = date(parts[0], 1, 1)
        except ValueError:
            return None
        return period_of(kind, day) if 1900 <= day.year <= 2200 else None
    return None


def parse_period(value: Any, field_name: str = "period") -> PeriodRef:
    """``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY`` (a date or datetime reads as its day)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return PeriodRef("day", value, value)
    if value.__class__ is int and 1900 <= value <= 2200:
        value = str(value)
    if value.__class__ is str and len(value) <= 20:
        period = _period_of_text(value.strip())
        if period is not None:
            return period
    raise InvalidRecordError(f"{field_name} {shown(value)} is not a period YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY")


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?", re.ASCII)
_VIETNAMESE_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]{3})*(,[0-9]+)?", re.ASCII)
_GROUPED_BY_DOTS = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]{3})+", re.ASCII)


def parse_number(value: Any, field_name: str) -> float | None:
    """A number: an int or float, or text written ``1234.5`` or ``1.234,5``; None for null or empty.

    ``1.234`` could be either way and is refused (write ``1234`` or ``1.234,0``); so are booleans, NaN and infinities.
    """
    if value is None or (value.__class__ is str and not value.strip()):
        return None
    number: float | None = None
    if value.__class__ in (int, float):
        number = float(value)
    elif value.__class__ is str and len(value) <= 40:
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if _GROUPED_BY_DOTS.fullmatch(text) and text.count(".") == 1:
            raise InvalidRecordError(
                f"{field_name} {shown(value)} is ambiguous: write it without the dot (1234) or with a decimal "
                "comma (1.234,0)"
            )
        if _PLAIN_NUMBER.fullmatch(text):
            number = float(text)
        elif _VIETNAMESE_NUMBER.fullmatch(text):
            number = float(text.replace(".", "").replace(",", "."))
    if number is None:
        raise InvalidRecordError(f"{field_name} {shown(value)} is not a number (write 1234.5 or 1.234,5)")
    if not math.isfinite(number) or abs(number) > VALUE_LIMIT:
        raise InvalidRecordError(f"{field_name} {shown(value)} is not a finite number below {VALUE_LIMIT:.0e}")
    return number


@dataclass(slots=True)
class IndicatorValue:
    """One validated indicator value: indicator × unit × agency × period, a value or a numerator and denominator."""

    indicator: str
    unit_code: str
    #: ``""`` for none.
    agency_code: str
    period: PeriodRef
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    #: The source's own identifier of the record, when it has one.
    source_key: str | None = None
    #: The source says it has no data for this period: kept as "no data", never as a zero.
    no_data: bool = False
    #: A data-quality flag as the source gave it (e.g. ``TEMP_NATIONAL_REPORT_DENOMINATOR``) and its message.
    quality: str | None = None
    quality_message: str | None = None
    source_updated_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What identifies the value within its collector: a reload of the same key replaces it."""
        return f"{self.indicator}|{self.unit_code}|{self.agency_code}|{self.period.label}"


def check_value(
    value: IndicatorValue, indicators: Mapping[str, Indicator], unit_codes: Collection[str], province: str = ""
) -> None:
    """Apply the model's rules; raise :class:`InvalidRecordError` with the first broken one."""
    indicator = indicators.get(value.indicator)
    if indicator is None:
        raise InvalidRecordError(
            f"indicator {shown(value.indicator)} is not registered (add it with `ioc indicator add` or on the "
            "Indicators admin page)"
        )
    if indicator.origin == "dossier":
        raise InvalidRecordError(f"indicator {value.indicator!r} is computed from dossiers and cannot be loaded")
    if value.unit_code not in unit_codes:
        where = f"province {province} or one of its communes" if province else "an official unit code"
        raise InvalidRecordError(f"unit {shown(value.unit_code)} is not {where}")
    if len(value.agency_code) > 64:
        raise InvalidRecordError(f"agency {shown(value.agency_code)} is longer than 64 characters")
    if value.no_data:
        if value.value is not None or value.numerator is not None or value.denominator is not None:
            raise InvalidRecordError("a period marked as no data carries a figure")
        return
    if indicator.is_ratio:
        if value.value is not None:
            raise InvalidRecordError(
                f"{value.indicator} is a ratio: fill numerator and denominator and leave value empty"
            )
        if value.numerator is None or value.denominator is None:
            raise InvalidRecordError(f"{value.indicator} is a ratio: both numerator and denominator are needed")
        if value.numerator < 0 or value.denominator < 0:
            raise InvalidRecordError(f"{value.indicator}: numerator and denominator cannot be negative")
        if indicator.bounded and value.numerator > value.denominator:
            raise InvalidRecordError(
                f"{value.indicator}: numerator {value.numerator:g} is above denominator {value.denominator:g}"
            )
        return
    if value.numerator is not None or value.denominator is not None:
        raise InvalidRecordError(
            f"{value.indicator} is a {indicator.aggregation}: fill value, not numerator and denominator"
        )
    if value.value is None:
        raise InvalidRecordError(f"{value.indicator}: value is empty")
    if indicator.aggregation == "count" and (value.value < 0 or not float(value.value).is_integer()):
        raise InvalidRecordError(f"{value.indicator} is a count: {value.value:g} is not a whole number ≥ 0")


def parse_updated_at(value: Any, field_name: str = "updated_at") -> datetime | None:
    """An update time: a datetime, or ISO 8601 text (an offset is converted to Vietnam time and dropped)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif value.__class__ is str and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidRecordError(f"{field_name} {shown(value)} is not an ISO 8601 date-time") from None
    else:
        raise InvalidRecordError(f"{field_name} {shown(value)} is not an ISO 8601 date-time")
    if moment.tzinfo is not None:
        moment = moment.astimezone(TIMEZONE).replace(tzinfo=None)
    return moment


def value_from_fields(
    fields: Mapping[str, Any],
    indicators: Mapping[str, Indicator],
    unit_codes: Collection[str],
    province: str = "",
) -> IndicatorValue:
    """A value from named fields (``indicator``, ``unit``, ``agency``, ``period``, ``value``, ``numerator``,
    ``denominator``, and optionally ``source_key``), parsed and checked; raises :class:`InvalidRecordError`."""
    code = fields.get("indicator")
    if code.__class__ is not str or not code.strip():
        raise InvalidRecordError(f"indicator {shown(code)} is missing or not text")
    unit = fields.get("unit")
    if unit.__class__ is int:
        unit = str(unit)
    if unit.__class__ is not str or not unit.strip():
        raise InvalidRecordError(f"unit {shown(unit)} is missing or not an official unit code")
    agency = fields.get("agency")
    if agency is None:
        agency = ""
    if agency.__class__ is int:
        agency = str(agency)
    if agency.__class__ is not str:
        raise InvalidRecordError(f"agency {shown(agency)} is not text")
    source_key = fields.get("source_key")
    record = IndicatorValue(
        source_updated_at=parse_updated_at(fields.get("updated_at")),
        indicator=code.strip(),
        unit_code=unit.strip(),
        agency_code=agency.strip(),
        period=parse_period(fields.get("period")),
        value=parse_number(fields.get("value"), "value"),
        numerator=parse_number(fields.get("numerator"), "numerator"),
        denominator=parse_number(fields.get("denominator"), "denominator"),
        source_key=None if source_key is None else str(source_key)[:200],
    )
    check_value(record, indicators, unit_codes, province)
    return record
