"""The demo's ``rest-json`` and ``sql`` collectors load the simulator's document and feedback APIs and the payments
database, on both warehouse engines; the payments database is the same for the same seed and now."""

from __future__ import annotations

import os
from datetime import date, datetime

from sqlalchemy import func, select

from ioc.cli.demo_restsql import PAYMENTS_ENV, ensure_indicator_sources, first_runs
from ioc.config import now_local
from ioc.simulator import SimulatorConfig, running_simulator
from ioc.simulator.indicator_apis import document_records, feedback_records
from ioc.simulator.payments import payment_rows
from ioc.warehouse import schema

VALUE = schema.IndicatorValue.__table__


def test_the_demo_sources_load_every_pillar_they_feed(warehouse, tmp_path, monkeypatch):
    monkeypatch.delenv(PAYMENTS_ENV, raising=False)
    start = date(now_local().year - 1, now_local().month, 1)
    with running_simulator(SimulatorConfig(start=start)) as url:
        names = ensure_indicator_sources(warehouse, url, tmp_path, "46", start)
        assert ensure_indicator_sources(warehouse, url, tmp_path, "46", start) == names  # again: nothing added
        first_runs(warehouse, names, "46")
    assert os.environ[PAYMENTS_ENV] == f"sqlite:///{tmp_path / 'demo-payments.db'}"
    with warehouse.connect() as connection:
        codes = dict(
            connection.execute(select(VALUE.c.indicator_code, func.count()).group_by(VALUE.c.indicator_code)).all()
        )
        rejected = connection.execute(select(func.count()).select_from(schema.Quarantine)).scalar_one()
    assert rejected == 0
    for code in ("docs_outgoing", "docs_sent_electronic", "tasks_overdue", "feedback_on_time", "feedback_open",
                 "cashless_transactions", "cashless_value", "cashless_rate"):  # fmt: skip
        assert codes.get(code, 0) >= 40, code


def test_the_payments_database_is_the_same_for_the_same_seed_and_now():
    now = datetime(2026, 5, 10, 14, 25)
    rows = payment_rows(1, "46", date(2026, 1, 1), now)
    assert rows == payment_rows(1, "46", date(2026, 1, 1), now)
    assert len(rows) == 40 * 5 * 3
    assert all(n <= d for *_, n, d, _ in [r for r in rows if r[2] == "cashless_rate"])
    assert max(r[6] for r in rows) == "2026-05-10T14:00:00"


def test_the_simulators_apis_are_deterministic_for_a_seed_and_the_running_month_is_month_to_date():
    now = datetime(2026, 5, 10, 14, 25)
    config = SimulatorConfig(seed=4, start=date(2026, 1, 1), now=now)
    records = document_records(config, now)
    assert (
        records == document_records(config, now) != document_records(SimulatorConfig(seed=5, start=config.start), now)
    )
    assert [r["cap_nhat"] for r in records] == sorted(r["cap_nhat"] for r in records)
    outgoing = {r["ky_bao_cao"]: 0 for r in records}
    for r in records:
        outgoing[r["ky_bao_cao"]] += r["so_lieu"] or 0
    assert outgoing["2026-05"] < outgoing["2026-04"] / 2  # ten days of thirty-one
    assert {r["cap_nhat"] for r in records if r["ky_bao_cao"] == "2026-05"} == {"2026-05-10T14:00:00"}
    feedback = feedback_records(config, now, date(2026, 4, 1))
    assert feedback == feedback_records(config, now, date(2026, 4, 1)) and len(feedback) == 40 * 4
    assert feedback_records(config, now, date(2026, 6, 1)) == []
