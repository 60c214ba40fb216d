"""Evaluating alert rules on a hand-built warehouse, on both engines: today's value (the KPI for the month to date,
an indicator's latest value) against the threshold in its direction; the same news queued once per channel and
recipient however often it is evaluated; a rule inside its quiet hours held until they end."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ioc.collecting.store import add_collector
from ioc.indicators.load import load_values
from ioc.indicators.model import IndicatorValue, parse_period
from ioc.notify.evaluate import evaluate
from ioc.notify.rules import RuleInput, save_rule
from ioc.records import DossierRecord
from ioc.subscribers import save_subscriber
from ioc.warehouse import schema
from ioc.warehouse.access import transaction
from ioc.warehouse.load import load_page

TODAY = date(2025, 6, 20)
NOW = datetime(2025, 6, 20, 10, 0)
URL = "http://ioc.example.org"
NOTIFICATION = schema.Notification.__table__
UNIT = schema.Unit.__table__


def dossier(key: str, agency: str, finished: datetime, late: bool) -> DossierRecord:
    """A dossier of agency ``agency`` resolved at ``finished``, late or on time."""
    due = finished - timedelta(hours=1) if late else finished + timedelta(hours=1)
    return DossierRecord(
        source_key=key,
        procedure_code="1.001234",
        procedure_name=None,
        field_code="HT",
        field_name=None,
        channel=1,
        applicant_name=None,
        applicant_type=1,
        agency_code=agency,
        unit_code="46",
        received_at=finished - timedelta(days=2),
        due_at=due,
        status=10,
        finished_at=finished,
        returned_at=None,
        paid_online=None,
        digitised=False,
        source_updated_at=NOW,
    )


def june_and_may() -> list[DossierRecord]:
    """June to date: SO-A 7 of 10 on time, SO-B 10 of 10 (the province 17 of 20: 85 %). May: SO-A 10 late."""
    june = datetime(2025, 6, 10, 10, 0)
    records = [dossier(f"A-{i}", "SO-A", june, late=i < 3) for i in range(10)]
    records += [dossier(f"B-{i}", "SO-B", june, late=False) for i in range(10)]
    records += [dossier(f"A-may-{i}", "SO-A", datetime(2025, 5, 10, 10, 0), late=True) for i in range(10)]
    return records


@pytest.fixture
def place(warehouse):
    """The warehouse with :func:`june_and_may` loaded, two alert subscribers (one inactive, one brief-only) and a
    commune's docs_outgoing values; returns the engine and the commune's code."""
    with transaction(warehouse) as connection:
        collector = add_collector(connection, "dossiers", "dossier-sync", "http://127.0.0.1:9/api/hoso")
        load_page(connection, collector.id, None, june_and_may(), [], NOW)
        commune = connection.execute(select(UNIT.c.code).where(UNIT.c.level == "commune").order_by(UNIT.c.code))
        commune = commune.scalars().first()
        values = [
            IndicatorValue("docs_outgoing", commune, "", parse_period("2025-04"), 10.0, None, None),
            IndicatorValue("docs_outgoing", commune, "", parse_period("2025-05"), 25.0, None, None),
            IndicatorValue("docs_outgoing", commune, "", parse_period("2025-06"), None, None, None, no_data=True),
            IndicatorValue("docs_outgoing", commune, "", parse_period("2025-07"), 99.0, None, None),
        ]
        load_values(connection, collector.id, None, values, NOW)
    for address, alerts, active in (("a@example.org", True, True), ("b@example.org", True, True),
                                    ("off@example.org", True, False), ("brief@example.org", False, True)):  # fmt: skip
        save_subscriber(warehouse, address, "admin", NOW, alerts=alerts, active=active)
    return warehouse, commune


def rule(engine, name: str, **given) -> None:
    values = {"subject_kind": "kpi", "subject": "on_time_rate", "direction": "below", "threshold": 80.0} | given
    save_rule(engine, RuleInput(name=name, **values), "admin", NOW)


def evaluated(engine, now: datetime = NOW):
    with transaction(engine) as connection:
        return evaluate(connection, now, URL)


def raised(engine) -> dict[str, tuple]:
    return {hit.rule.name: (hit.day, hit.value, hit.direction) for hit in evaluated(engine).raised}


def test_a_kpi_threshold_reads_the_month_to_date_in_its_direction(place) -> None:
    engine, _ = place
    rule(engine, "province below 80")  # 85: no
    rule(engine, "province below 90", threshold=90.0)  # 85: yes
    rule(engine, "SO-A below 80", scope="agency", scope_code="SO-A")  # 70: yes
    rule(engine, "SO-A below 60", scope="agency", scope_code="SO-A", threshold=60.0)  # 70 (35 with May's): no
    rule(engine, "SO-B above 99", scope="agency", scope_code="SO-B", direction="above", threshold=99.0)  # 100: yes
    rule(engine, "SO-B above 100", scope="agency", scope_code="SO-B", direction="above", threshold=100.0)  # no
    rule(engine, "received above 19", subject="received", direction="above", threshold=19.0)  # 20: yes
    rule(engine, "disabled", threshold=90.0, enabled=False)
    assert raised(engine) == {
        "province below 90": (TODAY, 85.0, "below"),
        "SO-A below 80": (TODAY, 70.0, "below"),
        "SO-B above 99": (TODAY, 100.0, "above"),
        "received above 19": (TODAY, 20, "above"),
    }


def test_an_indicator_threshold_reads_its_latest_value(place) -> None:
    """May's 25 is the latest: June says no data, July has not started on 20/06."""
    engine, commune = place
    given = {"subject_kind": "indicator", "subject": "docs_outgoing", "scope": "unit", "scope_code": commune}
    rule(engine, "docs above 20", direction="above", threshold=20.0, **given)
    rule(engine, "docs above 25", direction="above", threshold=25.0, **given)
    rule(engine, "docs below 26", direction="below", threshold=26.0, **given)
    assert raised(engine) == {"docs above 20": (TODAY, 25.0, "above"), "docs below 26": (TODAY, 25.0, "below")}


