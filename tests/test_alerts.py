"""The wall's alerts: each kind raised on a hand-built case and not just below its threshold; red first."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, update

from helpers import provincial_dossier
from ioc.alerts import SEVERITIES, Alert, alerts, on_time_drops, received_drop
from ioc.collecting.store import add_collector
from ioc.records import DossierRecord
from ioc.warehouse import schema
from ioc.warehouse.load import load_page

TODAY = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 10, 0)
RUN = schema.CollectorRun.__table__
COLLECTOR = schema.Collector.__table__
FLOW_ALERTS = {"on_time_drop": on_time_drops, "received_drop": received_drop}


def record(key: str, received: datetime, due: datetime | None, finished: datetime | None = None, **more):
    """A provincial dossier, resolved (status 10) when ``finished`` is given, else being handled."""
    return provincial_dossier(key, received, due, finished, NOW, **more)


def resolved(key: str, agency: str, finished: datetime, late: bool) -> DossierRecord:
    due = finished - timedelta(hours=1) if late else finished + timedelta(hours=1)
    return record(key, finished - timedelta(days=2), due, finished, agency_code=agency)


def load(engine, records: list[DossierRecord]) -> None:
    with engine.begin() as connection:
        collector_id = add_collector(connection, "dossiers", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, records, [], NOW)


def raised(engine, kind: str) -> list[Alert]:
    """The alerts of ``kind``: from the strip's, or for the flow alerts the strip no longer shows (the anomaly rules
    replaced them there), from their own function."""
    with engine.connect() as connection:
        if kind in FLOW_ALERTS:
            return sorted(
                FLOW_ALERTS[kind](connection, TODAY, "46"), key=lambda alert: SEVERITIES.index(alert.severity)
            )
        return [alert for alert in alerts(connection, TODAY, NOW) if alert.kind == kind]


def test_an_empty_warehouse_raises_nothing(warehouse) -> None:
    with warehouse.connect() as connection:
        assert alerts(connection, TODAY, NOW) == []


@pytest.mark.parametrize(("pending", "severity"), [(40, "red"), (41, "amber"), (0, None)])
def test_overdue_backlog(warehouse, pending: int, severity: str | None) -> None:
    """Two overdue at today's end (one due yesterday, one due this afternoon): 2 of 40 pending is 5 %: red."""
    received = datetime(2025, 6, 20, 9, 0)
    records = [record(f"P{i}", received, datetime(2025, 7, 10, 17, 0)) for i in range(pending - 2)]
    if pending:
        records += [
            record("due-yesterday", received, datetime(2025, 6, 29, 17, 0)),
            record("due-today", received, datetime(2025, 6, 30, 17, 0)),
        ]
    records.append(resolved("done-late", "SO-A", datetime(2025, 6, 25, 9, 0), late=True))  # finished: not pending
    load(warehouse, records)
    expected = [Alert("overdue_backlog", severity, "province", "46", 2, 1)] if severity else []
    assert raised(warehouse, "overdue_backlog") == expected


def on_time_case(agency: str, before: int, now: int, late_now: int) -> list[DossierRecord]:
    """``before`` resolved on time in May; ``now`` resolved in June, ``late_now`` of them late."""
    may = [resolved(f"{agency}-may-{i}", agency, datetime(2025, 5, 10, 10, 0), late=False) for i in range(before)]
    june = [resolved(f"{agency}-jun-{i}", agency, datetime(2025, 6, 10, 10, 0), late=i < late_now) for i in range(now)]
    return may + june


def test_on_time_drop_by_agency_and_province(warehouse) -> None:
    load(
        warehouse,
        [
            *on_time_case("SO-A", 30, 30, 3),  # 100 → 90: a fall of 10 points, amber
            *on_time_case("SO-B", 30, 30, 6),  # 100 → 80: 20 points, red
            *on_time_case("SO-C", 31, 31, 3),  # 100 → 90.32: 9.68 points, nothing
            *on_time_case("SO-D", 29, 29, 29),  # 100 → 0 but 29 resolved: too few, nothing
            *on_time_case("SO-E", 30, 41, 8),  # 100 → 80.49: 19.51 points, amber
        ],
    )
    assert raised(warehouse, "on_time_drop") == [
        Alert("on_time_drop", "red", "province", "46", 69.57, 100.0),  # 112 of 161 in time
        Alert("on_time_drop", "red", "agency", "SO-B", 80.0, 100.0),
        Alert("on_time_drop", "amber", "agency", "SO-A", 90.0, 100.0),
        Alert("on_time_drop", "amber", "agency", "SO-E", 80.49, 100.0),
    ]


