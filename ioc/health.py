"""The health of each source's data (MST letter 1709/BKHCN-CĐSQG: "đúng, đủ, sạch, sống"): four checks per collector,
each with a light, and an overall light, the worst of them. Codes and figures only; the UI words them.

- **Freshness** ("sống"): the last successful run and its age against the schedule. Green until the first
  scheduled run after that success has had :data:`GRACE` to finish, amber until the second has, red beyond and when
  the collector never succeeded. A collector run by hand only, or disabled, has no schedule to judge it by: no light.
- **Completeness** ("đủ"): units, agencies and indicator cells the source usually delivers and left empty in its
  current period (:mod:`ioc.completeness` says what is expected). Green with none missing, amber below
  :data:`MISSING_RED_SHARE` % of those expected, red from it; no light when nothing is expected yet.
- **Quarantine** ("sạch"): records rejected ÷ (loaded + rejected) over the collector's last :data:`RECENT_RUNS`
  ended runs, in %. Green below :data:`QUARANTINE_AMBER`, amber below :data:`QUARANTINE_RED`, red from it; no light
  without records.
- **Overlap** ("đúng"): the dossiers it shares with another collector (the loader's ``collector_overlap`` counts,
  as ``ioc warehouse check`` and the admin pages read them). They are counted once, but two collectors on one source
  deserve a look: green when it shares none, amber when it shares some, red from :data:`OVERLAP_RED_SHARE` % of its
  dossiers with one other collector; no light for a collector without dossiers.

Beside the sources, the alert deliveries in trouble: e-mails and webhooks of alert rules that failed or are being
retried in the last day, by rule and channel with the latest error (:func:`delivery_troubles`, from
:mod:`ioc.notify.outbox`).

Every query is bounded by the window it judges (runs by the index on collector and start, dossiers by the index on
``received_at``, indicator values by their horizon), so the cost does not grow with the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, func, select

from ioc.alerts import cron_firing
from ioc.collecting.status import shared_dossiers
from ioc.collecting.store import CollectorConfig, list_collectors
from ioc.completeness import Completeness, completeness
from ioc.notify.outbox import Trouble, troubles
from ioc.warehouse import schema

Light = Literal["green", "amber", "red", "none"]
#: Worst last; "none" (no light) never makes the overall light worse.
ORDER: tuple[Light, ...] = ("none", "green", "amber", "red")
RUN = schema.CollectorRun.__table__
COLLECTOR = schema.Collector.__table__
#: Time a scheduled run has to finish before it counts as missed.
GRACE = timedelta(minutes=10)
MISSING_RED_SHARE = 10.0
RECENT_RUNS = 20
QUARANTINE_AMBER = 1.0
QUARANTINE_RED = 5.0
OVERLAP_RED_SHARE = 50.0


@dataclass(frozen=True)
class Freshness:
    """The last successful run's end, its age in hours (one decimal) and the light."""

    last_success: datetime | None
    age_hours: float | None
    light: Light


@dataclass(frozen=True)
class QuarantineRate:
    """Accepted (inserted, updated or unchanged) and rejected records over the recent runs, the rejected share in %
    (two decimals) and the light."""

    runs: int
    loaded: int
    rejected: int
    rate: float | None
    light: Light


@dataclass(frozen=True)
class Overlap:
    """The dossiers the collector loaded, how many it shares with each other collector (by name), the largest
    share in % (two decimals) and the light."""

    dossiers: int
    shared: dict[str, int]
    share: float | None
    light: Light


@dataclass(frozen=True)
class SourceHealth:
    """One collector's four checks and its overall light."""

    collector: str
    kind: str
    enabled: bool
    freshness: Freshness
    completeness: Completeness
    completeness_light: Light
    quarantine: QuarantineRate
    overlap: Overlap

    @property
    def light(self) -> Light:
        return worst(self.freshness.light, self.completeness_light, self.quarantine.light, self.overlap.light)


def delivery_troubles(connection: Connection, now: datetime) -> list[Trouble]:
    """The alert deliveries failed or being retried in the last day at ``now``, by rule and channel."""
    return troubles(connection, now)


