"""What the wall's alert strip shows: codes and figures only, the UI words them (Vietnamese or English).

KPI alerts read the aggregates through ``ioc.kpi.query`` (never ``dossier``); collector alerts read ``collector`` and
``collector_run``. Comparisons of flows use whole days ending with yesterday, so a day still under way never looks
like a drop. The thresholds are the constants below.

Kinds:

- ``overdue_backlog`` (province): dossiers pending overdue at the end of today; red from :data:`OVERDUE_RED_SHARE` %
  of those pending, amber above zero. ``previous``: the same at the end of yesterday.
- ``on_time_drop`` (province, agency): the on-time rate of the last :data:`ON_TIME_WINDOW_DAYS` days against the as
  many days before, both with at least :data:`MIN_RESOLVED` resolved; amber from a fall of
  :data:`ON_TIME_DROP_AMBER` percentage points, red from :data:`ON_TIME_DROP_RED`. ``value``/``previous``: the rates.
- ``received_drop`` (province, amber): received in the last :data:`RECEIVED_WINDOW_DAYS` days fell by
  :data:`RECEIVED_DROP_SHARE` % or more against the as many days before (at least :data:`MIN_RECEIVED` then) —
  often a collector gap rather than fewer applicants. ``value``/``previous``: the counts.
- ``collector_failing`` (collector, red): an enabled collector's latest ended run failed.
- ``collector_stale`` (collector, amber): an enabled collector's last successful run finished too long ago — after
  its :data:`STALE_RUNS`-th scheduled run since (an interval: that many intervals; a cron: its third firing time),
  and at least :data:`STALE_MIN` ago. Without a success, the same counts from the collector's creation. A collector
  run by hand only is stale only when it never succeeded within :data:`STALE_MIN` of its creation. A failing
  collector is not also reported stale.

For both collector kinds ``value`` is the hours since the last successful run (one decimal), None when none.

- ``anomaly`` (province, unit, agency; amber): a day's received, resolved or on-time rate far from that series' own
  trend and weekly rhythm (:mod:`ioc.anomalies`): the :data:`MAX_ANOMALY_ALERTS` strongest of the last working day.
  Amber only: a statistical flag (about two in five were right on the benchmark) does not interrupt a wall's
  playlist the way a red alert does. ``value``/``previous``: the day's figure and the expected one; ``measure``,
  ``direction`` and ``day`` say which.

The strip (:func:`alerts`) shows ``overdue_backlog``, ``anomaly`` and the collector kinds; ``on_time_drop`` and
``received_drop`` were replaced by ``anomaly`` after the benchmark (README, Anomalies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Connection, Row, func, select

from ioc.anomalies import anomalies
from ioc.config import TIMEZONE
from ioc.kpi.periods import Period
from ioc.kpi.query import cached_kpi_rows, change_rows
from ioc.warehouse import schema
from ioc.work_calendar import nth_working_day_back

#: overdue_backlog is red from this share of pending dossiers (percent), amber above zero.
OVERDUE_RED_SHARE = 5.0
#: on_time_drop: window length in days, least resolved dossiers in each window, falls in percentage points.
ON_TIME_WINDOW_DAYS = 30
MIN_RESOLVED = 30
ON_TIME_DROP_AMBER = 10.0
ON_TIME_DROP_RED = 20.0
#: received_drop: window length in days, the fall (percent) that raises it, least received in the earlier window.
RECEIVED_WINDOW_DAYS = 7
RECEIVED_DROP_SHARE = 50.0
MIN_RECEIVED = 20
#: anomaly: how many the strip shows (the strongest), how far back the last working day is looked for (Tết's days off
#: are the longest run without one).
MAX_ANOMALY_ALERTS = 5
LOOK_BACK_DAYS = 14
#: collector_stale: scheduled runs that may pass without a success, and the least silence that counts.
STALE_RUNS = 3
STALE_MIN = timedelta(hours=1)

SEVERITIES = ("red", "amber")
COLLECTOR = schema.Collector.__table__
RUN = schema.CollectorRun.__table__
UNIT = schema.Unit.__table__


@dataclass(frozen=True)
class Alert:
    """One alert: what (``kind``), how bad, about whom, and the figure with its comparison."""

    kind: str
    severity: Literal["red", "amber"]
    subject_kind: Literal["province", "agency", "unit", "collector"]
    subject_code: str
    value: float | int | None = None
    previous: float | int | None = None
    #: ``anomaly`` only: which measure, above or below what was expected, and on which day.
    measure: str | None = None
    direction: str | None = None
    day: date | None = None


def alerts(connection: Connection, today: date, now: datetime) -> list[Alert]:
    """Every alert the strip shows today (``now`` a naive local time), red first: the overdue backlog, the anomalies
    and the collectors' alerts. ``on_time_drop`` and ``received_drop`` are not among them: on the anomaly benchmark
    the anomaly rules found more of the injected anomalies with fewer false alarms (README, Anomalies); they stay
    callable (:func:`on_time_drops`, :func:`received_drop`) for alert rules and the benchmark."""
    province = _province_code(connection)
    found = [
        *overdue_backlog(connection, today, province),
        *anomaly_alerts(connection, today),
        *collector_alerts(connection, now),
    ]
    return sorted(found, key=lambda alert: SEVERITIES.index(alert.severity))


def _province_code(connection: Connection) -> str:
    code = connection.execute(select(UNIT.c.code).where(UNIT.c.level == "province")).scalar()
    return code or ""


def _day(day: date) -> Period:
    return Period.containing(day, "day")


def overdue_backlog(connection: Connection, today: date, province: str) -> list[Alert]:
    """The province's pending overdue at the end of today, against those pending."""
    (row,) = cached_kpi_rows(connection, _day(today))
    overdue, pending = row["pending_overdue"], row["pending"]
    if overdue <= 0:
        return []
    (before,) = cached_kpi_rows(connection, _day(today - timedelta(days=1)))
    severity = "red" if 100 * overdue >= OVERDUE_RED_SHARE * pending else "amber"
    return [Alert("overdue_backlog", severity, "province", province, overdue, before["pending_overdue"])]


