"""The data-health table's figures as both ``/wall/health`` and the admin overview show them: each source's four
checks as (light, figure, detail) texts, read through :func:`ioc.health.health` and kept in memory per data version
and :data:`SLOT_MINUTES` (ages move on without a load, so the slot lets a stale source turn amber on screen)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from dash import html

from ioc.completeness import Gap
from ioc.config import now_local
from ioc.health import ORDER, SourceHealth, Trouble, delivery_troubles, health
from ioc.indicators.model import Indicator
from ioc.indicators.registry import registered
from ioc.warehouse.aggregates import data_version
from layouts import lookups, warehouse
from layouts.formatting import moment, number, percent
from layouts.i18n import t
from layouts.indicator_figures import name as indicator_name

CHECKS = ("freshness", "completeness", "quarantine", "overlap")
SLOT_MINUTES = 5
#: Gaps named in a cell (all are counted).
NAMED_GAPS = 3
CACHE_SIZE = 16

_cache: OrderedDict[tuple, tuple[list[SourceHealth], dict[str, Indicator]]] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Cell:
    """One check of one source as shown: its light, its figure and a smaller line under it."""

    light: str
    figure: str
    detail: str = ""


def slot(now: datetime) -> str:
    """The :data:`SLOT_MINUTES` slot ``now`` falls in, as text (part of what a screen was drawn from)."""
    return now.replace(minute=now.minute - now.minute % SLOT_MINUTES, second=0, microsecond=0).isoformat()


def current_slot() -> str:
    return slot(now_local())


@dataclass(frozen=True)
class Reading:
    """Every source's health, worst first then by name; the data version and when it changed; the indicators by
    code (to name a missing cell)."""

    sources: list[SourceHealth]
    version: int
    updated_at: datetime | None
    indicators: dict[str, Indicator]


def read(now: datetime | None = None) -> Reading:
    """The sources' health at ``now`` (default: the current time), from memory while the data version and the slot
    hold."""
    now = now or now_local()
    engine = warehouse.engine()
    with engine.connect() as connection:
        version, updated_at = data_version(connection)
        key = (engine.url.render_as_string(hide_password=True), version, slot(now))
        with _cache_lock:
            found = _cache.get(key)
        if found is None:
            sources = sorted(health(connection, now), key=lambda s: (-ORDER.index(s.light), s.collector))
            found = (sources, registered(connection))
            with _cache_lock:
                _cache[key] = found
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
    return Reading(found[0], version, updated_at, found[1])


def _freshness(source: SourceHealth, lang: str) -> Cell:
    fresh = source.freshness
    if not source.enabled:
        return Cell(fresh.light, t(lang, "health.disabled"))
    if fresh.last_success is None:
        return Cell(fresh.light, t(lang, "health.never"))
    detail = t(lang, "health.at", at=moment(fresh.last_success))
    if fresh.light == "none":
        detail = f"{detail} · {t(lang, 'health.manual')}"
    return Cell(fresh.light, t(lang, "health.age", age=number(fresh.age_hours, lang, 1)), detail)


def _gap_name(gap: Gap, names: lookups.Names, indicators: dict[str, Indicator], lang: str) -> str:
    if not gap.unit_code:
        return names.of("agency", lang).get(gap.agency_code, gap.agency_code)
    unit = names.units.get(gap.unit_code, gap.unit_code)
    if gap.indicator_code is None:
        return unit
    indicator = indicators.get(gap.indicator_code)
    return f"{indicator_name(indicator, lang) if indicator else gap.indicator_code}: {unit}"


def _completeness(source: SourceHealth, lang: str, indicators: dict[str, Indicator]) -> Cell:
    found = source.completeness
    if not found.expected:
        return Cell(source.completeness_light, t(lang, "health.nothing_expected"))
    if not found.missing:
        return Cell(source.completeness_light, t(lang, "health.complete", expected=number(found.expected, lang)))
    names = lookups.names()
    named = ", ".join(_gap_name(gap, names, indicators, lang) for gap in found.gaps[:NAMED_GAPS])
    more = found.missing - min(found.missing, NAMED_GAPS)
    figure = t(lang, "health.missing", missing=number(found.missing, lang), expected=number(found.expected, lang))
    return Cell(source.completeness_light, figure, named + (f" +{number(more, lang)}" if more else ""))


def _quarantine(source: SourceHealth, lang: str) -> Cell:
    rate = source.quarantine
    if rate.rate is None:
        return Cell(rate.light, t(lang, "health.no_records"))
    total = rate.loaded + rate.rejected
    detail = t(lang, "health.rejected", rejected=number(rate.rejected, lang), total=number(total, lang), runs=rate.runs)
    return Cell(rate.light, percent(rate.rate, lang), detail)


def _overlap(source: SourceHealth, lang: str) -> Cell:
    found = source.overlap
    if found.share is None:
        return Cell(found.light, t(lang, "health.no_dossiers"))
    if not found.shared:
        return Cell(found.light, t(lang, "health.no_overlap"))
    other, shared = max(found.shared.items(), key=lambda item: (item[1], item[0]))
    figure = t(lang, "health.shared", share=percent(found.share, lang), other=other)
    detail = t(lang, "health.shared_count", shared=number(shared, lang), dossiers=number(found.dossiers, lang))
    return Cell(found.light, figure, detail)


def cells(source: SourceHealth, lang: str, indicators: dict[str, Indicator]) -> dict[str, Cell]:
    """The four checks of ``source`` as shown, by check."""
    return {
        "freshness": _freshness(source, lang),
        "completeness": _completeness(source, lang, indicators),
        "quarantine": _quarantine(source, lang),
        "overlap": _overlap(source, lang),
    }


def light(value: str, lang: str) -> html.Span:
    """A round light with its word (the word for screen readers and for those who do not tell red from green)."""
    return html.Span(
        [html.Span(className="health-dot"), html.Span(t(lang, f"health.light.{value}"), className="health-word")],
        className=f"health-light light-{value}",
    )


def summary(sources: list[SourceHealth], lang: str) -> str:
    """How many sources are at each light."""
    count = {light: number(sum(s.light == light for s in sources), lang) for light in ("red", "amber", "green")}
    return t(lang, "health.summary", **count)


def deliveries(now: datetime | None = None) -> list[Trouble]:
    """The alert deliveries failed or being retried in the last day (a small query: read each time)."""
    with warehouse.engine().connect() as connection:
        return delivery_troubles(connection, now or now_local())


def delivery_cells(trouble: Trouble, lang: str) -> tuple[str, str, str]:
    """A delivery in trouble as shown: the rule and channel, the counts, and when it started."""
    channel = t(lang, f"health.delivery.channel.{trouble.channel}")
    counts = t(
        lang, "health.delivery.counts", failed=number(trouble.failed, lang), retrying=number(trouble.retrying, lang)
    )
    return f"{trouble.rule} · {channel}", counts, t(lang, "health.at", at=moment(trouble.since))