def worst(*lights: Light) -> Light:
    return max(lights, key=ORDER.index, default="none")


def health(connection: Connection, now: datetime) -> list[SourceHealth]:
    """Every collector's health at ``now`` (a naive local time), by name."""
    shared = shared_dossiers(connection)
    loaded = dict(connection.execute(select(COLLECTOR.c.id, COLLECTOR.c.dossiers)).all())
    found = []
    for config in list_collectors(connection):
        gaps = completeness(connection, config.id, now)
        found.append(
            SourceHealth(
                config.name,
                config.kind,
                config.enabled,
                freshness(connection, config, now),
                gaps,
                completeness_light(gaps),
                quarantine_rate(connection, config.id),
                overlap(int(loaded.get(config.id) or 0), shared.get(config.id, {})),
            )
        )
    return found


def last_success(connection: Connection, collector_id: int) -> datetime | None:
    """When the collector's latest successful run ended (runs of a collector never overlap)."""
    query = (
        select(RUN.c.finished_at)
        .where(RUN.c.collector_id == collector_id, RUN.c.status == "succeeded")
        .order_by(RUN.c.started_at.desc(), RUN.c.id.desc())
        .limit(1)
    )
    return connection.execute(query).scalar()


def _scheduled(config: CollectorConfig, since: datetime, count: int) -> datetime | None:
    """The ``count``-th scheduled run after ``since``, None for a collector run by hand only."""
    if config.interval_seconds:
        return since + count * timedelta(seconds=config.interval_seconds)
    if config.cron:
        return cron_firing(config.cron, since, count)
    return None


def freshness(connection: Connection, config: CollectorConfig, now: datetime) -> Freshness:
    success = last_success(connection, config.id)
    age = None if success is None else round((now - success).total_seconds() / 3600, 1)
    if not config.enabled or not (config.interval_seconds or config.cron):
        return Freshness(success, age, "red" if config.enabled and success is None else "none")
    if success is None:
        return Freshness(None, None, "red")
    first, second = (_scheduled(config, success, n) for n in (1, 2))
    assert first is not None and second is not None
    light: Light = "green" if now <= first + GRACE else "amber" if now <= second + GRACE else "red"
    return Freshness(success, age, light)


def completeness_light(found: Completeness) -> Light:
    if not found.expected:
        return "none"
    if not found.missing:
        return "green"
    return "red" if 100 * found.missing >= MISSING_RED_SHARE * found.expected else "amber"


def quarantine_rate(connection: Connection, collector_id: int) -> QuarantineRate:
    """The rejected share of the records the recent runs read: accepted ones are inserted, updated or unchanged (a
    backfill over loaded days reads mostly unchanged records; leaving them out would make its few rejects look like
    all it read)."""
    recent = (
        select(RUN.c.inserted, RUN.c.updated, RUN.c.unchanged, RUN.c.rejected)
        .where(RUN.c.collector_id == collector_id, RUN.c.status != "running")
        .order_by(RUN.c.started_at.desc(), RUN.c.id.desc())
        .limit(RECENT_RUNS)
        .subquery()
    )
    runs, loaded, rejected = connection.execute(
        select(
            func.count(),
            func.coalesce(func.sum(recent.c.inserted + recent.c.updated + recent.c.unchanged), 0),
            func.coalesce(func.sum(recent.c.rejected), 0),
        )
    ).one()
    loaded, rejected = int(loaded), int(rejected)
    if not loaded + rejected:
        return QuarantineRate(int(runs), loaded, rejected, None, "none")
    rate = round(100 * rejected / (loaded + rejected), 2)
    light: Light = "green" if rate < QUARANTINE_AMBER else "amber" if rate < QUARANTINE_RED else "red"
    return QuarantineRate(int(runs), loaded, rejected, rate, light)


def overlap(dossiers: int, shared: dict[str, int]) -> Overlap:
    if not dossiers:
        return Overlap(0, shared, None, "none")
    share = round(100 * max(shared.values(), default=0) / dossiers, 2)
    light: Light = "green" if not shared else "red" if share >= OVERLAP_RED_SHARE else "amber"
    return Overlap(dossiers, shared, share, light)