def test_a_kpi_named_as_an_indicator_reads_the_month_to_date(place) -> None:
    engine, _ = place
    rule(engine, "as indicator", subject_kind="indicator", scope="agency", scope_code="SO-A")
    assert raised(engine) == {"as indicator": (TODAY, 70.0, "below")}


def test_the_same_news_is_queued_once_per_channel_and_recipient(place) -> None:
    engine, _ = place
    rule(engine, "SO-A below 80", scope="agency", scope_code="SO-A", webhook_url="http://127.0.0.1:9/hook")
    first = evaluated(engine)
    second = evaluated(engine, NOW + timedelta(minutes=1))
    assert (first.added, second.added, len(second.raised)) == (3, 0, 1)
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                NOTIFICATION.c.channel, NOTIFICATION.c.recipient, NOTIFICATION.c.dedupe_key, NOTIFICATION.c.status
            ).order_by(NOTIFICATION.c.channel, NOTIFICATION.c.recipient)
        ).all()
        rule_id = connection.execute(select(schema.AlertRule.__table__.c.id)).scalar_one()
    key = f"rule:{rule_id}:on_time_rate:2025-06-20"
    assert [tuple(r) for r in rows] == [
        ("email", "a@example.org", key, "pending"),
        ("email", "b@example.org", key, "pending"),
        ("webhook", f"rule:{rule_id}", key, "pending"),
    ]
    tomorrow = evaluated(engine, NOW + timedelta(days=1))  # new day, new news
    assert tomorrow.added == 3


def test_a_rule_in_its_quiet_hours_is_held_until_they_end(place) -> None:
    engine, _ = place
    rule(engine, "quiet", scope="agency", scope_code="SO-A", email=False, webhook_url="http://127.0.0.1:9/h",
         quiet="22:00-06:00")  # fmt: skip
    evaluated(engine, datetime(2025, 6, 20, 23, 15))
    with engine.connect() as connection:
        held = connection.execute(select(NOTIFICATION.c.status, NOTIFICATION.c.next_attempt_at)).one()
    assert tuple(held) == ("held", datetime(2025, 6, 21, 6, 0))


def test_a_quiet_rule_outside_its_hours_is_pending(place) -> None:
    engine, _ = place
    rule(engine, "quiet", scope="agency", scope_code="SO-A", email=False, webhook_url="http://127.0.0.1:9/h",
         quiet="22:00-06:00")  # fmt: skip
    evaluated(engine, datetime(2025, 6, 20, 6, 0))
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).where(NOTIFICATION.c.status == "pending")).scalar() == 1


def test_quiet_hours_in_the_day_and_overnight() -> None:
    from ioc.notify.evaluate import quiet_until
    from ioc.notify.rules import Rule

    base = Rule(
        1, "r", "kpi", "received", "province", "", "threshold", 1.0, "above", True, None, None, None, None, True
    )
    overnight = replace(base, quiet_from=22 * 60, quiet_until=6 * 60)
    lunch = replace(base, quiet_from=11 * 60 + 30, quiet_until=13 * 60)
    day = datetime(2025, 6, 20)
    assert quiet_until(base, day.replace(hour=23)) is None
    assert quiet_until(overnight, day.replace(hour=2)) == day.replace(hour=6)
    assert quiet_until(overnight, day.replace(hour=22)) == day.replace(day=21, hour=6)
    assert quiet_until(overnight, day.replace(hour=6)) is None
    assert quiet_until(overnight, day.replace(hour=21, minute=59)) is None
    assert quiet_until(lunch, day.replace(hour=12)) == day.replace(hour=13)
    assert quiet_until(lunch, day.replace(hour=13)) is None
