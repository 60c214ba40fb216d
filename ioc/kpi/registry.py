"""The KPI registry: every KPI of ``domain/dossier-source.md`` declared once, with its default target and bands.

A KPI is a count (one measure) or a rate (numerator ÷ denominator × 100, from counts, never averaged from rates).
Rates with a zero denominator are "no data" (None), never 0 % or 100 %. Default targets and traffic-light bands come
from ``ioc/reference/kpi_targets.csv``; a province edits its own in the warehouse (``kpi_target``).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

RATE_DECIMALS = 2


@dataclass(frozen=True)
class Kpi:
    """One indicator."""

    key: str
    name_vi: str
    name_en: str
    unit: str  # "dossiers" or "%"
    higher_is_better: bool
    numerator: str
    denominator: str | None = None

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


@dataclass(frozen=True)
class Target:
    """A KPI's target and the bands of its traffic light."""

    target: float
    green_from: float
    amber_from: float


def _count(key: str, vi: str, en: str, higher_is_better: bool = True, measure: str | None = None) -> Kpi:
    return Kpi(key, vi, en, "dossiers", higher_is_better, measure or key)


def _rate(key: str, vi: str, en: str, numerator: str, denominator: str) -> Kpi:
    return Kpi(key, vi, en, "%", True, numerator, denominator)


#: In the order of DESIGN.md's ``ioc kpi --format json`` keys.
KPIS: tuple[Kpi, ...] = (
    _count("received", "Hồ sơ tiếp nhận", "Dossiers received"),
    _count("online_received", "Hồ sơ tiếp nhận trực tuyến", "Dossiers received online"),
    _rate("online_rate", "Tỷ lệ hồ sơ trực tuyến", "Online share", "online_received", "received"),
    _count("resolved", "Hồ sơ đã giải quyết", "Dossiers resolved"),
    _count("resolved_early", "Giải quyết trước hạn", "Resolved early"),
    _count("resolved_on_time", "Giải quyết đúng hạn", "Resolved on time"),
    _count("resolved_late", "Giải quyết quá hạn", "Resolved late", higher_is_better=False),
    _rate("on_time_rate", "Tỷ lệ giải quyết đúng hạn", "On-time rate", "resolved_in_time", "resolved"),
    _count("pending", "Hồ sơ đang giải quyết", "Dossiers pending", higher_is_better=False),
    _count("pending_overdue", "Hồ sơ đang giải quyết quá hạn", "Pending overdue", higher_is_better=False),
    _rate("online_payment_rate", "Tỷ lệ thanh toán trực tuyến", "Online payment rate", "paid_online", "fee_known"),
    _rate("digitisation_rate", "Tỷ lệ số hóa hồ sơ", "Digitisation rate", "digitised", "received"),
)
KPI_BY_KEY = {kpi.key: kpi for kpi in KPIS}


def derived_counts(measures: Mapping[str, int]) -> dict[str, int]:
    """The counts KPIs read: the additive measures plus resolved in time (early + on time)."""
    counts = dict(measures)
    counts["resolved_in_time"] = counts.get("resolved_early", 0) + counts.get("resolved_on_time", 0)
    return counts


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage rounded to two decimals, or None when there is nothing to divide by."""
    if denominator == 0:
        return None
    return round(100.0 * numerator / denominator, RATE_DECIMALS)


def compute(measures: Mapping[str, int]) -> dict[str, int | float | None]:
    """Every KPI from a period's counts (``pending`` and ``pending_overdue`` already taken at the period's end)."""
    counts = derived_counts(measures)
    values: dict[str, int | float | None] = {}
    for kpi in KPIS:
        if kpi.denominator is None:
            values[kpi.key] = int(counts.get(kpi.numerator, 0))
        else:
            values[kpi.key] = rate(counts.get(kpi.numerator, 0), counts.get(kpi.denominator, 0))
    return values


@cache
def default_targets() -> dict[str, Target]:
    """Targets and bands shipped with IOC."""
    text = resources.files("ioc.reference").joinpath("kpi_targets.csv").read_text(encoding="utf-8")
    targets = {}
    for row in csv.DictReader(text.splitlines()):
        if row["kpi"] not in KPI_BY_KEY:
            raise ValueError(f"kpi_targets.csv names an unknown KPI {row['kpi']!r}")
        targets[row["kpi"]] = Target(float(row["target"]), float(row["green_from"]), float(row["amber_from"]))
    return targets


def traffic_light(kpi: Kpi, value: float | None, target: Target) -> str | None:
    """``green``, ``amber`` or ``red`` for a value; None when there is no value.

    For a KPI where higher is better, green from ``green_from`` up and amber from ``amber_from`` up; where lower is
    better, green up to ``green_from`` and amber up to ``amber_from``.
    """
    if value is None:
        return None
    if kpi.higher_is_better:
        return "green" if value >= target.green_from else "amber" if value >= target.amber_from else "red"
    return "green" if value <= target.green_from else "amber" if value <= target.amber_from else "red"
