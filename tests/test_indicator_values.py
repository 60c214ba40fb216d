"""Indicator values: the sink replaces, never adds; the query combines each aggregation as ``domain/indicators.md``
says, at one period kind; the CLI and the registry. Exact values on hand-built cases, on both engines."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from helpers import run_ioc
from ioc.collecting.store import add_collector, remove_collector
from ioc.errors import IOCError
from ioc.indicators.load import load_values
from ioc.indicators.model import Indicator, IndicatorValue, parse_period
from ioc.indicators.query import value_rows
from ioc.indicators.registry import add_indicator, registered
from ioc.kpi.periods import Period
from ioc.warehouse import schema
from ioc.warehouse.access import transaction

NOW = datetime(2026, 11, 30, 8, 0)
VALUES = schema.IndicatorValue.__table__


@pytest.fixture
def place(warehouse):
    """The warehouse, a collector owning the values, the province's code and two communes'."""
    unit = schema.Unit.__table__
    with transaction(warehouse) as connection:
        province = connection.execute(select(unit.c.code).where(unit.c.level == "province")).scalar_one()
        communes = connection.execute(select(unit.c.code).where(unit.c.level == "commune").order_by(unit.c.code))
        first, second = communes.scalars().all()[:2]
        collector = add_collector(connection, "reports", "dossier-sync", "http://127.0.0.1:9/", actor="test")
    return warehouse, collector.id, province, first, second


def _v(code, unit, period, value=None, numerator=None, denominator=None, agency="", no_data=False):
    return IndicatorValue(code, unit, agency, parse_period(period), value, numerator, denominator, no_data=no_data)


def _load(engine, collector_id, values):
    with transaction(engine) as connection:
        return load_values(connection, collector_id, None, values, NOW)


def _rows(engine, code, first, last, by=None, today=date(2026, 12, 1), **filters):
    with transaction(engine) as connection:
        return value_rows(connection, code, Period.inclusive(first, last), by, today=today, **filters)


def test_a_reload_replaces_values_and_never_adds(place):
    engine, collector, _province, a, _b = place
    first = _load(engine, collector, [_v("docs_outgoing", a, "2026-08", 10), _v("docs_outgoing", a, "2026-09", 5)])
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    again = _load(engine, collector, [_v("docs_outgoing", a, "2026-08", 10)])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    corrected = _load(engine, collector, [_v("docs_outgoing", a, "2026-08", 12)])
    assert (corrected.inserted, corrected.updated) == (0, 1)
    assert _rows(engine, "docs_outgoing", date(2026, 8, 1), date(2026, 9, 30)) == [
        {"value": 17, "numerator": None, "denominator": None}
    ]
    with transaction(engine) as connection:
        assert connection.execute(select(func.count()).select_from(VALUES)).scalar_one() == 2
    mixed = [_v("docs_outgoing", a, "2026-08", 12), _v("docs_outgoing", a, "2026-09", 6)]
    mixed += [_v("docs_outgoing", a, "2026-10", 1), _v("docs_outgoing", a, "2026-10", 2)]  # the last of a key wins
    counts = _load(engine, collector, mixed)
    assert (counts.inserted, counts.updated, counts.unchanged) == (1, 1, 1)
    assert _rows(engine, "docs_outgoing", date(2026, 8, 1), date(2026, 10, 31), "month") == [
        {"month": month, "value": value, "numerator": None, "denominator": None}
        for month, value in (("2026-08", 12), ("2026-09", 6), ("2026-10", 2))
    ]


def test_counts_add_over_units_and_months(place):
    engine, collector, province, a, b = place
    _load(engine, collector, [_v("docs_outgoing", a, "2026-07", 3), _v("docs_outgoing", b, "2026-08", 4)])
    _load(engine, collector, [_v("docs_outgoing", province, "2026-08", 100)])
    rows = _rows(engine, "docs_outgoing", date(2026, 7, 1), date(2026, 9, 30), "unit")
    assert rows == sorted(
        [
            {"unit": a, "value": 3, "numerator": None, "denominator": None},
            {"unit": b, "value": 4, "numerator": None, "denominator": None},
            {"unit": province, "value": 100, "numerator": None, "denominator": None},
        ],
        key=lambda row: row["unit"],
    )
    months = _rows(engine, "docs_outgoing", date(2026, 7, 1), date(2026, 9, 30), "month")
    assert [(row["month"], row["value"]) for row in months] == [("2026-07", 3), ("2026-08", 104)]
    assert _rows(engine, "docs_outgoing", date(2026, 8, 1), date(2026, 8, 31), unit=b)[0]["value"] == 4


def test_a_ratio_divides_summed_numerators_and_never_averages_rates(place):
    engine, collector, _province, a, b = place
    # a: 3 of 3 (100 %), b: 1500 of 3000 (50 %); the average of rates would say 75 %.
    _load(engine, collector, [_v("docs_sent_electronic", a, "2026-08", None, 3, 3)])
    _load(engine, collector, [_v("docs_sent_electronic", b, "2026-08", None, 1500, 3000)])
    [row] = _rows(engine, "docs_sent_electronic", date(2026, 8, 1), date(2026, 8, 31))
    assert row == {"value": round(100 * 1503 / 3003, 2), "numerator": 1503, "denominator": 3003}
    assert row["value"] == 50.05


def test_a_quarter_reads_the_quarterly_values_and_whole_months_the_monthly_ones(place):
    engine, collector, _province, a, _b = place
    monthly = [_v("meetings_held", a, f"2026-{m:02d}", 10) for m in (7, 8, 9)]
    _load(engine, collector, [*monthly, _v("meetings_held", a, "2026-Q3", 31), _v("meetings_held", a, "2026-08-15", 2)])
    assert _rows(engine, "meetings_held", date(2026, 7, 1), date(2026, 9, 30))[0]["value"] == 31
    assert _rows(engine, "meetings_held", date(2026, 7, 1), date(2026, 8, 31))[0]["value"] == 20
    assert _rows(engine, "meetings_held", date(2026, 8, 10), date(2026, 8, 20))[0]["value"] == 2
    by_month = _rows(engine, "meetings_held", date(2026, 7, 1), date(2026, 9, 30), "month")
    assert [row["value"] for row in by_month] == [10, 10, 10]


def test_a_period_reaching_today_reads_the_running_months_value_and_a_past_partial_month_does_not(place):
    engine, collector, _province, a, _b = place
    _load(engine, collector, [_v("docs_outgoing", a, f"2026-{m:02d}", m) for m in (9, 10, 11)])
    today = date(2026, 11, 20)  # November is running: its value holds figures to date
    assert _rows(engine, "docs_outgoing", date(2026, 11, 1), today, today=today)[0]["value"] == 11
    assert _rows(engine, "docs_outgoing", date(2026, 9, 1), today, today=today)[0]["value"] == 30
    months = _rows(engine, "docs_outgoing", date(2026, 9, 1), today, "month", today=today)
    assert [(row["month"], row["value"]) for row in months] == [("2026-09", 9), ("2026-10", 10), ("2026-11", 11)]
    # Part of a month that has ended is not its month: no day values, so nothing rather than a whole month's figure.
    past = _rows(engine, "docs_outgoing", date(2026, 10, 1), date(2026, 10, 20), today=today)
    assert past == [{"value": None, "numerator": None, "denominator": None}]
    assert _rows(engine, "docs_outgoing", date(2026, 9, 15), today, today=today)[0]["value"] is None


def test_a_level_takes_each_units_last_value_and_a_score_is_never_added(place):
    engine, collector, province, a, b = place
    levels = [_v("feedback_open", a, "2026-07", 9), _v("feedback_open", a, "2026-08", 4)]
    _load(engine, collector, [*levels, _v("feedback_open", b, "2026-07", 6)])
    assert _rows(engine, "feedback_open", date(2026, 7, 1), date(2026, 8, 31))[0]["value"] == 10  # 4 + 6
    scores = [_v("portal766.total", unit, "2026-08", score) for unit, score in ((province, 71.5), (a, 80), (b, 60))]
    _load(engine, collector, scores)
    assert _rows(engine, "portal766.total", date(2026, 8, 1), date(2026, 8, 31))[0]["value"] == 71.5
    by_unit = _rows(engine, "portal766.total", date(2026, 8, 1), date(2026, 8, 31), "unit")
    assert {row["unit"]: row["value"] for row in by_unit} == {province: 71.5, a: 80, b: 60}


def test_no_data_is_never_a_zero(place):
    engine, collector, province, _a, _b = place
    _load(engine, collector, [_v("portal766.transparency", province, "2026-08", no_data=True)])
    assert _rows(engine, "portal766.transparency", date(2026, 8, 1), date(2026, 8, 31)) == [
        {"value": None, "numerator": None, "denominator": None}
    ]


def test_unknown_codes_are_errors_and_dossier_kpis_answer_in_the_same_shape(place):
    engine, *_ = place
    with pytest.raises(IOCError, match="unknown indicator 'nope'"):
        _rows(engine, "nope", date(2026, 8, 1), date(2026, 8, 31))
    with pytest.raises(IOCError, match="unknown unit"):
        _rows(engine, "docs_outgoing", date(2026, 8, 1), date(2026, 8, 31), unit="99999")
    assert _rows(engine, "on_time_rate", date(2026, 8, 1), date(2026, 8, 31)) == [
        {"value": None, "numerator": 0, "denominator": 0}
    ]


def test_removing_a_collector_takes_its_values(place):
    engine, collector, _province, a, _b = place
    _load(engine, collector, [_v("docs_outgoing", a, "2026-08", 10)])
    with transaction(engine) as connection:
        remove_collector(connection, "reports")
        assert connection.execute(select(func.count()).select_from(VALUES)).scalar_one() == 0


def test_an_added_indicator_is_registered_audited_and_refused_twice(place):
    engine, *_ = place
    new = Indicator("docs_archived", "Văn bản lưu trữ", "Documents archived", "văn bản", "count")
    with transaction(engine) as connection:
        add_indicator(connection, new, "admin", NOW, "10.0.0.1")
        assert registered(connection)["docs_archived"].origin == "custom"
        audit = schema.AuditLog.__table__
        row = connection.execute(select(audit.c.action, audit.c.source_ip).where(audit.c.target == "docs_archived"))
        assert row.one() == ("indicator.add", "10.0.0.1")
        with pytest.raises(IOCError, match="already registered"):
            add_indicator(connection, new, "admin", NOW)


def test_the_command_adds_an_indicator_and_prints_its_values(warehouse_env, place):
    engine, collector, _province, a, _b = place
    added = run_ioc(
        *("indicator", "add", "docs_archived", "--name-vi", "Văn bản lưu trữ", "--name-en", "Archived"),
        *("--unit", "văn bản", "--aggregation", "count", "--direction", "higher"),
        env=warehouse_env,
    )
    assert added.returncode == 0, added.stderr
    _load(engine, collector, [_v("docs_archived", a, "2026-08", 7)])
    shown = run_ioc(
        *("indicator", "values", "docs_archived", "--from", "2026-08-01", "--to", "2026-08-31", "--by", "unit"),
        *("--format", "json"),
        env=warehouse_env,
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == [{"unit": a, "value": 7, "numerator": None, "denominator": None}]
    listed = json.loads(run_ioc("indicator", "list", "--format", "json", env=warehouse_env).stdout)
    assert {"docs_archived", "on_time_rate", "portal766.total"} <= {row["code"] for row in listed}
    unknown = run_ioc("indicator", "values", "nope", "--from", "2026-08-01", "--to", "2026-08-31", env=warehouse_env)
    assert (
        unknown.returncode == 1
        and unknown.stderr.strip() == "ioc: error: unknown indicator 'nope'; see `ioc indicator list`"
    )


def test_the_portals_published_scores_stand_beside_iocs_own_and_differences_are_flagged(place):
    from test_kpi_query import EDGE_CASES

    from ioc.indicators.portal_compare import compared_rows
    from ioc.kpi.service_index import index_rows
    from ioc.warehouse.load import load_page

    engine, collector, province, a, _b = place
    period = Period.inclusive(date(2025, 3, 1), date(2025, 3, 31))
    with transaction(engine) as connection:
        load_page(connection, collector, None, EDGE_CASES, [], NOW)
        [ours] = index_rows(connection, period)
    assert ours["group_progress"] is not None and ours["group_transparency"] is None
    published = [
        _v("portal766.progress", province, "2025-03", ours["group_progress"] + 2),
        _v("portal766.transparency", province, "2025-03", 12.0),
        _v("portal766.total", province, "2025-03", ours["points"] + 0.4),
        _v("portal766.total", a, "2025-03", 55.0),
    ]
    _load(engine, collector, published)
    with transaction(engine) as connection:
        [row] = compared_rows(connection, period)
        by_unit = {row["unit"]: row for row in compared_rows(connection, period, "unit")}
    assert (row["portal_progress"], row["differs_progress"]) == (ours["group_progress"] + 2, True)
    assert (row["portal_total"], row["differs_total"]) == (ours["points"] + 0.4, False)
    assert (row["portal_transparency"], row["differs_transparency"]) == (12.0, None)
    assert (row["portal_satisfaction"], row["differs_satisfaction"]) == (None, None)
    assert by_unit[a]["portal_total"] == 55.0