def _window(today: date, days: int) -> Period:
    """The ``days`` whole days before today; its :meth:`Period.previous` is the as many days before them."""
    return Period(today - timedelta(days=days), today)


def on_time_drops(connection: Connection, today: date, province: str) -> list[Alert]:
    """Falls of the on-time rate, for the province and each agency with enough resolved dossiers."""
    period = _window(today, ON_TIME_WINDOW_DAYS)
    found = []
    for by, subject_kind in ((None, "province"), ("agency", "agency")):
        for row in change_rows(connection, period, by, covered=False):  # MIN_RESOLVED stands for the coverage
            code = row[by] if by else province
            before = row["previous"]
            if code is None or before is None or min(row["resolved"], before["resolved"]) < MIN_RESOLVED:
                continue
            fall = -row["change"]["on_time_rate"]
            if fall >= ON_TIME_DROP_AMBER:
                severity = "red" if fall >= ON_TIME_DROP_RED else "amber"
                found.append(
                    Alert("on_time_drop", severity, subject_kind, code, row["on_time_rate"], before["on_time_rate"])
                )
    return found


def received_drop(connection: Connection, today: date, province: str) -> list[Alert]:
    """A fall of the province's received dossiers, week against week."""
    (row,) = change_rows(connection, _window(today, RECEIVED_WINDOW_DAYS), covered=False)  # MIN_RECEIVED stands for it
    current, previous = row["received"], row["previous"]["received"]
    if previous < MIN_RECEIVED or 100 * current > (100 - RECEIVED_DROP_SHARE) * previous:
        return []
    return [Alert("received_drop", "amber", "province", province, current, previous)]


def anomaly_alerts(connection: Connection, today: date) -> list[Alert]:
    """The :data:`MAX_ANOMALY_ALERTS` strongest anomalies (:mod:`ioc.anomalies`) of the last working day before today
    (on a Monday: Friday's), amber. A commune's anomaly is shown once: its unit and its people's committee (the one
    agency of a commune) hold the same dossiers and flag together; the agency's is kept."""
    last = nth_working_day_back(today - timedelta(days=1), 1, today - timedelta(days=LOOK_BACK_DAYS))
    if last is None:
        return []
    found = anomalies(connection, today, days=(today - last).days)
    by_agency = {(a.day, a.measure, a.value, a.expected) for a in found if a.scope == "agency"}
    found = [a for a in found if a.scope != "unit" or (a.day, a.measure, a.value, a.expected) not in by_agency]
    return [
        Alert(
            "anomaly",
            "amber",
            a.scope,  # type: ignore[arg-type]
            a.code,
            a.value if a.measure == "on_time_rate" else round(a.value),
            a.expected if a.measure == "on_time_rate" else round(a.expected),
            a.measure,
            a.direction,
            a.day,
        )
        for a in found[:MAX_ANOMALY_ALERTS]
    ]


def collector_alerts(connection: Connection, now: datetime) -> list[Alert]:
    """``collector_failing`` or ``collector_stale`` for each enabled collector in trouble."""
    found = []
    enabled = select(COLLECTOR).where(COLLECTOR.c.enabled.is_(True)).order_by(COLLECTOR.c.name)
    for collector in connection.execute(enabled).all():
        success = _last_success(connection, collector.id)
        hours = None if success is None else round((now - success).total_seconds() / 3600, 1)
        if _latest_ended_status(connection, collector.id) == "failed":
            found.append(Alert("collector_failing", "red", "collector", collector.name, hours))
            continue
        deadline = stale_deadline(collector, success)
        if deadline is not None and now > deadline:
            found.append(Alert("collector_stale", "amber", "collector", collector.name, hours))
    return found


def _last_success(connection: Connection, collector_id: int) -> datetime | None:
    succeeded = (RUN.c.collector_id == collector_id, RUN.c.status == "succeeded")
    return connection.execute(select(func.max(RUN.c.finished_at)).where(*succeeded)).scalar()


def _latest_ended_status(connection: Connection, collector_id: int) -> str | None:
    """The status of the collector's latest run that is no longer running."""
    query = (
        select(RUN.c.status)
        .where(RUN.c.collector_id == collector_id, RUN.c.status != "running")
        .order_by(RUN.c.started_at.desc(), RUN.c.id.desc())
        .limit(1)
    )
    return connection.execute(query).scalar()


def stale_deadline(collector: Row, success: datetime | None) -> datetime | None:
    """When the collector becomes stale without a further success; None when it never does (run by hand)."""
    since = success or collector.created_at
    if collector.interval_seconds:
        return since + max(STALE_RUNS * timedelta(seconds=collector.interval_seconds), STALE_MIN)
    if collector.cron:
        return max(cron_firing(collector.cron, since, STALE_RUNS), since + STALE_MIN)
    return None if success else since + STALE_MIN


def cron_firing(expression: str, since: datetime, count: int) -> datetime:
    """The ``count``-th firing time of a crontab expression after ``since`` (naive local times)."""
    try:
        trigger = CronTrigger.from_crontab(expression, timezone=TIMEZONE)
    except ValueError:
        return since  # not a valid schedule (refused when stored): fall back to the least silence
    moment = since.replace(tzinfo=TIMEZONE)
    for _ in range(count):
        following = trigger.get_next_fire_time(moment, moment)
        if following is None:
            return since
        moment = following
    return moment.astimezone(TIMEZONE).replace(tzinfo=None)
