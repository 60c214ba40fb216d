"""The wall's alert strip shows the anomalies of the last working day, worded in Vietnamese and English."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ioc.alerts import Alert, alerts, on_time_drops, received_drop
from layouts import warehouse as dashboard_warehouse
from layouts.wall import content
from tests import test_alerts as fixed_cases
from tests.test_anomalies import load, received_on, ten_weeks

SPIKE = date(2025, 11, 28)  # a Friday


def options(day: date, lang: str) -> dict:
    return {"lang": lang, "date": day.isoformat(), "map": "on_time_rate", "rotate": None, "page": "/wall"}


def strip(day: date, lang: str) -> list[str]:
    return [span.children for span in content(options(day, lang))["alerts"]]


def test_the_strip_shows_the_last_working_days_anomaly(warehouse) -> None:
    counts = ten_weeks(SPIKE)
    counts[SPIKE] += 40
    counts[SPIKE + timedelta(days=3)] = 14  # Monday as usual (a day without dossiers would be an anomaly itself)
    load(warehouse, received_on(counts))
    dashboard_warehouse.use(warehouse)
    monday = SPIKE + timedelta(days=3)
    with warehouse.connect() as connection:
        raised = [
            a for a in alerts(connection, monday, datetime.combine(monday, datetime.min.time())) if a.kind == "anomaly"
        ]
    # Unit 46 holds the same dossiers as its one agency SO-A here: shown once, as the agency.
    assert [(a.subject_kind, a.subject_code) for a in raised] == [("province", "46"), ("agency", "SO-A")]
    expected = raised[0].previous  # the usual Friday: 10 dossiers, about
    assert isinstance(expected, int) and abs(expected - 10) <= 1
    assert raised[0] == Alert("anomaly", "amber", "province", "46", 50, expected, "received", "above", SPIKE)
    vi = strip(monday, "vi")
    assert f"Thành phố Huế: tiếp nhận 50 hồ sơ ngày 28/11/2025, cao bất thường (thường khoảng {expected})" in vi
    en = strip(monday, "en")
    worded = f": 50 dossiers received on 28/11/2025, unusually many (about {expected} expected)"
    assert any(text.endswith(worded) for text in en)
    # Friday's anomaly is the last working day's on Saturday, Sunday and Monday; on Tuesday it is history.
    assert len(strip(SPIKE + timedelta(days=1), "vi")) == len(vi)
    assert not [text for text in strip(monday + timedelta(days=1), "vi") if "bất thường" in text]


def test_the_anomaly_rules_replace_the_fixed_flow_alerts_on_the_strip(warehouse) -> None:
    """The benchmark (README, Anomalies): the rules beat on_time_drop and received_drop on precision and recall, so
    the strip shows anomalies instead; the two functions still answer (alert rules and the benchmark call them)."""
    due = datetime(2025, 7, 20, 17, 0)
    records = [fixed_cases.record(f"B{i}", datetime(2025, 6, 16 + i % 7, 9, 0), due) for i in range(40)]
    records += fixed_cases.on_time_case("SO-B", 30, 30, 6)
    records.append(fixed_cases.record("overdue", datetime(2025, 6, 20, 9, 0), datetime(2025, 6, 29, 17, 0)))
    fixed_cases.load(warehouse, records)
    with warehouse.connect() as connection:
        assert received_drop(connection, fixed_cases.TODAY, "46") and on_time_drops(connection, fixed_cases.TODAY, "46")
        kinds = {alert.kind for alert in alerts(connection, fixed_cases.TODAY, fixed_cases.NOW)}
    assert "overdue_backlog" in kinds and not kinds & {"on_time_drop", "received_drop"}
