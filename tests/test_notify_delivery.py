"""Delivering the outbox over real servers on loopback: an SMTP server (aiosmtpd) receives the alert e-mail, a webhook
receiver (http.server) the signed JSON; a receiver answering 500 then 200 is retried with backoff and shown on the
data-health page's figures while it fails; one that hangs is given up on in bounded time; quiet hours hold a
notification until they end; two deliverers never send one notification twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from test_notify_evaluate import NOW, june_and_may

from ioc.mail import SmtpSettings
from ioc.notify import run_notifications, webhook
from ioc.notify.deliver import backoff, deliver
from ioc.notify.outbox import troubles
from ioc.notify.rules import RuleInput, save_rule
from ioc.notify.webhook import READ_TIMEOUT, TOTAL_TIMEOUT
from ioc.subscribers import save_subscriber
from ioc.warehouse import schema
from ioc.warehouse.access import transaction

NOTIFICATION = schema.Notification.__table__
AUDIT = schema.AuditLog.__table__
URL = "http://ioc.example.org"
SECRET = "s3cr3t-for-tests"


class Receiver:
    """A webhook receiver on 127.0.0.1: answers each POST with the next of ``answers`` (a status code, or "hang":
    no answer until the test ends), then 200; keeps what it received."""

    def __init__(self, answers: list[int | str] | None = None) -> None:
        self.answers = list(answers or [])
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                content = self.rfile.read(min(length, 1_000_000))
                receiver.received.append((self.path, dict(self.headers), content))
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "hang":
                    receiver.release.wait(30)
                    return
                if answer == "trickle":  # a status line, then a header byte every second, never done
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    while not receiver.release.wait(1):
                        self.wfile.write(b"X")
                        self.wfile.flush()
                    return
                payload = b"receiver says no" if answer >= 400 else b"ok"
                self.send_response(int(answer))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/ioc?token=abc123"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """What the loopback SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, SmtpSettings]]:
    """A real SMTP server (aiosmtpd) on a free loopback port, and the settings that reach it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, SmtpSettings(host="127.0.0.1", port=port, security="none")
    finally:
        controller.stop()


def signed(secret: str, content: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), content, hashlib.sha256).hexdigest()


@pytest.fixture
def place(warehouse):
    from ioc.collecting.store import add_collector
    from ioc.warehouse.load import load_page

    with transaction(warehouse) as connection:
        collector = add_collector(connection, "dossiers", "dossier-sync", "http://127.0.0.1:9/api/hoso")
        load_page(connection, collector.id, None, june_and_may(), [], NOW)
    return warehouse


def so_a_rule(engine, **given) -> None:
    values = {
        "name": "SO-A đúng hạn",
        "subject_kind": "kpi",
        "subject": "on_time_rate",
        "scope": "agency",
        "scope_code": "SO-A",
        "threshold": 80.0,
        "direction": "below",
    } | given
    save_rule(engine, RuleInput(**values), "admin", NOW)


def statuses(engine) -> list[tuple]:
    with engine.connect() as connection:
        query = select(NOTIFICATION.c.channel, NOTIFICATION.c.status, NOTIFICATION.c.attempts).order_by(
            NOTIFICATION.c.id
        )
        return [tuple(row) for row in connection.execute(query)]


def test_the_alert_email_reaches_a_real_smtp_server(place, smtp) -> None:
    mailbox, settings = smtp
    save_subscriber(place, "lanh.dao@example.org", "admin", NOW)
    so_a_rule(place)
    with transaction(place) as connection:
        from ioc.notify.evaluate import evaluate

        evaluate(connection, NOW, URL)
    outcomes = deliver(place, NOW, smtp=settings)
    assert [(o.channel, o.status) for o in outcomes] == [("email", "sent")]
    [(to, content)] = mailbox.messages
    mail = message_from_bytes(content, policy=policy.default)
    assert to == ["lanh.dao@example.org"]
    assert mail["Subject"] == "[IOC] Cảnh báo: SO-A đúng hạn"
    text = mail.get_content()
    assert "Tỷ lệ giải quyết đúng hạn (cơ quan SO-A) đến ngày 20/06/2025: 70, thấp hơn ngưỡng 80." in text
    assert f"{URL}/explore" in text
    assert statuses(place) == [("email", "sent", 1)]
    with place.connect() as connection:
        actions = connection.execute(select(AUDIT.c.action).where(AUDIT.c.action.like("notification.%"))).scalars()
        assert list(actions) == ["notification.sent"]


def test_the_webhook_receives_signed_json(place, monkeypatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    with Receiver() as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url, webhook_secret_env="HOOK_SECRET")
        run = run_notifications(place, NOW, dashboard_url=URL)
    assert run.error is None
    assert [(o.channel, o.status) for o in run.outcomes] == [("webhook", "sent")]
    [(path, headers, content)] = receiver.received
    assert path == "/hooks/ioc?token=abc123"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert hmac.compare_digest(headers["X-IOC-Signature"], signed(SECRET, content))
    assert json.loads(content) == {
        "rule": "SO-A đúng hạn",
        "subject": "on_time_rate",
        "subject_kind": "kpi",
        "scope": "agency",
        "code": "SO-A",
        "condition": "threshold",
        "value": 70.0,
        "threshold": 80.0,
        "expected": None,
        "score": None,
        "direction": "below",
        "day": "2025-06-20",
        "url": f"{URL}/explore",
    }


def test_an_unsigned_webhook_has_no_signature_and_a_missing_secret_is_an_error(place, monkeypatch) -> None:
    monkeypatch.delenv("HOOK_SECRET", raising=False)
    with Receiver() as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url)
        so_a_rule(place, name="signed", email=False, webhook_url=receiver.url, webhook_secret_env="HOOK_SECRET")
        run = run_notifications(place, NOW, dashboard_url=URL)
    assert len(receiver.received) == 1 and "X-IOC-Signature" not in receiver.received[0][1]
    assert sorted((o.status, o.error) for o in run.outcomes) == [
        ("retry", "HOOK_SECRET: not set (the rule's webhook secret)"),
        ("sent", None),
    ]


def test_a_failing_webhook_is_retried_with_backoff_shown_on_the_health_page_then_sent(place) -> None:
    with Receiver([500, 500]) as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url)
        first = run_notifications(place, NOW, dashboard_url=URL)
        assert [(o.status, o.error) for o in first.outcomes] == [("retry", "webhook: HTTP 500: receiver says no")]
        with place.connect() as connection:
            retry_at = connection.execute(select(NOTIFICATION.c.next_attempt_at)).scalar_one()
            [trouble] = troubles(connection, NOW)
        assert retry_at == NOW + timedelta(minutes=1)
        assert (trouble.rule, trouble.channel, trouble.failed, trouble.retrying) == ("SO-A đúng hạn", "webhook", 0, 1)
        assert trouble.last_error == "webhook: HTTP 500: receiver says no"
        # Not due yet: nothing is sent before the backoff.
        assert run_notifications(place, NOW + timedelta(seconds=59), dashboard_url=URL).outcomes == []
        second = run_notifications(place, NOW + timedelta(minutes=1), dashboard_url=URL)
        assert [o.status for o in second.outcomes] == ["retry"]
        with place.connect() as connection:
            retry_at = connection.execute(select(NOTIFICATION.c.next_attempt_at)).scalar_one()
        assert retry_at == NOW + timedelta(minutes=1) + timedelta(minutes=2)
        third = run_notifications(place, retry_at, dashboard_url=URL)
        assert [o.status for o in third.outcomes] == ["sent"]
    assert len(receiver.received) == 3
    assert statuses(place) == [("webhook", "sent", 3)]
    with place.connect() as connection:
        assert troubles(connection, retry_at) == []
        actions = connection.execute(
            select(AUDIT.c.action).where(AUDIT.c.action.like("notification.%")).order_by(AUDIT.c.id)
        ).scalars()
        assert list(actions) == ["notification.retry", "notification.retry", "notification.sent"]


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(30) == timedelta(hours=1)


def test_a_webhook_that_always_fails_is_given_up(place, monkeypatch) -> None:
    monkeypatch.setattr("ioc.notify.deliver.MAX_ATTEMPTS", 2)
    with Receiver([500, 500, 500]) as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url)
        run_notifications(place, NOW, dashboard_url=URL)
        last = run_notifications(place, NOW + timedelta(minutes=1), dashboard_url=URL)
        assert [o.status for o in last.outcomes] == ["failed"]
        assert (
            run_notifications(place, NOW + timedelta(hours=13), dashboard_url=URL).outcomes == []
        )  # same day: no new news
    assert statuses(place) == [("webhook", "failed", 2)]
    with place.connect() as connection:
        [trouble] = troubles(connection, NOW + timedelta(hours=2))
        assert (trouble.failed, trouble.retrying) == (1, 0)
        assert "notification.failed" in connection.execute(select(AUDIT.c.action)).scalars().all()


def test_a_hanging_webhook_times_out_in_bounded_time(place, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook, "READ_TIMEOUT", 1.0)  # the real 5 s, shortened: the same code path, 4 s sooner
    with Receiver(["hang"]) as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url)
        started = time.monotonic()
        run = run_notifications(place, NOW, dashboard_url=URL)
        elapsed = time.monotonic() - started
    assert [(o.status, o.error) for o in run.outcomes] == [("retry", "webhook: no answer within 1 s")]
    assert 1.0 <= elapsed < 1.0 + 3
    assert READ_TIMEOUT < TOTAL_TIMEOUT  # the read timeout, not the watchdog, ends a silent receiver


def test_a_webhook_trickling_its_answer_is_cut_off_in_bounded_time(place, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook, "TOTAL_TIMEOUT", 3.0)  # the real 10 s watchdog, shortened (a byte a second > read)
    with Receiver(["trickle"]) as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url)
        started = time.monotonic()
        run = run_notifications(place, NOW, dashboard_url=URL)
        elapsed = time.monotonic() - started
    assert [(o.status, o.error) for o in run.outcomes] == [("retry", "webhook: no answer within 3 s")]
    assert 3.0 <= elapsed < 3.0 + 3


def test_a_webhook_redirect_is_not_followed(place) -> None:
    with Receiver([302]) as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url)
        run = run_notifications(place, NOW, dashboard_url=URL)
    assert [(o.status, o.error) for o in run.outcomes] == [("retry", "webhook: HTTP 302 (redirects are not followed)")]
    assert len(receiver.received) == 1


def test_quiet_hours_hold_the_news_then_it_is_sent(place) -> None:
    with Receiver() as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url, quiet="22:00-06:00")
        night = datetime(2025, 6, 20, 23, 0)
        assert run_notifications(place, night, dashboard_url=URL).outcomes == []
        assert run_notifications(place, night + timedelta(hours=6, minutes=59), dashboard_url=URL).outcomes == []
        assert statuses(place) == [("webhook", "held", 0)]  # the 21st's news replaced the 20th's, still held
        morning = run_notifications(place, datetime(2025, 6, 21, 6, 0), dashboard_url=URL)
    assert [o.status for o in morning.outcomes] == ["sent"]
    assert [json.loads(content)["day"] for _, _, content in receiver.received] == ["2025-06-21"]
    assert statuses(place) == [("webhook", "sent", 1)]


def test_two_deliverers_never_send_one_notification_twice(place) -> None:
    """Both read the same due row; only the one whose claim wins sends it."""
    from ioc.notify import deliver as delivering

    with Receiver() as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url)
        run_notifications(place, NOW, send=False, dashboard_url=URL)
        [row] = delivering.due(place, NOW, 10)
        assert delivering.claim(place, row, NOW) is True
        assert delivering.claim(place, row, NOW) is False  # the second scheduler read the same row
        outcomes = [deliver(place, NOW + timedelta(seconds=1)) for _ in range(2)]
    assert outcomes == [[], []]  # claimed and leased: not due again before the lease ends
    assert receiver.received == []


def test_the_job_never_raises(place, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("ioc.notify.evaluate.evaluate", broken)
    run = run_notifications(place, NOW, dashboard_url=URL)
    assert run.error == "RuntimeError: database on fire"


def test_a_webhook_whose_rule_was_removed_fails_at_once(place) -> None:
    from ioc.notify.rules import remove_rule

    with Receiver() as receiver:
        so_a_rule(place, email=False, webhook_url=receiver.url)
        run_notifications(place, NOW, send=False, dashboard_url=URL)
        remove_rule(place, "SO-A đúng hạn", "admin", NOW)
        run = deliver(place, NOW)
    assert [(o.status, o.error) for o in run] == [("failed", "webhook: the rule or its webhook was removed")]
    assert receiver.received == []


def test_the_alert_deliverer_leaves_the_briefs_retries_to_the_brief(place, smtp) -> None:
    mailbox, settings = smtp
    with transaction(place) as connection:
        connection.execute(
            NOTIFICATION.insert().values(
                kind="brief",
                channel="email",
                recipient="lanh.dao@example.org",
                dedupe_key="brief:2025-06-20",
                payload={},
                status="pending",
                attempts=1,
                next_attempt_at=NOW - timedelta(minutes=5),
                created_at=NOW - timedelta(minutes=15),
            )
        )
    assert deliver(place, NOW, smtp=settings) == []
    assert mailbox.messages == []
    assert statuses(place) == [("email", "pending", 1)]
