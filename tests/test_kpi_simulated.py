"""KPIs from the aggregates agree with pandas applying the domain's definitions straight to ``dossier``, for hundreds of
random filters, periods and breakdowns over simulator data collected over HTTP (with later updates), on both engines.

The pandas side reads ``domain/dossier-source.md``'s table directly, not ``ioc.dossiers.events``: an independent check
of the rules as well as of the aggregates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.kpi.periods import Period
from ioc.kpi.query import Filters, kpi_rows
from ioc.kpi.registry import rate
from ioc.simulator import SimulatorConfig, running_simulator
from ioc.warehouse import schema

CONFIG = SimulatorConfig(seed=5, start=date(2025, 1, 1), now=datetime(2025, 3, 1, 12), daily_volume=40)
LATER = datetime(2025, 3, 20, 16, 0)
COLUMNS = {"unit": "unit_code", "agency": "agency_code", "field": "field_code", "procedure": "procedure_code"}
COLUMNS |= {"channel": "channel", "applicant_type": "applicant_type"}


@pytest.fixture
def simulated(warehouse) -> tuple:
    """Two and a half months of a small province, backfilled then brought up to date (dossiers change status)."""
    with running_simulator(CONFIG) as url:
        with warehouse.begin() as connection:
            add_collector(connection, "sim", "dossier-sync", f"{url}/api/hoso", options={"page_size": 300})
        assert run_collector(warehouse, "sim", "46").status == "succeeded"
        httpx.post(f"{url}/_sim/clock", json={"now": LATER.strftime("%Y%m%d%H%M%S")}).raise_for_status()
        later = run_collector(warehouse, "sim", "46")
    assert later.status == "succeeded" and later.progress.updated > 0
    with warehouse.connect() as connection:
        frame = pd.DataFrame(connection.execute(select(schema.Dossier.__table__)).mappings().all())
    assert len(frame) > 2000
    return warehouse, frame


def domain_kpis(d: pd.DataFrame, start: datetime, end: datetime) -> dict:
    """Every KPI of the domain's definitions table over ``[start, end)``, from dossier rows."""
    received = d[d.received_at.ge(start) & d.received_at.lt(end) & ~d.status.isin([1, 3])]
    resolved = d[d.status.isin([9, 10]) & d.finished_at.ge(start) & d.finished_at.lt(end)]
    late = resolved.due_at.notna() & (resolved.finished_at > resolved.due_at)
    early = resolved.due_at.notna() & ~late & (resolved.finished_at.dt.normalize() < resolved.due_at.dt.normalize())
    pending = d[~d.status.isin([1, 3, 7, 8]) & d.received_at.lt(end) & (d.finished_at.isna() | d.finished_at.ge(end))]
    fee = received[received.paid_online.notna()]
    return {
        "received": len(received),
        "online_received": int((received.channel == 2).sum()),
        "online_rate": rate(int((received.channel == 2).sum()), len(received)),
        "resolved": len(resolved),
        "resolved_early": int(early.sum()),
        "resolved_on_time": int((~late & ~early).sum()),
        "resolved_late": int(late.sum()),
        "on_time_rate": rate(int((~late).sum()), len(resolved)),
        "pending": len(pending),
        "pending_overdue": int((pending.due_at < end).sum()),
        "online_payment_rate": rate(int((fee.paid_online == True).sum()), len(fee)),  # noqa: E712
        "digitisation_rate": rate(int((received.digitised == True).sum()), len(received)),  # noqa: E712
    }


def domain_rows(frame: pd.DataFrame, period: Period, by: str | None, filters: Filters) -> list[dict]:
    d = frame
    for name, column in COLUMNS.items():
        value = getattr(filters, name)
        if value is not None:
            d = d[d[column] == value]
    start, end = (datetime.combine(day, datetime.min.time()) for day in (period.start, period.end))
    if by == "month":
        rows, month = [], start.replace(day=1)
        while month < end:
            following = (month + timedelta(days=32)).replace(day=1)
            part = domain_kpis(d, max(month, start), min(following, end))
            rows.append({"month": f"{month:%Y-%m}"} | part)
            month = following
        return rows
    if by is None:
        return [domain_kpis(d, start, end)]
    rows = []
    for key, group in sorted(d.groupby(COLUMNS[by], dropna=False), key=lambda item: (pd.isna(item[0]), item[0])):
        values = domain_kpis(group, start, end)
        if any(v for v in values.values() if v is not None):
            rows.append({by: None if pd.isna(key) else (int(key) if by == "channel" else key)} | values)
    return rows


@st.composite
def queries(draw, frame: pd.DataFrame) -> tuple[Period, str | None, Filters]:
    by = draw(st.sampled_from([None, "unit", "agency", "field", "procedure", "channel", "month"]))
    chosen = {}
    for name, column in COLUMNS.items():
        values = sorted(frame[column].dropna().unique().tolist())
        chosen[name] = draw(st.none() | st.sampled_from(values[:8])) if draw(st.booleans()) else None
    numbers = ("channel", "applicant_type")
    filters = Filters(**{k: int(v) if k in numbers and v is not None else v for k, v in chosen.items()})
    if by == "procedure" or filters.procedure is not None:
        first = draw(st.integers(0, 3))
        months = draw(st.integers(1, 3 - first + 1))
        start = date(2025, 1 + first, 1)
        end_index = start.month - 1 + months
        return Period(start, date(2025 + end_index // 12, end_index % 12 + 1, 1)), by, filters
    start = date(2024, 12, 20) + timedelta(days=draw(st.integers(0, 100)))
    return Period(start, start + timedelta(days=draw(st.integers(1, 75)))), by, filters


def test_kpis_agree_with_the_domain_definitions_applied_to_the_dossiers(simulated) -> None:
    engine, frame = simulated

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(query=queries(frame))
    def check(query) -> None:
        period, by, filters = query
        with engine.connect() as connection:
            assert kpi_rows(connection, period, by, filters) == domain_rows(frame, period, by, filters)

    check()
