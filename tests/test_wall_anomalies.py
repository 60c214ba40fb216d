"""The wall's alert strip shows the anomalies of the last working day, worded in Vietnamese and English."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ioc.alerts import Alert, alerts
from layouts import warehouse as dashboard_warehouse
from layouts.wall import content
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
    assert [(a.subject_kind, a.subject_code) for a in raised] == [
        ("province", "46"),
        ("unit", "46"),
        ("agency", "SO-A"),
    ]
    expected = raised[0].previous  # the usual Friday: 10 dossiers, about
    assert isinstance(expected, int) and abs(expected - 10) <= 1
    assert raised[0] == Alert("anomaly", "red", "province", "46", 50, expected, "received", "above", SPIKE)
    vi = strip(monday, "vi")
    assert f"Thành phố Huế: tiếp nhận 50 hồ sơ ngày 28/11/2025, cao bất thường (thường khoảng {expected})" in vi
    en = strip(monday, "en")
    worded = f": 50 dossiers received on 28/11/2025, unusually many (about {expected} expected)"
    assert any(text.endswith(worded) for text in en)
    # Friday's anomaly is the last working day's on Saturday, Sunday and Monday; on Tuesday it is history.
    assert len(strip(SPIKE + timedelta(days=1), "vi")) == len(vi)
    assert not [text for text in strip(monday + timedelta(days=1), "vi") if "bất thường" in text]
