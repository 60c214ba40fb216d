"""Reading any indicator for a period, by unit, agency or month (``ioc indicator values``, the API, the screens).

Stored values are read at one period kind: the coarsest of year, quarter and month of which the period is made whole
and for which values exist, else days (by month: months, else days). So a quarter reads the source's quarterly values
when it gave them, a period of whole months reads monthly values, and no figure is counted twice at two kinds. A period
that reaches today counts its running month (quarter, year) as whole, since that value holds figures to date: the month
to date reads the running month's value.

How values combine follows their aggregation (``domain/indicators.md``):
- count, amount: added;
- ratio: numerators and denominators added, then divided (a rate in %, two decimals), never an average of rates;
- level: each unit and agency's last value in the period, added across units only when the indicator says so, else
  the province's own (or the chosen unit's);
- score: as published, never added: the province's own (or the chosen unit's, or each unit's or agency's), the last
  period's in the range.
A period marked "no data" counts as nothing; a key with no figure at all shows ``value`` null. The dossier KPIs are
computed from the dossier aggregates (``ioc.kpi.query``) and come out in the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, and_, exists, func, or_, select

from ioc.config import now_local
from ioc.errors import IOCError
from ioc.indicators.model import Indicator, period_of
from ioc.indicators.registry import get_indicator
from ioc.kpi.known import check_filters
from ioc.kpi.periods import Period
from ioc.kpi.query import Filters, counts_by
from ioc.kpi.registry import KPI_BY_KEY, derived_counts, rate
from ioc.warehouse import schema
from ioc.warehouse.dialect import month_text

VALUE = schema.IndicatorValue.__table__
UNIT = schema.Unit.__table__
AGENCY = schema.Agency.__table__
BREAKDOWNS = ("unit", "agency", "month")
#: Decimals kept of added amounts (float sums of tenths must not show 0.30000000000000004).
AMOUNT_DECIMALS = 6


def last_end(period: Period, kind: str, today: date) -> date | None:
    """The last day a ``kind`` value read for ``period`` may end on, or None when ``period`` is not made of whole
    ``kind`` periods. A period that reaches today takes its running ``kind`` period whole, as that holds figures to
    date only: the month to date reads the running month's value."""
    if kind == "day":
        return period.last_day
    if period_of(kind, period.start).start != period.start:
        return None
    last = period_of(kind, period.last_day)
    if last.end == period.last_day or last.start <= today <= period.last_day:
        return last.end
    return None


def _conditions(indicator: Indicator, period: Period, ends_by: date, unit: str | None, agency: str | None) -> list:
    conditions = [
        VALUE.c.indicator_code == indicator.code,
        VALUE.c.period_start >= period.start,
        VALUE.c.period_end <= ends_by,
    ]
    if unit is not None:
        conditions.append(VALUE.c.unit_code == unit)
    if agency is not None:
        conditions.append(VALUE.c.agency_code == agency)
    return conditions


def read_kind(
    connection: Connection,
    indicator: Indicator,
    period: Period,
    by: str | None,
    unit: str | None,
    agency: str | None,
    today: date,
) -> tuple[str, date] | None:
    """The period kind the values are read at and the last day they may end on, or None when no value lies in the
    period."""
    kinds = ("month", "day") if by == "month" else ("year", "quarter", "month", "day")
    candidates = [(kind, end) for kind in kinds if (end := last_end(period, kind, today)) is not None]
    found = connection.execute(
        select(
            *[
                exists().where(VALUE.c.period_kind == kind, *_conditions(indicator, period, end, unit, agency))
                for kind, end in candidates
            ]
        )
    ).one()
    return next((candidate for candidate, present in zip(candidates, found, strict=True) if present), None)


def _number(total: float | None, indicator: Indicator) -> int | float | None:
    if total is None:
        return None
    if indicator.aggregation == "count" and float(total).is_integer():
        return int(total)
    return round(total, AMOUNT_DECIMALS)


def _key_column(connection: Connection, by: str | None):  # type: ignore[no-untyped-def]
    if by == "unit":
        return VALUE.c.unit_code
    if by == "agency":
        return VALUE.c.agency_code
    if by == "month":
        return month_text(connection, VALUE.c.period_start)
    return None


def _added(connection: Connection, indicator: Indicator, conditions: list, by: str | None) -> list[tuple[object, dict]]:
    """Counts, amounts and ratios: sums by key in SQL."""
    key = _key_column(connection, by)
    sums = [func.sum(VALUE.c.value), func.sum(VALUE.c.numerator), func.sum(VALUE.c.denominator)]
    query = select(*([key] if key is not None else []), *sums).where(*conditions)
    if key is not None:
        query = query.group_by(key).order_by(key)
    rows = []
    for row in connection.execute(query):
        *keys, value, numerator, denominator = row
        if indicator.is_ratio:
            known = numerator is not None and denominator is not None
            shown = {
                "value": rate(numerator, denominator) if known else None,
                "numerator": _number(numerator, indicator),
                "denominator": _number(denominator, indicator),
            }
        else:
            shown = {"value": _number(value, indicator), "numerator": None, "denominator": None}
        rows.append((keys[0] if keys else None, shown))
    return rows


