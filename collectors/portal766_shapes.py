"""The national portal's Decision 766 answers (``shared/data/portal766/README.md``): requests, shapes, and parsing.

Each group answers ``{"code": "OK", "data": …, "message": …}``. ``data`` is a **tree** (``parent`` the province,
``children`` its agencies and communes; the progress tree gives a child's score as ``score``, the others as
``totalScore``) or **metrics** (``overview`` the province, ``evaluation`` the units, each with ``metrics``), or null
when the portal has no data for the period. A group's answer becomes one raw record per unit (``role`` ``province`` or
``child``, the unit's node kept unchanged under ``unit``), or one ``none`` record for data null; after a period's six
groups comes a ``total`` record with the province's six published scores.

Scores are stored as published, never recomputed. No data (data null, a unit flagged ``NO_NATIONAL_REPORT_DATA``, a
score null) is a value with ``no_data``, never a zero. A metric's ``dataQualityStatus`` and ``dataQualityMessage``
(the transparency group's ``DOSSIER_SYNC``) are kept unchanged as the unit's value's quality; the unit's published
score stays its value.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ioc.indicators.model import Indicator, IndicatorValue, PeriodRef, check_value, parse_period
from ioc.indicators.names import NameMatcher, unmatched_reason
from ioc.records import InvalidRecordError, Rejection, shown

NO_DATA_FLAG = "NO_NATIONAL_REPORT_DATA"
TOTAL = "total"


@dataclass(frozen=True)
class Group:
    """One of the six groups: its endpoint, its indicator, the page size the portal's own pages ask for, and whether
    it takes a date range (``fromDate``/``toDate``) instead of ``timeType``."""

    endpoint: str
    indicator: str
    page_size: int
    dates: bool = False


GROUPS = (
    Group("dvc-progress-tree", "portal766.progress", 100),
    Group("provide-online-tree", "portal766.online_services", 200),
    Group("formality-online-payment-tree", "portal766.online_payment", 100),
    Group("dossier-digitized", "portal766.digitisation", 200),
    Group("transparency", "portal766.transparency", 200),
    Group("handling-satisfaction", "portal766.satisfaction", 200, dates=True),
)
BY_ENDPOINT = {group.endpoint: group for group in GROUPS}
TOTAL_INDICATOR = "portal766.total"


def request_body(group: Group, period: PeriodRef, root_department_id: str, page: int) -> dict[str, Any]:
    """The body the portal's own pages send for ``group`` over ``period`` (README, "Requests")."""
    if group.dates:
        when: dict[str, Any] = {"fromDate": period.start.isoformat(), "toDate": period.end.isoformat()}
    else:
        when = {"timeType": period.kind, "year": period.start.year}
        if period.kind == "month":
            when["month"] = period.start.month
        elif period.kind == "quarter":
            when["quarter"] = (period.start.month - 1) // 3 + 1
    return {**when, "rootDepartmentId": root_department_id, "currentPage": page, "pageSize": group.page_size}


def shape_of(data: dict[str, Any]) -> tuple[Any, Any]:
    """(the province's node, the units) of a tree or metrics ``data``; ValueError for another shape."""
    if "parent" in data or "children" in data:
        return data.get("parent"), data.get("children")
    if "overview" in data or "evaluation" in data:
        return data.get("overview"), data.get("evaluation")
    raise ValueError("data has neither parent/children (tree) nor overview/evaluation (metrics)")


def raw_records(group: Group, period: PeriodRef, data: Any, first_page: bool) -> list[dict[str, Any]]:
    """One raw record per unit of an answer's ``data`` (the province on the first page only)."""
    base = {"group": group.endpoint, "period": period.label}
    if data is None:
        return [{**base, "role": "none"}] if first_page else []
    parent, children = shape_of(data)
    records = [{**base, "role": "province", "unit": parent}] if first_page else []
    return records + [{**base, "role": "child", "unit": child} for child in children or []]


def published_score(node: Mapping[str, Any]) -> Any:
    """A unit's group score as the portal gives it (``totalScore``, or ``score`` on the progress tree's children)."""
    return node["totalScore"] if "totalScore" in node else node.get("score")


def _number(value: Any) -> bool:
    return value.__class__ in (int, float) and math.isfinite(value)


