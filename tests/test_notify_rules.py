"""Alert rules: each bad input refused in one line with a key for the dashboard; a good rule stored, changed,
switched and removed, every change audited with the actor and the address."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import select

from ioc.errors import IOCError
from ioc.notify.rules import RuleInput, get_rule, list_rules, remove_rule, save_rule, set_rule_enabled, webhook_host
from ioc.warehouse import schema
from ioc.warehouse.access import transaction
from layouts.i18n import error_text

NOW = datetime(2025, 6, 20, 10, 0)
AUDIT = schema.AuditLog.__table__
UNIT = schema.Unit.__table__
GOOD = RuleInput(name="đúng hạn", subject_kind="kpi", subject="on_time_rate", threshold=80.0, direction="below")


@pytest.fixture
def sqlite_warehouse(monkeypatch, ioc_env, tmp_path):
    from ioc.config import load_settings
    from ioc.initialise import initialise
    from ioc.warehouse.engine import make_engine

    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("IOC_DATABASE_URL", url)
    initialise(load_settings())
    engine = make_engine(url)
    yield engine
    engine.dispose()


def refused(engine, given: RuleInput) -> str | None:
    """The refusal's key, once its page text is known in both languages (with the parameters it was given)."""
    with pytest.raises(IOCError) as error:
        save_rule(engine, given, "admin", NOW)
    for lang in ("vi", "en"):
        assert error_text(error.value, lang)
    return error.value.key


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"name": "  "}, "alert_rule.name"),
        ({"name": "x" * 101}, "alert_rule.name"),
        ({"subject": "no_such_kpi"}, "alert_rule.kpi"),
        ({"subject_kind": "indicator", "subject": "no.such.indicator"}, "alert_rule.indicator"),
        ({"subject_kind": "metric"}, "alert_rule.subject_kind"),
        ({"scope": "unit", "scope_code": "99999"}, "alert_rule.unit"),
        ({"scope": "agency", "scope_code": "NOPE"}, "alert_rule.agency"),
        ({"scope": "unit", "scope_code": ""}, "alert_rule.unit"),
        ({"scope": "district"}, "alert_rule.scope"),
        ({"threshold": None}, "alert_rule.threshold"),
        ({"threshold": float("nan")}, "alert_rule.threshold"),
        ({"threshold": 1e16}, "alert_rule.threshold"),
        ({"direction": "either"}, "alert_rule.threshold_either"),
        ({"direction": "sideways"}, "alert_rule.direction"),
        ({"condition": "anomaly", "subject": "pending"}, "alert_rule.anomaly_measure"),
        ({"condition": "sometimes"}, "alert_rule.condition"),
        ({"webhook_url": "ftp://example.org/hook"}, "alert_rule.webhook"),
        ({"webhook_url": "javascript:alert(1)"}, "alert_rule.webhook"),
        ({"webhook_url": "http:///no-host"}, "alert_rule.webhook"),
        ({"webhook_url": "http://127.0.0.1:99999/"}, "alert_rule.webhook"),
        ({"webhook_url": "http://127.0.0.1/" + "a" * 2000}, "alert_rule.webhook_long"),
        ({"webhook_url": "http://127.0.0.1/", "webhook_secret_env": "NOT A NAME"}, "alert_rule.secret_env"),
        ({"webhook_secret_env": "HOOK_SECRET"}, "alert_rule.secret_without_webhook"),
        ({"email": False}, "alert_rule.no_channel"),
        ({"quiet": "22-06"}, "alert_rule.quiet"),
        ({"quiet": "24:00-06:00"}, "alert_rule.quiet"),
        ({"quiet": "06:00-06:00"}, "alert_rule.quiet_empty"),
    ],
)
def test_a_bad_rule_is_refused_with_its_key(sqlite_warehouse, change: dict, key: str) -> None:
    assert refused(sqlite_warehouse, replace(GOOD, **change)) == key
    with transaction(sqlite_warehouse) as connection:
        assert list_rules(connection) == []


def test_a_rule_is_stored_changed_switched_and_removed_audited(sqlite_warehouse) -> None:
    engine = sqlite_warehouse
    given = replace(
        GOOD,
        scope="agency",
        scope_code="SO-TEST",
        webhook_url="https://chat.example.org/hooks/abc?token=t0k3n-value",
        webhook_secret_env="HOOK_SECRET",
        quiet="22:00–06:30",
    )
    with transaction(engine) as connection:
        province = connection.execute(select(UNIT.c.code).where(UNIT.c.level == "province")).scalar_one()
        connection.execute(
            schema.Agency.__table__.insert().values(
                code="SO-TEST", name="Sở thử", kind="department", level="province", unit_code=province
            )
        )
    rule = save_rule(engine, given, "admin", NOW, source_ip="10.0.0.7")
    assert (rule.scope, rule.scope_code, rule.quiet_from, rule.quiet_until) == ("agency", "SO-TEST", 22 * 60, 390)
    assert rule.quiet == "22:00-06:30"
    assert refused(engine, given) == "alert_rule.exists"
    changed = save_rule(engine, replace(given, name="renamed", threshold=75.5), "admin", NOW, replace="đúng hạn")
    assert (changed.id, changed.name, changed.threshold) == (rule.id, "renamed", 75.5)
    assert not set_rule_enabled(engine, "renamed", False, "admin", NOW, source_ip="10.0.0.8").enabled
    remove_rule(engine, "renamed", "admin", NOW, source_ip="10.0.0.9")
    with transaction(engine) as connection:
        with pytest.raises(IOCError):
            get_rule(connection, "renamed")
        entries = connection.execute(select(AUDIT).where(AUDIT.c.action.like("alert_rule.%")).order_by(AUDIT.c.id))
        entries = entries.all()
    assert [(e.action, e.actor, e.source_ip) for e in entries] == [
        ("alert_rule.add", "admin", "10.0.0.7"),
        ("alert_rule.change", "admin", "local"),  # no address given: this machine
        ("alert_rule.disable", "admin", "10.0.0.8"),
        ("alert_rule.remove", "admin", "10.0.0.9"),
    ]
    assert entries[0].details["webhook_url"] == "https://chat.example.org"  # never the token
    assert "t0k3n" not in str([e.details for e in entries])


def test_an_anomaly_rule_takes_either_direction_and_no_threshold(sqlite_warehouse) -> None:
    rule = save_rule(
        sqlite_warehouse, replace(GOOD, condition="anomaly", subject="received", direction="either"), "admin", NOW
    )
    assert (rule.condition, rule.threshold, rule.direction) == ("anomaly", None, "either")


def test_a_webhook_is_shown_by_its_host_only() -> None:
    assert webhook_host("https://hooks.example.org:8443/t/XYZ?token=abc") == "https://hooks.example.org:8443"
    assert webhook_host(None) == ""
