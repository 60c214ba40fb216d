"""Anomaly rules through the real detector (``ioc.anomalies``) on a hand-built daily series, on both engines: a rule
raises for yesterday's flagged day in its direction (or either), with what the detector expected; a rule in the other
direction, or on an unflagged measure, raises nothing; its news is queued once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from test_anomalies import load, received_on, ten_weeks

from ioc.anomalies import MEASURES
from ioc.notify.evaluate import evaluate
from ioc.notify.rules import ANOMALY_MEASURES, RuleInput, save_rule
from ioc.warehouse.access import transaction

SPIKE = date(2025, 11, 26)  # a Wednesday
NOW = datetime(2025, 11, 27, 8, 0)


def test_the_rules_know_the_detectors_measures() -> None:
    assert ANOMALY_MEASURES == MEASURES


def rule(engine, name: str, **given) -> None:
    values = {"subject_kind": "kpi", "subject": "received", "condition": "anomaly", "direction": "either"} | given
    save_rule(engine, RuleInput(name=name, **values), "admin", NOW)


#: The test series three times over: a drop to a sixth of the day's usual count stands above the detector's noise
#: floor (Poisson: a day of ~12 dossiers falling to none is within its noise), and so does a rise of 40.
SCALE = 3


@pytest.mark.parametrize(("extra", "side"), [(40, "above"), (-30, "below")])
def test_an_anomaly_rule_raises_for_yesterday_in_its_direction(warehouse, extra: int, side: str) -> None:
    counts = {day: SCALE * count for day, count in ten_weeks(SPIKE).items()}
    counts[SPIKE] += extra
    load(warehouse, received_on(counts))
    other = "below" if side == "above" else "above"
    rule(warehouse, "province either")
    rule(warehouse, f"agency {side}", scope="agency", scope_code="SO-A", direction=side)
    rule(warehouse, f"agency {other}", scope="agency", scope_code="SO-A", direction=other)
    rule(warehouse, "resolved either", subject="resolved")
    with transaction(warehouse) as connection:
        first = evaluate(connection, NOW, "http://ioc")
        again = evaluate(connection, NOW + timedelta(minutes=1), "http://ioc")
    found = {hit.rule.name: hit for hit in first.raised}
    assert set(found) == {"province either", f"agency {side}"}
    for hit in found.values():
        assert (hit.day, hit.value, hit.direction) == (SPIKE, counts[SPIKE], side)
        assert abs(hit.expected - (counts[SPIKE] - extra)) < 3 * SCALE and (hit.score > 0) == (extra > 0)
        assert hit.dedupe_key == f"rule:{hit.rule.id}:received:2025-11-26"
    assert first.errors == {} and again.added == 0


def test_a_day_still_under_way_raises_nothing(warehouse) -> None:
    counts = ten_weeks(SPIKE)
    counts[SPIKE] += 40
    load(warehouse, received_on(counts))
    rule(warehouse, "province either")
    with transaction(warehouse) as connection:
        assert evaluate(connection, datetime(2025, 11, 26, 16, 0), "http://ioc").raised == []