def _latest(
    connection: Connection, indicator: Indicator, conditions: list, by: str | None, province: str, unit: str | None
) -> list[tuple[object, dict]]:
    """Levels and scores: each unit and agency's last value (by month: each month's), then combined per key."""
    month = month_text(connection, VALUE.c.period_start).label("month")
    query = select(VALUE.c.unit_code, VALUE.c.agency_code, month, VALUE.c.period_start, VALUE.c.value).where(
        *conditions, VALUE.c.no_data.is_(False), VALUE.c.value.is_not(None)
    )
    last: dict[tuple, tuple[date, float]] = {}
    for unit_code, agency_code, month_key, start, value in connection.execute(query):
        place = (unit_code, agency_code, month_key if by == "month" else None)
        if place not in last or start > last[place][0]:
            last[place] = (start, value)
    adds = indicator.aggregation == "level" and indicator.units_add
    own_unit = unit or province
    totals: dict[object, float] = {}
    for (unit_code, agency_code, month_key), (_start, value) in last.items():
        if by == "unit":
            key: object = unit_code
            if not adds and agency_code != "":
                continue
        elif by == "agency":
            key = agency_code
        elif by == "month":
            key = month_key
        else:
            key = None
        if by in (None, "month") and not adds and (unit_code, agency_code) != (own_unit, ""):
            continue
        if adds:
            totals[key] = totals.get(key, 0.0) + value
        elif key not in totals:
            totals[key] = value
    keys: Iterable[object] = sorted(totals, key=lambda k: (k is None, k)) if by else [None]
    return [
        (key, {"value": _number(totals.get(key), indicator), "numerator": None, "denominator": None}) for key in keys
    ]


def _dossier_rows(
    connection: Connection, indicator: Indicator, period: Period, by: str | None, unit: str | None, agency: str | None
) -> list[tuple[object, dict]]:
    kpi = KPI_BY_KEY[indicator.code]
    rows = []
    for key, measures in counts_by(connection, period, by, Filters(unit=unit, agency=agency)):
        counts = derived_counts(measures)
        if kpi.denominator is None:
            shown = {"value": int(counts.get(kpi.numerator, 0)), "numerator": None, "denominator": None}
        else:
            numerator, denominator = counts.get(kpi.numerator, 0), counts.get(kpi.denominator, 0)
            shown = {"value": rate(numerator, denominator), "numerator": numerator, "denominator": denominator}
        rows.append((f"{key:%Y-%m}" if by == "month" and isinstance(key, date) else key, shown))
    return rows


def check_agency(connection: Connection, agency: str) -> None:
    """An agency filter must name an agency the warehouse knows, or one a value names."""
    known = connection.execute(
        select(or_(exists().where(AGENCY.c.code == agency), exists().where(VALUE.c.agency_code == agency)))
    ).scalar_one()
    if not known:
        raise IOCError(f"unknown agency {agency!r}: not in this warehouse (ioc agencies lists them)")


def value_rows(
    connection: Connection,
    code: str,
    period: Period,
    by: str | None = None,
    unit: str | None = None,
    agency: str | None = None,
    today: date | None = None,
) -> list[dict]:
    """One row per breakdown key (one row without ``by``): the key (``unit``, ``agency``, or ``month`` as ``YYYY-MM``),
    ``value`` (a ratio's rate in %), and ``numerator`` and ``denominator`` (null unless a ratio). ``today`` (Vietnam
    time by default) decides which period is running."""
    if by is not None and by not in BREAKDOWNS:
        raise IOCError(f"--by {by!r}: use one of {', '.join(BREAKDOWNS)}", key="breakdown", by=by)
    indicator = get_indicator(connection, code)
    check_filters(connection, Filters(unit=unit))
    if agency is not None:
        check_agency(connection, agency)
    if indicator.origin == "dossier":
        rows = _dossier_rows(connection, indicator, period, by, unit, agency)
    else:
        chosen = read_kind(connection, indicator, period, by, unit, agency, today or now_local().date())
        if chosen is None:
            rows = []
        else:
            kind, ends_by = chosen
            conditions = [*_conditions(indicator, period, ends_by, unit, agency), VALUE.c.period_kind == kind]
            if indicator.aggregation in ("level", "score"):
                province = connection.execute(select(UNIT.c.code).where(UNIT.c.level == "province")).scalar()
                rows = _latest(connection, indicator, conditions, by, province or "", unit)
            else:
                rows = _added(connection, indicator, [and_(*conditions), VALUE.c.no_data.is_(False)], by)
    if by is None:
        empty = {"value": None, "numerator": None, "denominator": None}
        return [rows[0][1] if rows else empty]
    return [{by: key, **shown} for key, shown in rows]
