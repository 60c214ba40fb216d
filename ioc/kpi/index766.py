"""The national service index of Decision 766/QĐ-TTg (100 points), as far as IOC's data allow.

Formulas follow ``domain/index-766.md`` (the portal's scoring as reverse-fitted to its published figures). Each
component is a named rule; a component whose data IOC does not collect scores None ("chưa có dữ liệu"), never 0 and
never a guess, so a leader sees both the points earned and the points IOC could compute. Rating bands come from
``ioc/reference/index766_bands.csv`` (no official bands were found; the defaults follow press usage).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources


def linear(points: float) -> Callable[[float], float]:
    """``points × ratio``."""
    return lambda ratio: points * ratio


def capped(points: float, full_at: float) -> Callable[[float], float]:
    """``min(points, points × ratio ÷ full_at)``: full marks from ratio ``full_at`` up."""
    return lambda ratio: min(points, points * ratio / full_at)


def slope_capped(points: float, slope: float) -> Callable[[float], float]:
    """``min(points, slope × ratio)`` (online payment B and C: 2.5 × ratio, at most 2; uncertain for C)."""
    return lambda ratio: min(points, slope * ratio)


@dataclass(frozen=True)
class Component:
    key: str
    group: str
    name_vi: str
    points: float
    score: Callable[[float], float]
    when_nothing_to_count: float | None = None  # the score when the denominator is 0 (None: not computable)


GROUPS = {
    "transparency": ("Công khai, minh bạch", 18),
    "progress": ("Tiến độ giải quyết", 20),
    "online_services": ("Dịch vụ công trực tuyến", 12),
    "online_payment": ("Thanh toán trực tuyến", 10),
    "digitisation": ("Số hóa hồ sơ", 22),
    "satisfaction": ("Mức độ hài lòng", 18),
}

COMPONENTS: tuple[Component, ...] = (
    Component("announced_on_time", "transparency", "TTHC công bố đúng hạn", 6, linear(6)),
    Component("published_on_time", "transparency", "TTHC công khai đúng hạn trên CSDL quốc gia", 4, linear(4)),
    Component("complete_content", "transparency", "TTHC công khai đầy đủ nội dung", 2, linear(2)),
    Component("synchronised", "transparency", "Hồ sơ đồng bộ lên Cổng DVC quốc gia", 6, linear(6)),
    Component("handled_on_time", "progress", "Hồ sơ xử lý đúng hạn", 20, linear(20)),
    Component("procedures_online", "online_services", "TTHC cung cấp trực tuyến", 2, capped(2, 0.8)),
    Component("online_services_used", "online_services", "DVC trực tuyến phát sinh hồ sơ", 4, linear(4)),
    Component("online_dossiers", "online_services", "Hồ sơ trực tuyến", 6, capped(6, 0.5)),
    Component("paid_online", "online_payment", "Hồ sơ thanh toán trực tuyến", 6, linear(6)),
    Component(
        "procedures_with_online_payment", "online_payment", "TTHC có thanh toán trực tuyến", 2, slope_capped(2, 2.5)
    ),
    Component("fee_procedures_used", "online_payment", "TTHC có phí phát sinh hồ sơ", 2, slope_capped(2, 2.5)),
    Component("results_electronic", "digitisation", "Kết quả điện tử", 6, linear(6)),
    Component("dossiers_digitised", "digitisation", "Hồ sơ được số hóa", 4, linear(4)),
    Component("certified_copies", "digitisation", "Chứng thực bản sao điện tử", 2, linear(2)),
    Component("data_reused", "digitisation", "Tái sử dụng dữ liệu số hóa", 2, capped(2, 0.8)),
    Component("citizen_store", "digitisation", "Hồ sơ kết nối kho dữ liệu cá nhân", 4, linear(4)),
    Component("population_data_used", "digitisation", "Hồ sơ sử dụng CSDL dân cư", 2, linear(2)),
    Component("population_connected", "digitisation", "TTHC kết nối CSDL dân cư", 2, linear(2)),
    Component("feedback_on_time", "satisfaction", "Phản ánh kiến nghị xử lý đúng hạn", 6, linear(6), 6),
    Component("feedback_satisfied", "satisfaction", "Phản ánh kiến nghị được hài lòng", 6, linear(6), 6),
    Component("dossiers_without_complaint", "satisfaction", "Hồ sơ không quá hạn, khiếu nại", 6, capped(6, 0.9), 0),
)
COMPONENT_BY_KEY = {component.key: component for component in COMPONENTS}


@dataclass(frozen=True)
class ComponentScore:
    key: str
    group: str
    points_max: float
    points: float | None  # None: IOC lacks the data


@dataclass(frozen=True)
class IndexScore:
    components: tuple[ComponentScore, ...]

    def group_points(self, group: str) -> float | None:
        scores = [c.points for c in self.components if c.group == group and c.points is not None]
        return round(sum(scores), 2) if scores else None

    @property
    def total(self) -> float:
        """Points earned over the components IOC could compute."""
        return round(sum(c.points for c in self.components if c.points is not None), 2)

    @property
    def computable(self) -> float:
        """How many of the 100 points IOC could compute."""
        return sum(c.points_max for c in self.components if c.points is not None)


def score_component(key: str, numerator: int, denominator: int) -> float:
    """One component's points from its counts."""
    component = COMPONENT_BY_KEY[key]
    if denominator == 0:
        if component.when_nothing_to_count is None:
            raise ValueError(f"{key}: nothing to count, and no rule says what that scores")
        return component.when_nothing_to_count
    return component.score(numerator / denominator)


def score(counts: Mapping[str, tuple[int, int]], points: Mapping[str, float] | None = None) -> IndexScore:
    """The index from (numerator, denominator) per component; components given as ``points`` are taken as they are
    (e.g. a group's published points); the rest score None."""
    points = points or {}
    scores = []
    for component in COMPONENTS:
        value: float | None = None
        if component.key in counts:
            numerator, denominator = counts[component.key]
            if denominator or component.when_nothing_to_count is not None:
                value = score_component(component.key, numerator, denominator)
        elif component.key in points:
            value = points[component.key]
        scores.append(ComponentScore(component.key, component.group, component.points, value))
    return IndexScore(tuple(scores))


@cache
def bands() -> tuple[tuple[float, str, str], ...]:
    text = resources.files("ioc.reference").joinpath("index766_bands.csv").read_text(encoding="utf-8")
    rows = [(float(r["min_points"]), r["label_vi"], r["label_en"]) for r in csv.DictReader(text.splitlines())]
    return tuple(sorted(rows, reverse=True))


def rating(total: float) -> tuple[str, str]:
    """The (Vietnamese, English) rating of a total."""
    for minimum, label_vi, label_en in bands():
        if total >= minimum:
            return label_vi, label_en
    return bands()[-1][1], bands()[-1][2]


def components_from_counts(counts: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of the components IOC's dossier counts give, from a period's counts (with pending
    and pending_overdue at its end).

    Progress: the dossiers handled in the period are those resolved or stopped in it and those still open at its end;
    a finished one is on time when it ended by its due time, an open one while the period's end has not passed it.
    """
    open_in_time = counts["pending"] - counts["pending_overdue"]
    in_time = counts["resolved_early"] + counts["resolved_on_time"] + counts["stopped_in_time"] + open_in_time
    handled = counts["resolved"] + counts["stopped"] + counts["pending"]
    return {
        "handled_on_time": (in_time, handled),
        "online_dossiers": (counts["online_received"], counts["received"]),
        "paid_online": (counts["paid_online"], counts["fee_known"]),
        "dossiers_digitised": (counts["digitised"], counts["received"]),
    }
