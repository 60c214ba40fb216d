"""The national portal's Decision 766 evaluation endpoints for the simulated province (``POST
/api/v1/reporting/evaluation/<group>``), in the real answers' shapes (``shared/data/portal766/README.md``).

Tree groups answer ``data.parent`` and ``data.children``; metrics groups ``data.overview`` and ``data.evaluation``
with ``metrics`` and ``pagination``. Children are the province's agencies and communes named as the portal names them
("UBND xã …", "… - Tỉnh …", capitals as they come), and two units IOC's lists do not have, so the admin page has
names to map. Scores are deterministic in the seed, the group, the period and the unit; a period that has not begun
answers ``data`` null, as the portal does for a period without figures.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date
from typing import Any

from ioc.indicators.model import PeriodRef, period_of
from ioc.units import communes, province_unit, provincial_agencies

PREFIX = "/api/v1/reporting/evaluation/"
#: Group → (maximum points, shape).
GROUPS = {
    "dvc-progress-tree": (20, "tree"),
    "provide-online-tree": (12, "tree"),
    "formality-online-payment-tree": (10, "tree"),
    "dossier-digitized": (22, "metrics"),
    "transparency": (18, "metrics"),
    "handling-satisfaction": (18, "metrics"),
}
#: Units the portal lists that no IOC agency list has: the demo's unmatched names.
EXTRA_UNITS = ("Văn phòng Đoàn ĐBQH và HĐND", "Ban Quản lý dự án đầu tư xây dựng")


def _period(body: dict[str, Any]) -> PeriodRef:
    """The period a request asks for; ValueError when it asks for none."""
    if "fromDate" in body:
        start, end = date.fromisoformat(str(body["fromDate"])), date.fromisoformat(str(body.get("toDate")))
        for kind in ("month", "quarter", "year"):
            period = period_of(kind, start)
            if period.start == start and period.end == end:
                return period
        raise ValueError("fromDate..toDate is not a whole month, quarter or year")
    year, kind = int(body["year"]), body.get("timeType")
    if kind == "month":
        return period_of("month", date(year, int(body["month"]), 1))
    if kind == "quarter":
        return period_of("quarter", date(year, 3 * int(body["quarter"]) - 2, 1))
    if kind == "year":
        return period_of("year", date(year, 1, 1))
    raise ValueError("timeType must be month, quarter or year")


def _units(province: str) -> list[tuple[str, str, str]]:
    """(department id, portal name, level) of each child, as the portal writes the names."""
    suffix = f" - {province_unit(province).name}"
    suffix = suffix if suffix.startswith((" - Tỉnh", " - Thành phố")) else f" - Tỉnh {province_unit(province).name}"
    units = [(agency.code, f"{agency.name}{suffix}", "PROVINCE") for agency in provincial_agencies(province)]
    units += [(f"EXTRA-{i}", f"{name}{suffix}", "PROVINCE") for i, name in enumerate(EXTRA_UNITS)]
    for i, commune in enumerate(communes(province)):
        kind, rest = commune.name.split(" ", 1)
        name = f"UBND {kind.lower() if i % 2 else kind} {rest}{suffix if i % 3 == 0 else ''}"
        units.append((commune.code, name, "COMMUNE"))
    return units


def _score(seed: int, group: str, period: PeriodRef, code: str, maximum: int) -> float:
    digest = hashlib.sha256(f"{seed}|{group}|{period.label}|{code}".encode()).digest()
    share = random.Random(digest).uniform(0.35, 0.95)
    return round(maximum * share, 2)


def evaluation(seed: int, province: str, group: str, body: dict[str, Any], today: date) -> dict[str, Any]:
    """The envelope the portal answers for ``group`` and the request ``body``."""
    if not isinstance(body, dict) or not body.get("rootDepartmentId"):
        return {"code": "INVALID_REQUEST", "data": None, "message": "rootDepartmentId là bắt buộc"}
    try:
        period = _period(body)
    except (KeyError, TypeError, ValueError) as error:
        return {"code": "INVALID_REQUEST", "data": None, "message": str(error)}
    if period.start > today:
        return {"code": "OK", "data": None, "message": "OK"}
    maximum, shape = GROUPS[group]
    children = []
    for code, name, level in _units(province):
        score = _score(seed, group, period, code, maximum)
        node: dict[str, Any] = {"departmentId": f"sim-{code}", "departmentName": name, "level": level}
        if shape == "tree":
            node.update({"score" if group == "dvc-progress-tree" else "totalScore": score, "maxScore": maximum})
        else:
            node.update({"totalScore": score, "totalMaxScore": maximum, "metrics": _metrics(group, score, maximum)})
        children.append(node)
    overall = round(sum(_score(seed, group, period, c, maximum) for c, _, _ in _units(province)) / len(children), 2)
    parent = {"departmentId": f"sim-{province}", "departmentName": f"UBND {province_unit(province).name}",
              "totalScore": overall, "totalMaxScore": maximum}  # fmt: skip
    if shape == "tree":
        return {"code": "OK", "data": {"parent": parent, "children": children}, "message": "OK"}
    parent["metrics"] = _metrics(group, overall, maximum)
    pagination = {"total": len(children), "currentPage": 1, "pageSize": len(children), "totalPages": 1}
    data = {"overview": parent, "evaluation": children, "pagination": pagination, "source": "simulator"}
    return {"code": "OK", "data": data, "message": "OK"}


def _metrics(group: str, score: float, maximum: int) -> list[dict[str, Any]]:
    metric = {"code": group.upper().replace("-", "_"), "name": group, "numerator": None, "denominator": None,
              "ratio": round(100 * score / maximum, 2), "score": score, "maxScore": maximum}  # fmt: skip
    if group == "transparency":
        metric.update({"code": "DOSSIER_SYNC", "dataQualityStatus": "TEMP_NATIONAL_REPORT_DENOMINATOR",
                       "dataQualityMessage": "Mẫu số BCQG/GRIS đang dùng số tạm."})  # fmt: skip
    return [metric]


def answer(seed: int, province: str, path: str, body: bytes, today: date) -> tuple[int, bytes]:
    """(status, JSON body) for a POST to ``path`` (under :data:`PREFIX`)."""
    group = path.removeprefix(PREFIX)
    if group not in GROUPS:
        return 404, json.dumps({"code": "NOT_FOUND", "data": None, "message": f"no group {group}"}).encode()
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        request = None
    payload = evaluation(seed, province, group, request, today)
    return (201 if payload["code"] == "OK" else 400), json.dumps(payload, ensure_ascii=False).encode("utf-8")
