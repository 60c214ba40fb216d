"""The indicator model's parsing and rules (``domain/indicators.md``), and their reasons in Vietnamese."""

from __future__ import annotations

from datetime import date

import pytest

from ioc.indicators.catalogue import shipped_indicators
from ioc.indicators.model import IndicatorValue, PeriodRef, check_value, parse_number, parse_period, value_from_fields
from ioc.reasons import in_vietnamese
from ioc.records import InvalidRecordError

INDICATORS = {indicator.code: indicator for indicator in shipped_indicators()}
UNITS = {"25", "25001"}


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2026-08-15", "day", date(2026, 8, 15), date(2026, 8, 15)),
        ("2026-02", "month", date(2026, 2, 1), date(2026, 2, 28)),
        ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-Q3", "quarter", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-q4", "quarter", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026", "year", date(2026, 1, 1), date(2026, 12, 31)),
        (2026, "year", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods_read_as_the_long_template_writes_them(text, kind, start, end):
    period = parse_period(text)
    assert period == PeriodRef(kind, start, end)
    assert parse_period(period.label) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-02-30", "2026-Q5", "26-08", "2026/08", "", None, "２０２６", 1.5])
def test_a_period_that_does_not_parse_is_refused(text):
    with pytest.raises(InvalidRecordError, match="is not a period"):
        parse_period(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [("1234.5", 1234.5), ("1.234,5", 1234.5), ("1.234.567", 1234567.0), ("12,5", 12.5), (7, 7.0), ("-3", -3.0)],
)
def test_numbers_read_both_ways(text, number):
    assert parse_number(text, "value") == number


@pytest.mark.parametrize("text", ["1.234", "12.345"])
def test_a_dot_before_three_digits_is_ambiguous_and_refused(text):
    with pytest.raises(InvalidRecordError, match="ambiguous"):
        parse_number(text, "value")


@pytest.mark.parametrize("text", ["abc", "1e400", "nan", "inf", True, [1], "1,2,3"])
def test_what_is_not_a_finite_number_is_refused(text):
    with pytest.raises(InvalidRecordError):
        parse_number(text, "value")


def _value(**fields):
    base = {"indicator": "docs_outgoing", "unit": "25", "agency": "", "period": "2026-08", "value": "12"}
    return value_from_fields(base | fields, INDICATORS, UNITS, "25")


def test_a_good_count_and_a_good_ratio_load():
    assert _value().value == 12.0
    ratio = _value(indicator="docs_sent_electronic", value=None, numerator="90", denominator="100")
    assert (ratio.numerator, ratio.denominator, ratio.value) == (90.0, 100.0, None)
    assert ratio.key == "docs_sent_electronic|25||2026-08"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"indicator": "nope"}, "is not registered"),
        ({"indicator": "on_time_rate"}, "computed from dossiers"),
        ({"unit": "99999"}, "is not province 25"),
        ({"value": "-1"}, "not a whole number"),
        ({"value": "1,5"}, "not a whole number"),
        ({"value": None}, "value is empty"),
        ({"numerator": "1", "denominator": "2"}, "fill value, not numerator"),
        ({"indicator": "docs_sent_electronic", "value": "90"}, "leave value empty"),
        ({"indicator": "docs_sent_electronic", "value": None, "numerator": "9"}, "both numerator and denominator"),
        ({"indicator": "docs_sent_electronic", "value": None, "numerator": "11", "denominator": "10"}, "is above"),
        ({"indicator": "docs_sent_electronic", "value": None, "numerator": "-1", "denominator": "10"}, "negative"),
        ({"period": "2026-13"}, "is not a period"),
    ],
)
def test_each_broken_rule_is_refused_with_a_reason_that_has_a_vietnamese_text(fields, reason):
    with pytest.raises(InvalidRecordError, match=reason) as caught:
        _value(**fields)
    assert in_vietnamese(str(caught.value)) != str(caught.value)


def test_no_data_is_kept_as_no_data_and_never_with_a_figure():
    period = parse_period("2026-08")
    empty = IndicatorValue("portal766.total", "25", "", period, no_data=True)
    check_value(empty, INDICATORS, UNITS)
    with pytest.raises(InvalidRecordError, match="no data carries a figure"):
        check_value(IndicatorValue("portal766.total", "25", "", period, value=0.0, no_data=True), INDICATORS, UNITS)


def test_the_shipped_catalogue_holds_the_dossier_kpis_the_four_pillars_feedback_and_the_portal_scores():
    pillars = {indicator.pillar for indicator in shipped_indicators()}
    assert {"documents", "meetings", "procedures", "payments", "feedback", "socioeconomic", "portal766"} <= pillars
    assert INDICATORS["on_time_rate"].origin == "dossier" and INDICATORS["on_time_rate"].is_ratio
    groups = ("transparency", "progress", "online_services", "online_payment", "digitisation", "satisfaction")
    assert all(INDICATORS[f"portal766.{g}"].aggregation == "score" for g in (*groups, "total"))
