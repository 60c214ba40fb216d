"""KPI targets: defaults, overrides by scope through ``ioc kpi-target``, validation and the audit log."""

from __future__ import annotations

import json

from sqlalchemy import select

from ioc.warehouse import schema
from tests.helpers import run_ioc


def targets(env: dict[str, str], *args: str) -> dict[str, dict]:
    result = run_ioc("kpi-target", "list", *args, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    return {row["kpi"]: row for row in json.loads(result.stdout)}


def test_targets_default_then_overridden_by_scope_and_audited(warehouse, warehouse_env) -> None:
    assert targets(warehouse_env)["on_time_rate"]["target"] == 98.0  # ioc/reference/kpi_targets.csv

    province = ("--target", "95", "--green-from", "95", "--amber-from", "85")
    assert run_ioc("kpi-target", "set", "on_time_rate", *province, env=warehouse_env).returncode == 0
    commune = ("--target", "99", "--green-from", "99", "--amber-from", "97", "--unit", "19753")
    assert run_ioc("kpi-target", "set", "on_time_rate", *commune, env=warehouse_env).returncode == 0
    again = ("--target", "99.5", "--green-from", "99", "--amber-from", "97", "--unit", "19753")
    assert run_ioc("kpi-target", "set", "on_time_rate", *again, env=warehouse_env).returncode == 0

    assert targets(warehouse_env)["on_time_rate"]["target"] == 95.0
    assert targets(warehouse_env, "--unit", "19753")["on_time_rate"]["target"] == 99.5
    assert targets(warehouse_env, "--unit", "19777")["on_time_rate"]["target"] == 95.0  # falls back to the province
    with warehouse.connect() as connection:
        audit = connection.execute(select(schema.AuditLog.action, schema.AuditLog.target)).all()
    assert [tuple(row) for row in audit] == [
        ("kpi_target.set", "on_time_rate/province/"),
        ("kpi_target.set", "on_time_rate/unit/19753"),
        ("kpi_target.set", "on_time_rate/unit/19753"),
    ]


def test_bad_targets_are_refused_and_change_nothing(warehouse, warehouse_env) -> None:
    cases = [
        (("no_such_kpi", "--target", "1", "--green-from", "1", "--amber-from", "1"), "unknown KPI"),
        (("online_rate", "--target", "120", "--green-from", "90", "--amber-from", "80"), "between 0 and 100"),
        (("online_rate", "--target", "80", "--green-from", "60", "--amber-from", "80"), "at least --amber-from"),
        (("pending_overdue", "--target", "0", "--green-from", "50", "--amber-from", "10"), "at most --amber-from"),
    ]
    for args, message in cases:
        result = run_ioc("kpi-target", "set", *args, env=warehouse_env)
        assert result.returncode != 0 and message in result.stderr, result.stderr
    with warehouse.connect() as connection:
        assert connection.execute(select(schema.KpiTarget.id)).all() == []
        assert connection.execute(select(schema.AuditLog.id)).all() == []
