"""KPI rows from the aggregates agree with a plain recount over the dossiers, for random filters, periods and
breakdowns, on both engines; ``ioc kpi`` gives the domain's exact figures on its edge cases."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioc.collecting.store import add_collector
from ioc.dossiers.events import DossierState
from ioc.errors import IOCError
from ioc.kpi.aggregate import daily_counts, period_counts
from ioc.kpi.periods import Period
from ioc.kpi.query import Filters, cached_kpi_rows, kpi_rows
from ioc.kpi.registry import compute
from ioc.records import DossierRecord
from ioc.warehouse.load import load_page
from tests.helpers import run_ioc
from tests.test_aggregates import random_dossier

NOW = datetime(2025, 6, 1, 12, 0)
FIRST_DAY = date(2024, 12, 1)
ATTRIBUTE = {"unit": "unit_code", "agency": "agency_code", "field": "field_code", "procedure": "procedure_code"}
ATTRIBUTE |= {"channel": "channel", "applicant_type": "applicant_type"}


def state(record: DossierRecord) -> DossierState:
    return DossierState(
        record.status,
        record.channel,
        record.received_at,
        record.due_at,
        record.finished_at,
        record.paid_online,
        record.digitised,
    )


def recount(records: list[DossierRecord], period: Period, by: str | None, filters: Filters) -> list[dict]:
    """The rows ``kpi_rows`` must give, counted straight from the dossiers with the KPI rules."""
    chosen = [
        r
        for r in records
        if all(
            getattr(filters, name) is None or getattr(r, column) == getattr(filters, name)
            for name, column in ATTRIBUTE.items()
        )
    ]
    if by == "month":
        rows, month = [], period.start.replace(day=1)
        days = daily_counts(state(r) for r in chosen)
        while month < period.end:
            following = (month + timedelta(days=32)).replace(day=1)
            part = Period(max(month, period.start), min(following, period.end))
            rows.append({"month": month.strftime("%Y-%m")} | compute(period_counts(days, part)))
            month = following
        return rows
    groups: dict[object, list[DossierRecord]] = {}
    for record in chosen:
        groups.setdefault(getattr(record, ATTRIBUTE[by]) if by else None, []).append(record)
    rows = []
    for key in sorted(groups, key=lambda k: (k is None, k)) if by else [None]:
        values = compute(period_counts(daily_counts(state(r) for r in groups.get(key, [])), period))
        if by and not any(values.values()):
            continue
        rows.append(({by: key} if by else {}) | values)
    return rows


@pytest.fixture
def loaded(warehouse) -> tuple:
    """Six hundred random dossiers in several states over time, loaded page by page with updates."""
    rng = random.Random(7)
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "test", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
    latest: dict[str, DossierRecord] = {}
    for page in range(5):
        updated = datetime(2025, 5, 1) + timedelta(hours=page)
        records = [random_dossier(rng, f"K{rng.randint(0, 599)}", updated) for _ in range(250)]
        with warehouse.begin() as connection:
            load_page(connection, collector_id, None, records, [], NOW)
        latest.update((r.source_key, r) for r in records)
    return warehouse, list(latest.values())


@st.composite
def queries(draw: Callable) -> tuple[Period, str | None, Filters]:
    by = draw(st.sampled_from([None, "unit", "agency", "field", "procedure", "channel", "month"]))
    values = {
        "unit": st.sampled_from(["46", "19753", "19777"]),
        "agency": st.sampled_from(["UBND-19753", "SO-TP"]),
        "field": st.sampled_from(["HT", "DD"]),
        "procedure": st.sampled_from(["1.001234", "2.000123"]),
        "channel": st.sampled_from([1, 2, 3]),
        "applicant_type": st.sampled_from([1, 2]),
    }
    chosen = {name: draw(st.none() | strategy) for name, strategy in values.items()}
    filters = Filters(**chosen)
    if by == "procedure" or filters.procedure is not None:
        first = draw(st.integers(0, 6))
        months = draw(st.integers(1, 4))
        start = date(2024, 12 + first, 1) if first == 0 else date(2025, first, 1)
        end_month = start.month - 1 + months
        end = date(start.year + end_month // 12, end_month % 12 + 1, 1)
        return Period(start, end), by, filters
    start = FIRST_DAY + timedelta(days=draw(st.integers(0, 200)))
    return Period(start, start + timedelta(days=draw(st.integers(1, 120)))), by, filters


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries())
def test_kpi_rows_equal_a_recount_of_the_dossiers(loaded, query) -> None:
    engine, records = loaded
    period, by, filters = query
    with engine.connect() as connection:
        assert kpi_rows(connection, period, by, filters) == recount(records, period, by, filters)


def test_procedures_need_whole_months(warehouse) -> None:
    with warehouse.connect() as connection, pytest.raises(IOCError, match="whole months"):
        kpi_rows(connection, Period(date(2025, 1, 1), date(2025, 1, 15)), "procedure")


# --- The domain's edge cases, end to end through ``ioc kpi`` -------------------------------------------------------


def edge(key: str, **changes) -> DossierRecord:
    """A desk dossier of commune 19753 received 03/03/2025 08:00, due 07/03/2025 17:00, still being handled."""
    base = DossierRecord(
        source_key=key,
        procedure_code="1.001234",
        procedure_name="Đăng ký khai sinh",
        field_code="HT",
        field_name="Hộ tịch",
        channel=1,
        applicant_name="Nguyễn Văn An",
        applicant_type=1,
        agency_code="UBND-19753",
        unit_code="19753",
        received_at=datetime(2025, 3, 3, 8, 0),
        due_at=datetime(2025, 3, 7, 17, 0),
        status=4,
        finished_at=None,
        returned_at=None,
        paid_online=None,
        digitised=False,
        source_updated_at=datetime(2025, 4, 1),
    )
    return replace(base, **changes)


EDGE_CASES = [
    edge("new", status=1),  # newly registered: not received, not pending
    edge("refused", status=3, finished_at=datetime(2025, 3, 3, 9, 0)),  # refused at reception
    edge("at-due", status=10, finished_at=datetime(2025, 3, 7, 17, 0), channel=2, paid_online=True),  # on time
    edge("after-due", status=10, finished_at=datetime(2025, 3, 7, 17, 1), paid_online=False),  # late, same day
    edge("day-before", status=9, finished_at=datetime(2025, 3, 6, 23, 59), digitised=True),  # early
    edge("withdrawn", status=7, finished_at=datetime(2025, 3, 5, 10, 0)),  # neither resolved nor pending
    edge("stopped", status=8, finished_at=datetime(2025, 3, 5, 10, 0)),
    edge("overdue", due_at=datetime(2025, 3, 31, 17, 0)),  # pending, overdue at the end of March
    edge("due-on-edge", due_at=datetime(2025, 4, 1, 0, 0)),  # due at the period's end: not yet overdue
    edge("finished-april", status=10, finished_at=datetime(2025, 4, 2, 9, 0)),  # pending at March's end, overdue
]


@pytest.fixture
def edge_warehouse(warehouse, warehouse_env) -> dict[str, str]:
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, EDGE_CASES, [], NOW)
    return warehouse_env


def ioc_kpi(env: dict[str, str], *args: str) -> list[dict]:
    result = run_ioc("kpi", *args, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_ioc_kpi_gives_the_domain_figures_for_march(edge_warehouse) -> None:
    assert ioc_kpi(edge_warehouse, "--from", "2025-03-01", "--to", "2025-03-31") == [
        {
            "received": 8,  # every dossier but status 1 and 3
            "online_received": 1,
            "online_rate": 12.5,
            "resolved": 3,  # at-due, after-due, day-before (finished-april finishes in April)
            "resolved_early": 1,
            "resolved_on_time": 1,
            "resolved_late": 1,
            "on_time_rate": 66.67,
            "pending": 3,  # overdue, due-on-edge, finished-april
            "pending_overdue": 2,  # overdue and finished-april (due 07/03); due-on-edge is due at 01/04 00:00
            "online_payment_rate": 50.0,
            "digitisation_rate": 12.5,
        }
    ]


def test_ioc_kpi_gives_null_rates_without_a_denominator(edge_warehouse) -> None:
    (row,) = ioc_kpi(edge_warehouse, "--from", "2025-02-01", "--to", "2025-02-28")
    assert row["received"] == 0 and row["pending"] == 0
    assert row["online_rate"] is None and row["on_time_rate"] is None and row["online_payment_rate"] is None


def test_ioc_kpi_breaks_down_by_month_and_channel(edge_warehouse) -> None:
    by_month = ioc_kpi(edge_warehouse, "--from", "2025-03-15", "--to", "2025-04-30", "--by", "month")
    assert [(r["month"], r["received"], r["resolved"], r["pending"]) for r in by_month] == [
        ("2025-03", 0, 0, 3),  # received on 03/03, before the period; three still pending at the end of March
        ("2025-04", 0, 1, 2),
    ]
    by_channel = ioc_kpi(edge_warehouse, "--from", "2025-03-01", "--to", "2025-03-31", "--by", "channel")
    assert [(r["channel"], r["received"], r["online_rate"]) for r in by_channel] == [(1, 7, 0.0), (2, 1, 100.0)]


def test_ioc_kpi_reports_bad_parameters_clearly(edge_warehouse) -> None:
    result = run_ioc("kpi", "--from", "2025-03-10", "--to", "2025-03-01", env=edge_warehouse)
    assert result.returncode != 0 and "before --from" in result.stderr
    result = run_ioc("kpi", "--from", "2025-03-02", "--to", "2025-03-31", "--procedure", "1.001234", env=edge_warehouse)
    assert result.returncode != 0 and "whole months" in result.stderr


def test_cached_rows_follow_the_data_version(warehouse) -> None:
    period = Period(date(2025, 3, 1), date(2025, 4, 1))
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, EDGE_CASES[:3], [], NOW)
    with warehouse.connect() as connection:
        first = cached_kpi_rows(connection, period)
        first[0]["received"] = -1  # callers get copies
        assert cached_kpi_rows(connection, period) == kpi_rows(connection, period)
    with warehouse.begin() as connection:
        load_page(connection, collector_id, None, EDGE_CASES[3:], [], NOW)
    with warehouse.connect() as connection:
        assert cached_kpi_rows(connection, period) == kpi_rows(connection, period)
        assert cached_kpi_rows(connection, period)[0]["received"] == 8


def test_ioc_index766_scores_the_computable_components_and_leaves_the_rest_unavailable(edge_warehouse) -> None:
    result = run_ioc("index766", "--from", "2025-03-01", "--to", "2025-03-31", "--format", "json", env=edge_warehouse)
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    # Handled in March: 3 resolved + 1 stopped + 3 open at its end = 7; in time: early, on time, the stopped one
    # (ended before its due time) and the one open but not yet due = 4. 20 × 4/7 = 11.43.
    assert row["handled_on_time"] == 11.43
    assert row["online_dossiers"] == 1.5  # 1 of 8 online: min(6, 6 × 0.125 ÷ 0.5)
    assert row["paid_online"] == 3.0  # 1 of 2 fee dossiers paid online: 6 × 0.5
    assert row["dossiers_digitised"] == 0.5  # 1 of 8: 4 × 0.125
    assert (row["points"], row["computable_points"], row["rating"]) == (16.43, 36, None)
    assert row["announced_on_time"] is None and row["group_transparency"] is None
    by_unit = run_ioc(
        "index766", "--from", "2025-03-01", "--to", "2025-03-31", "--by", "unit", "--format", "json", env=edge_warehouse
    )
    assert [(r["unit"], r["points"]) for r in json.loads(by_unit.stdout)] == [("19753", 16.43)]


def test_ioc_kpi_compare_gives_the_previous_month_and_the_change(edge_warehouse) -> None:
    (row,) = ioc_kpi(edge_warehouse, "--from", "2025-04-01", "--to", "2025-04-30", "--compare")
    assert (row["resolved"], row["previous"]["resolved"], row["change"]["resolved"]) == (1, 3, -2)
    assert (row["pending"], row["previous"]["pending"], row["change"]["pending"]) == (2, 3, -1)
    assert row["on_time_rate"] == 0.0 and row["change"]["on_time_rate"] == -66.67  # percentage points
    assert row["online_rate"] is None and row["change"]["online_rate"] is None  # nothing received in April