def _quality(node: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The unit's own flag, else its metrics' flags, unchanged (several distinct ones joined by ", " and " | ")."""
    if node.get("dataQualityStatus"):
        return str(node["dataQualityStatus"])[:64], node.get("dataQualityMessage")
    metrics = node.get("metrics") if isinstance(node.get("metrics"), list) else []
    flagged = [m for m in metrics if isinstance(m, dict) and m.get("dataQualityStatus")]
    if not flagged:
        return None, None
    statuses = list(dict.fromkeys(str(m["dataQualityStatus"]) for m in flagged))
    messages = list(dict.fromkeys(str(m.get("dataQualityMessage") or "") for m in flagged))
    return ", ".join(statuses)[:64], " | ".join(filter(None, messages)) or None


def unit_value(
    group: Group, period: PeriodRef, node: Mapping[str, Any], unit_code: str, agency_code: str, name: str
) -> IndicatorValue:
    """A unit's published group score (or no data), with its quality flags."""
    score = published_score(node)
    quality, message = _quality(node)
    key = node.get("departmentId")
    value = IndicatorValue(
        indicator=group.indicator,
        unit_code=unit_code,
        agency_code=agency_code,
        period=period,
        source_key=key[:200] if isinstance(key, str) else None,
        quality=quality,
        quality_message=message,
    )
    if score is None or node.get("dataQualityStatus") == NO_DATA_FLAG:
        value.no_data = True
        return value
    maximum = _maximum(node)
    if not _in_range(score, maximum):
        raise InvalidRecordError(
            f"{group.endpoint} score {shown(score)} of {name!r} ({period.label}) is not a number from 0 to {maximum:g}"
        )
    value.value = float(score)
    return value


def _maximum(node: Mapping[str, Any]) -> float:
    maximum = node.get("totalMaxScore", node.get("maxScore"))
    return maximum if _number(maximum) and 0 < maximum <= 100 else 100


def _in_range(score: Any, maximum: float) -> bool:
    return _number(score) and 0 <= score <= maximum


def province_score(node: Any) -> float | None:
    """The province's published group score for its total; None for no data or a score :func:`unit_value` refuses."""
    if not isinstance(node, dict) or node.get("dataQualityStatus") == NO_DATA_FLAG:
        return None
    score = published_score(node)
    return float(score) if _in_range(score, _maximum(node)) else None


def total_value(period: PeriodRef, scores: Mapping[str, Any], province: str) -> IndicatorValue:
    """The province's total: the sum of its six published group scores (the decision's total), or no data when any
    group has none for the period."""
    value = IndicatorValue(indicator=TOTAL_INDICATOR, unit_code=province, agency_code="", period=period)
    parts = [scores.get(group.endpoint) for group in GROUPS]
    if all(_number(part) for part in parts):
        value.value = round(sum(parts), 2)
    else:
        value.no_data = True
    return value


def parse_record(
    raw: dict[str, Any],
    matcher: NameMatcher,
    indicators: Mapping[str, Indicator],
    unit_codes: Collection[str],
    province: str,
) -> IndicatorValue | Rejection:
    """One raw record of :func:`raw_records` (or a ``total`` record) as a checked value, or a rejection."""
    node = raw.get("unit")
    key = node.get("departmentId") if isinstance(node, dict) else None
    source_key = key[:100] if isinstance(key, str) else None
    try:
        period = parse_period(raw.get("period"))
        role, endpoint = raw.get("role"), raw.get("group")
        if role == TOTAL:
            scores = raw.get("scores")
            value = total_value(period, scores if isinstance(scores, dict) else {}, province)
        elif endpoint not in BY_ENDPOINT:
            raise InvalidRecordError(f"group {shown(endpoint)} is not one of the portal's six groups")
        elif role == "none":
            value = IndicatorValue(BY_ENDPOINT[endpoint].indicator, province, "", period, no_data=True)
        elif not isinstance(node, dict):
            raise InvalidRecordError(f"{endpoint} ({period.label}): a unit is {shown(node)}, not an object")
        elif role == "province":
            value = unit_value(BY_ENDPOINT[endpoint], period, node, province, "", "the province")
        else:
            name = node.get("departmentName")
            if not isinstance(name, str) or not name.strip() or len(name) > 300:
                raise InvalidRecordError(f"{endpoint} ({period.label}): departmentName {shown(name)} is not a name")
            target = matcher.match(name)
            if target is None:
                return Rejection(raw=raw, reason=unmatched_reason(name), source_key=source_key)
            value = unit_value(BY_ENDPOINT[endpoint], period, node, target[0], target[1], name)
        check_value(value, indicators, unit_codes, province)
    except InvalidRecordError as error:
        return Rejection(raw=raw, reason=str(error), source_key=source_key)
    return value
