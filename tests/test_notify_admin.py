"""``/admin/alerts`` called as Dash calls it: admin-only ids and callbacks; a refused rule saves nothing and says why
in Vietnamese; a saved, switched and removed rule is audited with the admin and the address; the rule table and the
outbox never show a webhook's token. The data-health screens show a failing webhook while it fails."""

from __future__ import annotations

import json

import dash._callback
import pytest
from sqlalchemy import select
from test_admin_settings import components
from test_health_screens import _text
from test_notify_delivery import Receiver, place, so_a_rule  # noqa: F401 - the fixture
from test_notify_evaluate import NOW

from ioc.notify import run_notifications
from ioc.warehouse import schema
from layouts import health_view
from layouts import warehouse as dashboard_warehouse
from layouts.access import callback_need
from layouts.admin import alert_rules
from layouts.admin.health_table import health_table
from layouts.i18n import t
from layouts.wall_health import content

AUDIT = schema.AuditLog.__table__
FORM = dict.fromkeys(alert_rules.FORM, "")
GOOD = FORM | {"name": "SO-A dưới 80", "subject-kind": "kpi", "subject": "on_time_rate", "scope": "agency",
               "scope-code": "SO-A", "condition": "threshold", "threshold": 80, "direction": "below", "email": True,
               "webhook": "https://chat.example.org/bot/XYZ?token=t0k3n", "enabled": True}  # fmt: skip


@pytest.fixture
def page(place, monkeypatch):  # noqa: F811
    monkeypatch.setattr(dashboard_warehouse, "_engine", place)
    monkeypatch.setattr(alert_rules, "current_username", lambda: "quan.tri")
    monkeypatch.setattr(alert_rules, "current_ip", lambda: "10.1.2.3")
    monkeypatch.setattr(alert_rules, "now_local", lambda: NOW)
    return place


def values(form: dict) -> list:
    return [form[name] for name in alert_rules.FORM]


def test_the_page_and_its_callbacks_are_for_admins_only(page) -> None:
    for lang in ("vi", "en"):
        found = [getattr(c, "id", None) for c in components(alert_rules.layout(lang=lang))]
        ids = {i.get("grid") if isinstance(i, dict) else i for i in found} - {None}
        mine = {i for i in ids if str(i).startswith("admin-alerts")}
        assert {"admin-alerts-table", "admin-alerts-sent", "admin-alerts-save"} <= mine
    outputs = [
        key
        for key, spec in dash._callback.GLOBAL_CALLBACK_MAP.items()
        if getattr(spec.get("callback"), "__module__", None) == alert_rules.__name__
    ]
    assert len(outputs) == 5
    assert all(callback_need(output) == "admin" for output in outputs), outputs


def test_a_refused_rule_saves_nothing_and_says_why(page) -> None:
    message, color, hidden, *_ = alert_rules.save(1, None, *values(GOOD | {"threshold": None}), "vi")
    assert (message, color, hidden) == (t("vi", "error.alert_rule.threshold"), "red", False)
    message, *_ = alert_rules.save(1, None, *values(GOOD | {"webhook": "ftp://x"}), "vi")
    assert message == "Webhook phải là địa chỉ http:// hoặc https:// có tên máy chủ."
    with page.connect() as connection:
        assert connection.execute(select(schema.AlertRule.__table__.c.id)).first() is None


def test_a_rule_is_saved_switched_and_removed_audited_and_its_token_never_shown(page) -> None:
    message, color, _, rows, choices, _sent = alert_rules.save(1, None, *values(GOOD), "vi")
    assert (message, color) == ("Đã lưu quy tắc «SO-A dưới 80».", "green")
    assert choices == ["SO-A dưới 80"]
    assert rows == [
        {
            "name": "SO-A dưới 80",
            "subject": "on_time_rate",
            "scope": "Cơ quan SO-A",
            "when": "Thấp hơn 80,00",
            "channels": "thư điện tử, webhook https://chat.example.org",
            "quiet": "",
            "enabled": "Có",
        }
    ]
    assert alert_rules.pick("SO-A dưới 80")[alert_rules.FORM.index("threshold")] == 80.0
    changed = alert_rules.save(1, "SO-A dưới 80", *values(GOOD | {"threshold": 75.5, "quiet": "22:00-06:00"}), "vi")
    assert changed[3][0]["when"] == "Thấp hơn 75,50" and changed[3][0]["quiet"] == "22:00-06:00"
    assert alert_rules.disable(1, "SO-A dưới 80", "vi")[3][0]["enabled"] == "Không"
    assert alert_rules.enable(1, None, "vi")[0] == t("vi", "admin.alerts.pick_first")
    assert alert_rules.remove(1, "SO-A dưới 80", "vi")[3] == []
    with page.connect() as connection:
        entries = connection.execute(
            select(AUDIT.c.actor, AUDIT.c.action, AUDIT.c.source_ip, AUDIT.c.details)
            .where(AUDIT.c.action.like("alert_rule.%"))
            .order_by(AUDIT.c.id)
        ).all()
    assert [(e.actor, e.action, e.source_ip) for e in entries] == [
        ("quan.tri", "alert_rule.add", "10.1.2.3"),
        ("quan.tri", "alert_rule.change", "10.1.2.3"),
        ("quan.tri", "alert_rule.disable", "10.1.2.3"),
        ("quan.tri", "alert_rule.remove", "10.1.2.3"),
    ]
    assert "t0k3n" not in json.dumps([e.details for e in entries])


def test_the_outbox_and_the_health_screens_show_a_failing_webhook_by_rule(page, monkeypatch) -> None:
    monkeypatch.setattr(health_view, "now_local", lambda: NOW)
    with Receiver([500]) as receiver:
        so_a_rule(page, email=False, webhook_url=receiver.url)
        run_notifications(page, NOW, dashboard_url="http://ioc")
    layout = alert_rules.layout(lang="vi")
    [sent] = next(c for c in components(layout) if getattr(c, "id", None) == "admin-alerts-sent").rowData
    assert (sent["rule"], sent["channel"], sent["status"], sent["attempts"]) == (
        "SO-A đúng hạn",
        "webhook",
        "Chờ gửi",
        1,
    )
    assert sent["recipient"].startswith("rule:") and sent["last_error"] == "webhook: HTTP 500: receiver says no"
    assert "abc123" not in json.dumps(layout.to_plotly_json(), default=str)  # the receiver's token
    admin = _text(health_table("vi")[-1])
    assert "SO-A đúng hạn · webhook" in admin and "0 thất bại, 1 đang thử lại" in admin
    assert "webhook: HTTP 500: receiver says no" in admin
    wall = content({"lang": "vi", "date": None, "map": "on_time_rate", "rotate": None, "page": "/wall/health"})
    shown = _text(wall["table"].children[1])
    assert "SO-A đúng hạn · webhook" in shown and "HTTP 500" not in shown
