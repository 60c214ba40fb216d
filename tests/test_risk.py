"""Dossiers at risk (``ioc.risk``): Kaplan–Meier probabilities on hand-built histories with known values, the
fallbacks and refusals, honesty about ``as_of``, on both engines; ``ioc risk`` through the real command."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from fractions import Fraction

import numpy as np
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from ioc.cli.risk import as_of_day
from ioc.collecting.store import add_collector
from ioc.errors import IOCError
from ioc.records import DossierRecord
from ioc.risk import LIKELY, MIN_HISTORY, at_risk
from ioc.risk import report as risk_report
from ioc.risk.survival import product_limit
from ioc.warehouse.load import load_page
from tests.helpers import run_ioc
from tests.test_cli import assert_one_line_error

AS_OF = datetime(2025, 6, 1, 12, 0)
DAY = timedelta(days=1)
ALLOWANCE = 10 * DAY


def dossier(
    key: str,
    received: datetime,
    *,
    finished: datetime | None = None,
    status: int | None = None,
    allowance: timedelta = ALLOWANCE,
    procedure: str | None = "1.000001",
    field: str | None = "HT",
    agency: str | None = "SO-TP",
    unit: str = "46",
) -> DossierRecord:
    """A dossier received at ``received``, due ``allowance`` later, resolved at ``finished`` (pending without it)."""
    return DossierRecord(
        source_key=key,
        procedure_code=procedure,
        procedure_name=None,
        field_code=field,
        field_name=None,
        channel=1,
        applicant_name=None,
        applicant_type=1,
        agency_code=agency,
        unit_code=unit,
        received_at=received,
        due_at=received + allowance,
        status=status if status is not None else (10 if finished else 4),
        finished_at=finished,
        returned_at=None,
        paid_online=None,
        digitised=False,
        source_updated_at=datetime(2025, 6, 1),
    )


def resolved(prefix: str, count: int, fraction: float, start: datetime = datetime(2025, 3, 1, 8), **kw) -> list:
    """``count`` dossiers resolved after ``fraction`` of their allowance, received a day apart from ``start``."""
    allowance = kw.pop("allowance", ALLOWANCE)
    return [
        dossier(
            f"{prefix}{i}", start + i * DAY, finished=start + i * DAY + fraction * allowance, allowance=allowance, **kw
        )
        for i in range(count)
    ]


def pending(key: str, age: timedelta, **kw) -> DossierRecord:
    """A dossier received ``age`` before ``AS_OF`` and still pending."""
    return dossier(key, AS_OF - age, **kw)


def load(engine, records: list[DossierRecord], now: datetime = AS_OF) -> None:
    with engine.begin() as connection:
        found = connection.exec_driver_sql("SELECT id FROM collector WHERE name = 'risk-test'").first()
        collector_id = found[0] if found else add_collector(connection, "risk-test", "dossier-sync", "http://x/").id
        load_page(connection, collector_id, None, records, [], now)


def report(engine, as_of: datetime = AS_OF, **kw):
    with engine.connect() as connection:
        return at_risk(connection, as_of, **kw)


def by_key(result) -> dict:
    return {row.ma_ho_so: row for row in result.rows}


# ---------------------------------------------------------------- the estimator alone


def test_product_limit_equals_statsmodels_with_ties_and_censoring() -> None:
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 6, 800)
    times = rng.integers(0, 25, 800).astype(float)  # many ties, events and censorings at the same times
    events = rng.random(800) < 0.6
    query_groups, query_times = rng.integers(0, 7, 300), rng.integers(-1, 30, 300).astype(float)
    ours = product_limit(groups, times, events, query_groups, query_times)
    for group, time, value in zip(query_groups, query_times, ours, strict=True):
        chosen = groups == group
        if not chosen.any():
            assert value == 1.0
            continue
        fit = SurvfuncRight(times[chosen], events[chosen].astype(int))
        index = np.searchsorted(fit.surv_times, time, side="right") - 1
        assert value == pytest.approx(1.0 if index < 0 else fit.surv_prob[index], abs=1e-12)


def test_a_finish_exactly_at_the_query_time_has_happened_by_then() -> None:
    # S(t) = P(T > t): of two dossiers, one finished at 1.0, so S(1.0) = 1/2 and S(just before) = 1.
    survival = product_limit([0, 0], [1.0, 2.0], [True, True], [0, 0], [1.0, 0.999])
    assert survival.tolist() == [0.5, 1.0]


# ---------------------------------------------------------------- at_risk on a warehouse


def test_probability_is_the_conditional_kaplan_meier_ratio(warehouse) -> None:
    history = (
        resolved("A", 10, 0.2)  # τ = 0.2
        + resolved("B", 10, 0.5)  # τ = 0.5
        + [replace(r, status=7) for r in resolved("W", 5, 0.5)]  # withdrawn at τ = 0.5: censored, tied with events
        + resolved("C", 10, 1.0)  # exactly at the due time: on time, not late
        + resolved("D", 10, 1.2)  # late
    )
    targets = [pending("P-young", 1 * DAY), pending("P-mid", 3 * DAY), pending("P-old", 6 * DAY)]
    load(warehouse, history + targets)
    rows = by_key(report(warehouse, horizon_days=10))
    # The targets are censored at their ages 0.1, 0.3, 0.6. At τ=0.2: 47 at risk, 10 finish → 37/47. At τ=0.5:
    # 47 − 10 − 1 (P-mid) = 36 at risk (the 5 withdrawn still are), 10 finish → × 26/36. At τ=1.0: 36 − 10 − 5 − 1
    # (P-old) = 20 at risk, 10 finish → × 10/20. S(1) = 37/47 · 26/36 · 1/2.
    late = Fraction(37, 47) * Fraction(26, 36) * Fraction(1, 2)
    assert rows["P-young"].probability == pytest.approx(float(late))  # S(0.1) = 1
    assert rows["P-mid"].probability == pytest.approx(float(late / Fraction(37, 47)))  # 13/36
    assert rows["P-old"].probability == 0.5  # S(0.6) = 37/47 · 26/36: exactly one half, so "likely"
    assert {row.basis for row in rows.values()} == {"procedure"}
    assert {row.history for row in rows.values()} == {40}  # resolved dossiers; the withdrawn ones are not
    result = report(warehouse, horizon_days=10)
    assert [row.ma_ho_so for row in result.rows] == ["P-old", "P-mid", "P-young"]
    assert [row.ma_ho_so for row in result.likely] == ["P-old"]
    assert rows["P-old"].due == AS_OF - 6 * DAY + ALLOWANCE and rows["P-old"].unit == "46"


def test_an_empty_warehouse_has_nothing_at_risk_and_nothing_refused(warehouse) -> None:
    result = report(warehouse)
    assert (result.rows, result.refused, result.as_of, result.horizon_days) == ([], 0, AS_OF, 7)


def test_a_dossier_that_outlived_every_resolved_one_is_certain_to_be_late(warehouse) -> None:
    load(warehouse, [*resolved("A", MIN_HISTORY, 0.2), pending("P", 5 * DAY)])
    (row,) = report(warehouse).rows
    assert row.probability == 1.0


def test_the_horizon_takes_dossiers_due_after_as_of_and_within_the_days(warehouse) -> None:
    records = [
        *resolved("A", MIN_HISTORY, 0.5),
        pending("overdue", ALLOWANCE + DAY),
        pending("due-now", ALLOWANCE),  # due exactly at as_of: not after it
        pending("due-in-7", ALLOWANCE - 7 * DAY),  # due exactly at the horizon's end: in
        pending("due-in-8", ALLOWANCE - 8 * DAY),
    ]
    load(warehouse, records)
    assert set(by_key(report(warehouse))) == {"due-in-7"}
    assert set(by_key(report(warehouse, horizon_days=8))) == {"due-in-7", "due-in-8"}
    with pytest.raises(IOCError, match="horizon"):
        report(warehouse, horizon_days=0)


def test_thin_histories_fall_back_to_the_field_then_the_agency_then_are_refused(warehouse) -> None:
    records = (
        resolved("P1-", 20, 0.5, procedure="1.000001", field="HT")
        + resolved("P2-", MIN_HISTORY - 20, 0.5, procedure="1.000002", field="HT")
        + resolved("P3-", 5, 0.5, procedure="1.000003", field="DD")
        + resolved("B-", MIN_HISTORY - 1, 0.5, agency="SO-YT", procedure="2.000001", field="YT")
        + [
            pending("via-field", 4 * DAY, procedure="1.000001", field="HT"),
            pending("via-agency", 4 * DAY, procedure="1.000003", field="DD"),
            pending("no-procedure", 4 * DAY, procedure=None, field="HT"),
            pending("refused", 4 * DAY, agency="SO-YT", procedure="2.000001", field="YT", unit="19753"),
            pending("no-agency", 4 * DAY, agency=None),
        ]
    )
    load(warehouse, records)
    result = report(warehouse)
    rows = by_key(result)
    assert (rows["via-field"].basis, rows["via-field"].history) == ("field", MIN_HISTORY)
    assert (rows["via-agency"].basis, rows["via-agency"].history) == ("agency", MIN_HISTORY + 5)
    assert rows["no-procedure"].basis == "field"
    assert set(rows) == {"via-field", "via-agency", "no-procedure"}
    assert result.refused == 2 and result.min_history == MIN_HISTORY
    assert report(warehouse, unit="19753").refused == 1 and report(warehouse, unit="19753").rows == []
    assert report(warehouse, agency="SO-TP").refused == 0
    assert set(by_key(report(warehouse, agency="SO-TP"))) == set(rows)


def test_a_procedure_with_enough_history_is_its_own_basis_even_when_its_field_is_bigger(warehouse) -> None:
    load(
        warehouse,
        resolved("P1-", MIN_HISTORY, 0.8)
        + resolved("P2-", 50, 1.5, procedure="1.000002")  # same field, always late
        + [pending("P", 3 * DAY)],
    )
    (row,) = report(warehouse).rows
    assert (row.basis, row.history, row.probability) == ("procedure", MIN_HISTORY, 0.0)


def test_as_of_ignores_what_happened_after_it(warehouse) -> None:
    known = resolved("A", 20, 0.3) + resolved("B", 20, 1.4) + [pending("P", 4 * DAY)]
    # Twenty dossiers pending at as_of (ages 0.35 … 0.54 of their allowance); later they all finish late.
    later = [pending(f"L{i}", (3.5 + i / 10) * DAY) for i in range(20)]
    load(warehouse, known + later)
    before = by_key(report(warehouse))
    finished_late = [replace(r, status=10, finished_at=AS_OF + 8 * DAY) for r in later]
    received_later = resolved("F", 40, 1.9, start=AS_OF + timedelta(seconds=1))
    load(warehouse, finished_late + received_later, now=AS_OF + 30 * DAY)
    after = by_key(report(warehouse))
    assert {k: r.probability for k, r in after.items()} == {k: r.probability for k, r in before.items()}
    assert after["P"].history == 40
    # Seen from later, the same dossier's history holds the late finishes and the new receptions.
    assert by_key(report(warehouse, AS_OF + timedelta(hours=1))).keys() == before.keys()


def test_a_later_instant_of_the_same_day_sees_the_finishes_in_between(warehouse) -> None:
    # "Q" is resolved at 14:00, in time (τ 0.91): at 12:00 it is pending (censored at τ 0.9), at 18:00 a finish. The
    # second call reuses the day's window of dossiers read for the first; it must answer as a fresh read does.
    in_time = dossier("Q", AS_OF - 9 * DAY, finished=AS_OF + timedelta(hours=2))
    load(warehouse, [*resolved("A", MIN_HISTORY, 0.8), in_time, pending("P", 5 * DAY)])
    noon = by_key(report(warehouse))["P"]  # at τ 0.8: 31 at risk, 30 finish; nothing after: S(1)/S(0.5) = 1/31
    evening = by_key(report(warehouse, AS_OF + timedelta(hours=6)))["P"]  # … and Q finishes at 0.91: S(1) = 0
    risk_report.clear()
    fresh = by_key(report(warehouse, AS_OF + timedelta(hours=6)))["P"]
    assert (noon.probability, noon.history) == (pytest.approx(1 / 31), 30)
    assert (evening.probability, evening.history) == (fresh.probability, fresh.history) == (0.0, 31)


def test_history_older_than_a_year_does_not_count(warehouse) -> None:
    old = resolved("O", 35, 1.5, start=AS_OF - 400 * DAY)  # received 400 … 366 days before as_of
    load(warehouse, old + resolved("A", MIN_HISTORY, 0.8) + [pending("P", 5 * DAY)])
    (row,) = report(warehouse).rows
    assert (row.history, row.probability) == (MIN_HISTORY, 0.0)


def test_probabilities_stay_between_zero_and_one_on_random_histories(warehouse) -> None:
    rng = np.random.default_rng(11)
    records = []
    for i in range(300):
        received = AS_OF - timedelta(days=float(rng.uniform(1, 120)))
        allowance = timedelta(days=int(rng.integers(1, 15)))
        took = timedelta(days=float(rng.exponential(allowance.days * 0.7)))
        status = int(rng.choice([4, 7, 8, 9, 10]))
        done = received + took if received + took <= AS_OF + 30 * DAY else None
        procedure = f"1.00000{rng.integers(0, 4)}"
        finished = done if status != 4 else None
        records.append(
            dossier(f"R{i}", received, finished=finished, status=status, allowance=allowance, procedure=procedure)
        )
    load(warehouse, records)
    result = report(warehouse, horizon_days=14)
    assert result.rows
    assert all(0.0 <= row.probability <= 1.0 for row in result.rows)
    assert [row.probability for row in result.rows] == sorted((row.probability for row in result.rows), reverse=True)


def test_only_counted_dossiers_count(warehouse) -> None:
    load(warehouse, [*resolved("A", MIN_HISTORY, 0.8), pending("P", 5 * DAY)])
    assert [row.probability for row in report(warehouse).rows] == [0.0]
    newer = [replace(r, source_updated_at=datetime(2025, 6, 2)) for r in resolved("A", MIN_HISTORY, 1.5)]
    with warehouse.begin() as connection:
        other = add_collector(connection, "risk-other", "dossier-sync", "http://y/").id
        # The same source keys from a second collector, newer: now those rows count, and they say "late".
        load_page(connection, other, None, newer, [], AS_OF + DAY)
    (row,) = report(warehouse).rows
    assert row.probability == 1.0 and row.history == MIN_HISTORY


# ---------------------------------------------------------------- the command


def test_ioc_risk_prints_the_likely_dossiers_as_json(warehouse, warehouse_env) -> None:
    records = resolved("A", 10, 0.2) + resolved("B", 10, 0.5) + resolved("C", 10, 1.0) + resolved("D", 10, 1.2)
    records += [pending("P-young", 4 * DAY), pending("P-old", 6 * DAY)]
    records += [pending("refused", 4 * DAY, agency="SO-YT")]
    load(warehouse, records)
    day = AS_OF.date().isoformat()
    result = run_ioc("risk", "--date", day, "--format", "json", env=warehouse_env)
    assert result.returncode == 0, result.stderr
    # As of the end of the day the targets are 4.5 and 6.5 days old (censored at τ 0.45, 0.65). S(0.2) = 32/42,
    # S(0.5) = 32/42 · 21/31, S(1) = S(0.5) · 10/20: P-old's p = 1/2, P-young's = 21/31 · 1/2.
    assert json.loads(result.stdout) == [
        {
            "ma_ho_so": "P-old",
            "agency": "SO-TP",
            "unit": "46",
            "procedure": "1.000001",
            "due": (AS_OF - 6 * DAY + ALLOWANCE).isoformat(),
            "probability": 0.5,
        }
    ]
    assert result.stderr.strip() == "1 dossiers not predicted: too little history (< 30)"
    every = json.loads(run_ioc("risk", "--date", day, "--all", "--format", "json", env=warehouse_env).stdout)
    assert [row["ma_ho_so"] for row in every] == ["P-old", "P-young"]
    assert every[1]["probability"] == round(21 / 62, 4) and every[1]["probability"] < LIKELY
    table = run_ioc("risk", "--date", day, "--all", env=warehouse_env)
    assert table.returncode == 0 and "50,0" in table.stdout and "P-young" in table.stdout


def test_ioc_risk_refuses_a_future_date_an_unknown_code_and_a_bad_horizon_in_one_line(warehouse, warehouse_env) -> None:
    assert_one_line_error(run_ioc("risk", "--date", "2999-01-01", env=warehouse_env), "future")
    assert_one_line_error(run_ioc("risk", "--date", "2025-06-01", "--agency", "NOPE", env=warehouse_env), "NOPE")
    assert_one_line_error(run_ioc("risk", "--date", "2025-06-01", "--horizon", "0", env=warehouse_env), "horizon")


def test_a_date_means_the_end_of_that_day_or_now_when_it_is_today() -> None:
    now = datetime(2025, 6, 1, 9, 15, 30, 123456)
    assert as_of_day(date(2025, 5, 31), now) == datetime(2025, 5, 31, 23, 59, 59)
    assert as_of_day(date(2025, 6, 1), now) == datetime(2025, 6, 1, 9, 15, 30)
    with pytest.raises(IOCError, match="future"):
        as_of_day(date(2025, 6, 2), now)


def test_ioc_risk_csv_has_the_json_columns(warehouse, warehouse_env) -> None:
    load(warehouse, [*resolved("A", MIN_HISTORY, 1.5), pending("P", 5 * DAY)])
    result = run_ioc("risk", "--date", "2025-06-01", "--format", "csv", env=warehouse_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ma_ho_so,agency,unit,procedure,due,probability",
        f"P,SO-TP,46,1.000001,{(AS_OF + 5 * DAY).isoformat()},1.0",
    ]