def test_on_time_windows_end_yesterday(warehouse) -> None:
    """Late dossiers resolved today do not count yet; those of 31/05 (30 days before today) do."""
    records = on_time_case("SO-A", 30, 30, 0)
    records += [resolved(f"today-{i}", "SO-A", datetime(2025, 6, 30, 8, 0), late=True) for i in range(30)]
    records += [resolved(f"first-day-{i}", "SO-A", datetime(2025, 5, 31, 8, 0), late=True) for i in range(4)]
    load(warehouse, records)
    assert raised(warehouse, "on_time_drop") == [
        Alert("on_time_drop", "amber", "province", "46", 88.24, 100.0),  # 30 of 34
        Alert("on_time_drop", "amber", "agency", "SO-A", 88.24, 100.0),
    ]


@pytest.mark.parametrize(("before", "now", "expected"), [(20, 10, True), (20, 11, False), (19, 0, False)])
def test_received_drop(warehouse, before: int, now: int, expected: bool) -> None:
    """Received 16–22/06 against 23–29/06; today's (30/06) do not count."""
    due = datetime(2025, 7, 20, 17, 0)
    records = [record(f"B{i}", datetime(2025, 6, 16 + i % 7, 9, 0), due) for i in range(before)]
    records += [record(f"N{i}", datetime(2025, 6, 23 + i % 7, 9, 0), due) for i in range(now)]
    records += [record(f"T{i}", datetime(2025, 6, 30, 8, 0), due) for i in range(30)]
    load(warehouse, records)
    assert raised(warehouse, "received_drop") == (
        [Alert("received_drop", "amber", "province", "46", now, before)] if expected else []
    )


def collector(connection, name: str, created: datetime, runs=(), enabled: bool = True, **schedule) -> None:
    """A collector created at ``created`` with runs given as (status, started, finished)."""
    collector_id = add_collector(
        connection, name, "dossier-sync", "http://127.0.0.1:9/api", enabled=enabled, **schedule
    ).id
    connection.execute(update(COLLECTOR).where(COLLECTOR.c.id == collector_id).values(created_at=created))
    for status, started, finished in runs:
        connection.execute(
            insert(RUN).values(
                collector_id=collector_id, mode="incremental", status=status, started_at=started, finished_at=finished
            )
        )


def ok(finished: datetime) -> tuple[str, datetime, datetime]:
    return ("succeeded", finished - timedelta(minutes=1), finished)


def test_collector_alerts(warehouse) -> None:
    long_ago = datetime(2025, 6, 1, 8, 0)
    with warehouse.begin() as connection:
        # Every 15 minutes: stale after an hour (3 × 15 min is less).
        collector(connection, "fresh", long_ago, [ok(datetime(2025, 6, 30, 9, 1))], every="15m")
        collector(connection, "late", long_ago, [ok(datetime(2025, 6, 30, 8, 59))], every="15m")
        # Daily: stale after three days.
        collector(connection, "daily", long_ago, [ok(datetime(2025, 6, 27, 10, 1))], every="1d")
        collector(connection, "daily-stale", long_ago, [ok(datetime(2025, 6, 27, 9, 30))], every="1d")
        # Nightly at 02:00: stale after the third night without a success.
        collector(connection, "nightly", long_ago, [ok(datetime(2025, 6, 28, 2, 10))], cron="0 2 * * *")
        collector(connection, "nightly-stale", long_ago, [ok(datetime(2025, 6, 27, 2, 10))], cron="0 2 * * *")
        # Failing: the latest ended run failed (a run under way does not hide it); not also reported stale.
        failed = ("failed", datetime(2025, 6, 30, 9, 55), datetime(2025, 6, 30, 9, 56))
        running = ("running", datetime(2025, 6, 30, 9, 58), None)
        collector(connection, "failing", long_ago, [ok(datetime(2025, 6, 29, 9, 50)), failed, running], every="15m")
        collector(connection, "recovered", long_ago, [failed, ok(datetime(2025, 6, 30, 9, 59))], every="15m")
        collector(connection, "disabled", long_ago, [failed], enabled=False, every="15m")
        # Never succeeded: stale once the first success is overdue, counted from the collector's creation.
        collector(connection, "never", datetime(2025, 6, 30, 8, 59), every="15m")
        collector(connection, "new", datetime(2025, 6, 30, 9, 1), every="15m")
        # Run by hand: stale only when it never succeeded.
        collector(connection, "manual", long_ago, [ok(datetime(2025, 6, 2, 9, 0))])
        collector(connection, "manual-never", long_ago)
    with warehouse.connect() as connection:
        assert alerts(connection, TODAY, NOW) == [
            Alert("collector_failing", "red", "collector", "failing", 24.2),
            Alert("collector_stale", "amber", "collector", "daily-stale", 72.5),
            Alert("collector_stale", "amber", "collector", "late", 1.0),
            Alert("collector_stale", "amber", "collector", "manual-never", None),
            Alert("collector_stale", "amber", "collector", "never", None),
            Alert("collector_stale", "amber", "collector", "nightly-stale", 79.8),
        ]
