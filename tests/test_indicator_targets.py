"""Targets for every registered indicator: the shipped non-dossier ones have none ("chưa đặt") until an admin sets
one, which is validated against the indicator's own unit and direction, audited, and kept by scope."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from ioc.errors import IOCError
from ioc.indicators.registry import registered
from ioc.kpi.registry import KPI_BY_KEY, Target
from ioc.kpi.targets import set_target, target_settings
from ioc.warehouse import schema

NOW = datetime(2026, 11, 5, 9, 0)


def test_shipped_indicators_other_than_the_dossier_kpis_have_no_target(warehouse) -> None:
    with warehouse.connect() as connection:
        indicators = registered(connection)
        settings = target_settings(connection)
    others = [code for code, indicator in indicators.items() if indicator.origin != "dossier"]
    assert "docs_sent_electronic" in others and "cashless_rate" in others
    assert [code for code in others if code in settings] == []


def test_any_registered_indicator_can_have_a_target_by_scope_audited(warehouse) -> None:
    with warehouse.begin() as connection:
        set_target(connection, "docs_sent_electronic", Target(90, 90, 70), "province", "", "admin", NOW)
        set_target(connection, "tasks_overdue", Target(2, 2, 5), "unit", "19753", "admin", NOW)
        set_target(connection, "budget_revenue", Target(5000, 5000, 4000), "province", "", "admin", NOW)
    with warehouse.connect() as connection:
        province = target_settings(connection)
        commune = target_settings(connection, "unit", "19753")
        audit = connection.execute(select(schema.AuditLog.action, schema.AuditLog.target)).all()
    assert province["docs_sent_electronic"].target == Target(90, 90, 70)
    assert province["docs_sent_electronic"].source == "province"
    assert province["budget_revenue"].target.target == 5000  # not a percentage: no 0–100 bound
    assert "tasks_overdue" not in province and commune["tasks_overdue"].source == "unit"
    assert ("kpi_target.set", "tasks_overdue/unit/19753") in [tuple(row) for row in audit]


@pytest.mark.parametrize(
    ("code", "target", "message"),
    [
        ("no_such_indicator", Target(1, 1, 1), "unknown KPI or indicator"),
        ("docs_sent_electronic", Target(120, 90, 80), "between 0 and 100"),
        ("docs_sent_electronic", Target(80, 60, 80), "at least --amber-from"),
        ("tasks_overdue", Target(2, 10, 5), "at most --amber-from"),
        ("cashless_value", Target(-1, 1, 1), "cannot be negative"),
    ],
)
def test_a_bad_target_for_an_indicator_is_refused(warehouse, code: str, target: Target, message: str) -> None:
    with pytest.raises(IOCError, match=message), warehouse.begin() as connection:
        set_target(connection, code, target, "province", "", "admin", NOW)
    with warehouse.connect() as connection:
        assert code not in target_settings(connection) or code in KPI_BY_KEY
