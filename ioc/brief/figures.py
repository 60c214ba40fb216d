"""The figures of the daily brief (bản tin điều hành) for a day D, gathered from the core's own functions: nothing
here counts anything itself, so the brief says what the wall and ``ioc kpi`` say.

- **Yesterday** (D−1) against the same weekday a week earlier (as ``display_period``'s ``weekday`` comparison
  lines days up: a Monday is never compared with a Sunday).
- **The month to date**: the month holding D−1 up to D−1 (on the 1st, the whole of the last month), against the
  working-day-aligned days of the month before (``shown("month", "working_days", D−1)``).
- **The Decision 766 index** over the month to date, and its change against the same comparison.
- **The five largest risks**: the pending dossiers due in the next 7 days most likely to miss their due time
  (:func:`ioc.risk.at_risk` at the start of D).
- **The alerts** (:func:`ioc.alerts.alerts`) and **data health** (:func:`ioc.health.health`) at 07:00 of D (or
  now, when the brief is made earlier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection

from ioc.alerts import Alert, alerts
from ioc.health import health
from ioc.kpi.display_period import shown
from ioc.kpi.overview import summary
from ioc.kpi.periods import Period
from ioc.kpi.service_index import index_rows
from ioc.risk import LIKELY, RiskRow, at_risk
from ioc.warehouse.aggregates import data_version
from ioc.warehouse.reference import reference_rows

#: The KPIs each block shows, in order.
MEASURES = ("received", "resolved", "on_time_rate", "online_rate", "pending_overdue")
#: The brief's moment on its day: the scheduler sends it at 07:00 local time.
SEND_TIME = time(7, 0)
RISKS = 5
RISK_HORIZON_DAYS = 7


@dataclass(frozen=True)
class Block:
    """One period's figures (:data:`MEASURES`) beside its aligned comparison: ``change`` per measure (counts in
    dossiers, rates in percentage points; None where either side has no value or nothing lines up)."""

    period: Period
    compared: Period | None
    values: dict[str, int | float | None]
    change: dict[str, int | float | None]


@dataclass(frozen=True)
class IndexFigure:
    """The index over the month to date: points earned, points IOC could compute, and the change in points."""

    points: float
    computable: float
    previous: float | None
    change: float | None


@dataclass(frozen=True)
class DataHealth:
    """The collectors, those in red and in amber (:mod:`ioc.health`'s overall light), the latest successful run and
    when the warehouse's figures last changed."""

    collectors: int
    red: tuple[str, ...]
    amber: tuple[str, ...]
    last_success: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class Brief:
    """Everything the brief of ``day`` shows, as data; :mod:`ioc.brief.html` and :mod:`ioc.brief.pdf` render it."""

    day: date
    moment: datetime
    province: str
    yesterday: Block
    month: Block
    index: IndexFigure
    risks: tuple[RiskRow, ...]
    likely: int
    refused: int
    alerts: tuple[Alert, ...]
    health: DataHealth
    agencies: dict[str, str]
    units: dict[str, str]


def brief_moment(day: date, now: datetime) -> datetime:
    """07:00 of ``day``, or ``now`` when that is earlier (a brief made before the scheduler's hour)."""
    return min(datetime.combine(day, SEND_TIME), now)


def block(connection: Connection, current: Period, compared: Period | None) -> Block:
    row = summary(connection, current, compared)
    return Block(
        current,
        compared if row["previous"] is not None else None,
        {key: row[key] for key in MEASURES},
        {key: row["change"][key] for key in MEASURES},
    )


def index_figure(connection: Connection, current: Period, compared: Period | None) -> IndexFigure:
    [now] = index_rows(connection, current)
    previous = index_rows(connection, compared)[0]["points"] if compared is not None else None
    change = None if previous is None else round(now["points"] - previous, 2)
    return IndexFigure(now["points"], now["computable_points"], previous, change)


def data_health(connection: Connection, moment: datetime) -> DataHealth:
    sources = [source for source in health(connection, moment) if source.enabled]
    successes = [s.freshness.last_success for s in sources if s.freshness.last_success is not None]
    return DataHealth(
        len(sources),
        tuple(s.collector for s in sources if s.light == "red"),
        tuple(s.collector for s in sources if s.light == "amber"),
        max(successes, default=None),
        data_version(connection)[1],
    )


def gather(connection: Connection, day: date, now: datetime) -> Brief:
    """The brief of ``day`` (``now`` a naive local time)."""
    moment = brief_moment(day, now)
    yesterday = day - timedelta(days=1)
    one_day = Period.containing(yesterday, "day")
    month = shown("month", "working_days", yesterday)
    report = at_risk(connection, datetime.combine(day, time.min), horizon_days=RISK_HORIZON_DAYS)
    names = reference_rows(connection)
    province = next((row.name for row in names.units if row.level == "province"), "")
    return Brief(
        day=day,
        moment=moment,
        province=province,
        yesterday=block(connection, one_day, Period.containing(yesterday - timedelta(weeks=1), "day")),
        month=block(connection, month.current, month.comparison.period),
        index=index_figure(connection, month.current, month.comparison.period),
        risks=tuple(sorted(report.rows, key=lambda row: (-row.probability, row.due))[:RISKS]),
        likely=sum(1 for row in report.rows if row.probability >= LIKELY),
        refused=report.refused,
        alerts=tuple(alerts(connection, day, moment)),
        health=data_health(connection, moment),
        agencies={row.code: row.name for row in names.agencies},
        units={row.code: row.name for row in names.units},
    )
