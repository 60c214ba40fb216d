"""End to end through the real ``ioc`` command: ``ioc alert-rule add`` … ``ioc alert-rule check --send`` sends an
alert to a loopback SMTP server and a loopback webhook receiver, and what arrived is checked; the command's one-line
errors; ``list`` never shows a webhook's token."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from email import message_from_bytes, policy

from test_notify_delivery import Receiver, smtp  # noqa: F401 - the fixture
from test_notify_evaluate import dossier

from helpers import run_ioc
from ioc.collecting.store import add_collector
from ioc.config import now_local
from ioc.subscribers import save_subscriber
from ioc.warehouse.access import transaction
from ioc.warehouse.engine import make_engine
from ioc.warehouse.load import load_page

SECRET = "cli-s3cret"


def _warehouse(env: dict[str, str]) -> None:
    """Today: SO-A resolved 4 of 10 on time (40 %); one alert subscriber."""
    assert run_ioc("init", env=env).returncode == 0
    engine = make_engine(env["IOC_DATABASE_URL"])
    today = now_local().replace(hour=0, minute=0, second=1, microsecond=0)
    with transaction(engine) as connection:
        collector = add_collector(connection, "dossiers", "dossier-sync", "http://127.0.0.1:9/api/hoso")
        load_page(connection, collector.id, None, [dossier(f"A-{i}", "SO-A", today, i >= 4) for i in range(10)], [],
                  datetime.now())  # fmt: skip
    save_subscriber(engine, "chu.tich@example.org", "test", datetime.now())
    engine.dispose()


def test_an_alert_reaches_smtp_and_the_webhook_through_the_cli(ioc_env, tmp_path, smtp) -> None:  # noqa: F811
    mailbox, settings = smtp
    env = {
        **ioc_env,
        "IOC_DATABASE_URL": f"sqlite:///{tmp_path / 'ioc.db'}",
        "IOC_SMTP_HOST": "127.0.0.1",
        "IOC_SMTP_PORT": str(settings.port),
        "IOC_SMTP_SECURITY": "none",
        "IOC_PUBLIC_URL": "https://ioc.hue.gov.vn",
        "HOOK_SECRET": SECRET,
    }
    _warehouse(env)
    with Receiver() as receiver:
        added = run_ioc(
            "alert-rule", "add", "SO-A dưới 80", "--kpi", "on_time_rate", "--agency", "SO-A", "--below", "80",
            "--webhook", receiver.url, "--webhook-secret-env", "HOOK_SECRET", env=env,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        listed = run_ioc("alert-rule", "list", "--format", "json", env=env)
        assert listed.returncode == 0, listed.stderr
        [shown] = json.loads(listed.stdout)
        assert shown["channels"] == f"email, webhook http://127.0.0.1:{receiver.server.server_address[1]}"
        assert "token" not in listed.stdout
        checked = run_ioc("alert-rule", "check", "--send", env=env)
        assert checked.returncode == 0, checked.stderr
        again = run_ioc("alert-rule", "check", "--send", env=env)
    assert "SO-A dưới 80" in checked.stdout and "2 notification(s) queued" in checked.stdout
    assert "email chu.tich@example.org: sent" in checked.stdout and ": sent" in checked.stdout.split("webhook")[-1]
    assert "0 notification(s) queued" in again.stdout  # the same news goes once
    [(to, content)] = mailbox.messages
    mail = message_from_bytes(content, policy=policy.default)
    assert to == ["chu.tich@example.org"] and mail["Subject"] == "[IOC] Cảnh báo: SO-A dưới 80"
    day = now_local().date()
    assert f"Tỷ lệ giải quyết đúng hạn (cơ quan SO-A) đến ngày {day:%d/%m/%Y}: 40, thấp hơn ngưỡng 80." in (
        mail.get_content()
    )
    [(_path, headers, body)] = receiver.received
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-IOC-Signature"], expected)
    sent = json.loads(body)
    assert (sent["rule"], sent["value"], sent["threshold"], sent["direction"], sent["day"]) == (
        "SO-A dưới 80", 40.0, 80.0, "below", day.isoformat(),
    )  # fmt: skip
    assert sent["url"] == "https://ioc.hue.gov.vn/explore"


def test_the_cli_refuses_bad_rules_in_one_line(ioc_env, tmp_path) -> None:
    env = {**ioc_env, "IOC_DATABASE_URL": f"sqlite:///{tmp_path / 'ioc.db'}"}
    assert run_ioc("init", env=env).returncode == 0
    cases = [
        (("--kpi", "on_time_rate"), "give exactly one of --below X, --above X or --anomaly"),
        (("--kpi", "on_time_rate", "--below", "80", "--above", "90"), "give exactly one of"),
        (("--kpi", "nope", "--below", "1"), "unknown KPI 'nope'"),
        (("--kpi", "pending", "--anomaly"), "the anomaly detector watches received, resolved, on_time_rate only"),
        (("--kpi", "received", "--above", "1", "--webhook", "file:///etc/passwd"), "http:// or https://"),
        (("--kpi", "received", "--above", "1", "--quiet", "late"), "write HH:MM-HH:MM"),
        (("--kpi", "received", "--above", "1", "--no-email"), "would reach nobody"),
    ]
    for options, message in cases:
        result = run_ioc("alert-rule", "add", "r", *options, env=env)
        assert result.returncode == 1, options
        assert result.stderr.startswith("ioc: error: ") and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert run_ioc("alert-rule", "remove", "nothing", env=env).stderr.strip() == (
        "ioc: error: no alert rule 'nothing'; see `ioc alert-rule list`"
    )


def test_check_without_send_only_queues(ioc_env, tmp_path) -> None:
    env = {**ioc_env, "IOC_DATABASE_URL": f"sqlite:///{tmp_path / 'ioc.db'}"}
    _warehouse(env)
    assert run_ioc("alert-rule", "add", "r", "--kpi", "on_time_rate", "--below", "80", env=env).returncode == 0
    checked = run_ioc("alert-rule", "check", env=env)
    assert checked.returncode == 0, checked.stderr
    assert "1 notification(s) queued" in checked.stdout and "sent" not in checked.stdout
