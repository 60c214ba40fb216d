"""Sending the daily brief to a real SMTP server on loopback (aiosmtpd, with sign-in): through ``ioc brief --send``
(the real command, in a subprocess) and the scheduler's job function. What arrives is checked (recipients, subject,
the HTML part, the PDF attachment read back); a second run the same day sends nothing; a refused message is
recorded with its error and retried with backoff, then given up; the SMTP password never shows."""

from __future__ import annotations

import email
import logging
import socket
import subprocess
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select
from test_brief import hand_built, load

from helpers import run_ioc
from ioc.brief import job as brief_job
from ioc.config import TIMEZONE
from ioc.subscribers import save_subscriber
from ioc.warehouse import schema

#: aiosmtpd warns that sign-in without TLS is unsafe: on loopback, for the test, it is what is meant.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
PASSWORD = "s3cret-Brief-PW-7431"
PASSWORD_VARIABLE = "IOC_TEST_BRIEF_SMTP_PASSWORD"
NOTIFICATION = schema.Notification.__table__
AUDIT = schema.AuditLog.__table__
DAY = "2026-12-10"
SUBJECT = "Bản tin điều hành ngày 10/12/2026 — Thành phố Huế"


class Inbox:
    """An SMTP handler keeping what arrives; it refuses the next ``refuse`` messages (554)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        if self.refuse:
            self.refuse -= 1
            return "554 5.7.1 refused by the test server"
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    return AuthResult(success=auth_data.login == b"ioc" and auth_data.password == PASSWORD.encode())


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def smtp_env(port: int, password: str = PASSWORD) -> dict[str, str]:
    return {
        "IOC_SMTP_HOST": "127.0.0.1",
        "IOC_SMTP_PORT": str(port),
        "IOC_SMTP_SECURITY": "none",
        "IOC_SMTP_USERNAME": "ioc",
        "IOC_SMTP_PASSWORD_ENV": PASSWORD_VARIABLE,
        "IOC_SMTP_SENDER": "ioc@ubnd.example.vn",
        "IOC_SMTP_TIMEOUT": "5",
        PASSWORD_VARIABLE: password,
    }


@pytest.fixture
def mailing(warehouse, warehouse_env, smtp, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A warehouse with the hand-built dossiers, the SMTP settings in this process's environment too (for the job)."""
    load(warehouse, hand_built())
    inbox, port = smtp
    environment = {**warehouse_env, **smtp_env(port)}
    for name, value in smtp_env(port).items():
        monkeypatch.setenv(name, value)
    brief_job._engine.cache_clear()
    yield warehouse, environment, inbox
    brief_job._engine.cache_clear()


def subscribe(engine, *addresses: str, **options) -> None:  # type: ignore[no-untyped-def]
    for address in addresses:
        save_subscriber(engine, address, "test", datetime(2026, 12, 1), **options)


def rows(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return list(connection.execute(select(NOTIFICATION).order_by(NOTIFICATION.c.recipient)))


def audited(engine, prefix: str = "brief.") -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        query = select(AUDIT).where(AUDIT.c.action.startswith(prefix)).order_by(AUDIT.c.id)
        return list(connection.execute(query))


def check_brief(tmp_path: Path, message: EmailMessage) -> None:
    """The subject, the HTML and text parts, and the PDF attachment read back by pdftotext."""
    assert message["Subject"] == SUBJECT
    assert "ioc@ubnd.example.vn" in message["From"]
    html = message.get_body(("html",))
    assert html is not None and "Bản tin điều hành ngày 10/12/2026" in html.get_content()
    text = message.get_body(("plain",))
    assert text is not None and "Hồ sơ tiếp nhận: 18 (+12)" in text.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "ban-tin-dieu-hanh-2026-12-10.pdf"
    path = tmp_path / "attached.pdf"
    path.write_bytes(attachment.get_content())
    read = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Bản tin điều hành ngày 10/12/2026" in read and "86,67 %" in read


def test_ioc_brief_send_delivers_to_the_brief_subscribers_once(mailing, tmp_path: Path) -> None:
    engine, environment, inbox = mailing
    # through the core (the command `ioc subscriber add` has its own test below): a command's start is seconds
    subscribe(engine, "a@so.example.vn", name="Nguyễn Văn A")
    subscribe(engine, "b@so.example.vn", alerts=False)
    subscribe(engine, "c@so.example.vn", brief=False)
    subscribe(engine, "d@so.example.vn", active=False)
    done = run_ioc("brief", "--date", DAY, "--send", env=environment)
    assert done.returncode == 0, done.stderr
    assert "sent to 2, failed for 0" in done.stdout
    assert sorted(to for to, _ in inbox.messages) == [["a@so.example.vn"], ["b@so.example.vn"]]
    for _, message in inbox.messages:
        check_brief(tmp_path, message)
    sent = rows(engine)
    assert [(r.recipient, r.kind, r.channel, r.dedupe_key, r.status, r.attempts, r.last_error) for r in sent] == [
        ("a@so.example.vn", "brief", "email", "brief:2026-12-10", "sent", 1, None),
        ("b@so.example.vn", "brief", "email", "brief:2026-12-10", "sent", 1, None),
    ]
    again = run_ioc("brief", "--date", DAY, "--send", env=environment)
    assert again.returncode == 0, again.stderr
    assert "sent to 0, failed for 0, 2 already sent" in again.stdout
    assert len(inbox.messages) == 2
    entries = audited(engine)
    assert [(e.action, e.target, e.actor.startswith("cli:")) for e in entries] == [
        ("brief.send", "a@so.example.vn", True),
        ("brief.send", "b@so.example.vn", True),
    ]
    for output in (done.stdout, done.stderr, again.stdout, again.stderr):
        assert PASSWORD not in output


def test_the_scheduled_job_sends_once_a_day_even_after_a_restart(mailing, tmp_path: Path) -> None:
    engine, _environment, inbox = mailing
    subscribe(engine, "a@so.example.vn", "b@so.example.vn")
    brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 0))
    assert sorted(to for to, _ in inbox.messages) == [["a@so.example.vn"], ["b@so.example.vn"]]
    check_brief(tmp_path, inbox.messages[0][1])
    brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 10))  # the same job's next firing
    brief_job._engine.cache_clear()  # a restarted scheduler: nothing kept in memory
    brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 20))
    assert len(inbox.messages) == 2
    assert [(r.status, r.attempts) for r in rows(engine)] == [("sent", 1), ("sent", 1)]
    assert {e.actor for e in audited(engine)} == {"scheduler"}
    subscribe(engine, "c@so.example.vn")  # added during the hour: sent at the next firing, once
    brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 30))
    assert [to for to, _ in inbox.messages[2:]] == [["c@so.example.vn"]]


def test_a_refused_message_is_recorded_and_retried_with_backoff(mailing) -> None:
    engine, _environment, inbox = mailing
    subscribe(engine, "a@so.example.vn")
    inbox.refuse = 1
    brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 0))
    [row] = rows(engine)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, datetime(2026, 12, 10, 7, 10))
    assert "554" in row.last_error and "refused by the test server" in row.last_error
    brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 5))  # not due yet: left alone
    assert rows(engine)[0].attempts == 1 and inbox.messages == []
    brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 10))
    [row] = rows(engine)
    assert (row.status, row.attempts, row.last_error, row.sent_at) == ("sent", 2, None, datetime(2026, 12, 10, 7, 10))
    assert [to for to, _ in inbox.messages] == [["a@so.example.vn"]]
    entries = audited(engine)
    assert [(e.action, e.details["attempt"], e.details["status"]) for e in entries] == [
        ("brief.send_failed", 1, "pending"),
        ("brief.send", 2, "sent"),
    ]
    assert "554" in entries[0].details["error"]


def test_a_server_that_keeps_refusing_is_given_up_after_three_attempts(mailing) -> None:
    engine, _environment, inbox = mailing
    subscribe(engine, "a@so.example.vn")
    inbox.refuse = 99
    for minute in (0, 10, 20, 30, 40, 50):
        brief_job.scheduled_brief(datetime(2026, 12, 10, 7, minute))
    [row] = rows(engine)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    assert "554" in row.last_error
    assert [e.details["status"] for e in audited(engine)] == ["pending", "pending", "failed"]
    assert inbox.refuse == 96 and inbox.messages == []


def test_a_server_that_is_down_is_recorded_and_the_job_does_not_raise(
    warehouse, warehouse_env, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    load(warehouse, hand_built())
    for name, value in smtp_env(_free_port()).items():  # nothing listens there
        monkeypatch.setenv(name, value)
    brief_job._engine.cache_clear()
    subscribe(warehouse, "a@so.example.vn")
    with caplog.at_level(logging.INFO, logger="ioc.brief"):
        brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 0))
    [row] = rows(warehouse)
    assert row.status == "pending" and row.attempts == 1 and "refused" in row.last_error.lower()
    assert any("a@so.example.vn" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    brief_job._engine.cache_clear()


def test_a_wrong_password_fails_without_showing_any_password(
    mailing, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    engine, environment, inbox = mailing
    subscribe(engine, "a@so.example.vn")
    wrong = "wrong-Brief-PW-9917"
    done = run_ioc("brief", "--date", DAY, "--send", env={**environment, PASSWORD_VARIABLE: wrong})
    assert done.returncode == 1 and "ioc: a@so.example.vn: SMTP 127.0.0.1:" in done.stderr
    assert "Traceback" not in done.stderr
    monkeypatch.setenv(PASSWORD_VARIABLE, wrong)
    with caplog.at_level(logging.DEBUG):
        brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 30))
    [row] = rows(engine)
    assert row.status == "pending" and row.attempts == 2 and row.last_error.startswith("SMTP 127.0.0.1:")
    shown = [done.stdout, done.stderr, caplog.text, row.last_error, *(str(e.details) for e in audited(engine))]
    for text in shown:
        assert PASSWORD not in text and wrong not in text
    assert inbox.messages == []


def test_without_smtp_the_job_logs_one_line_and_records_nothing(
    warehouse, warehouse_env, caplog: pytest.LogCaptureFixture
) -> None:
    subscribe(warehouse, "a@so.example.vn")
    brief_job._engine.cache_clear()
    with caplog.at_level(logging.DEBUG, logger="ioc.brief"):
        brief_job.scheduled_brief(datetime(2026, 12, 10, 7, 0))
    assert [r.getMessage() for r in caplog.records if r.name == "ioc.brief"] == [
        "brief: IOC_SMTP_HOST is not set, no brief sent"
    ]
    assert rows(warehouse) == [] and audited(warehouse) == []


def test_ioc_brief_send_without_smtp_refuses_in_one_line(warehouse, warehouse_env) -> None:
    done = run_ioc("brief", "--date", DAY, "--send", env=warehouse_env)
    assert (
        done.returncode == 1
        and done.stderr.strip() == "ioc: error: IOC_SMTP_HOST: not set, so IOC cannot send the brief"
    )


def test_the_job_fires_at_seven_local_time_and_retries_within_the_hour() -> None:
    trigger = brief_job.trigger()
    local = TIMEZONE

    def following(moment: datetime) -> datetime:
        fired = trigger.get_next_fire_time(None, moment.replace(tzinfo=local))
        return fired.astimezone(local).replace(tzinfo=None)

    assert following(datetime(2026, 12, 10, 6, 59)) == datetime(2026, 12, 10, 7, 0)
    assert following(datetime(2026, 12, 10, 7, 1)) == datetime(2026, 12, 10, 7, 10)
    assert following(datetime(2026, 12, 10, 7, 51)) == datetime(2026, 12, 11, 7, 0)


def test_ioc_subscriber_add_list_remove_is_audited(warehouse, warehouse_env) -> None:
    added = run_ioc("subscriber", "add", " A@So.Example.VN ", "--name", "Trần Thị B", "--no-alerts", env=warehouse_env)
    assert added.returncode == 0, added.stderr
    listed = run_ioc("subscriber", "list", "--format", "json", env=warehouse_env)
    assert '"email": "a@so.example.vn"' in listed.stdout and '"alerts": false' in listed.stdout
    bad = run_ioc("subscriber", "add", "not-an-address", env=warehouse_env)
    assert bad.returncode == 1 and "not an e-mail address" in bad.stderr
    removed = run_ioc("subscriber", "remove", "a@so.example.vn", env=warehouse_env)
    assert removed.returncode == 0, removed.stderr
    again = run_ioc("subscriber", "remove", "a@so.example.vn", env=warehouse_env)
    assert again.returncode == 1 and "no subscriber a@so.example.vn" in again.stderr
    entries = audited(warehouse, "subscriber.")
    assert [(e.action, e.target, e.actor.startswith("cli:")) for e in entries] == [
        ("subscriber.add", "a@so.example.vn", True),
        ("subscriber.remove", "a@so.example.vn", True),
    ]


def test_every_smtp_setting_is_documented_in_the_readmes_brief_section() -> None:
    from helpers import REPO
    from ioc.mail import SmtpSettings

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The daily brief", 1)[1].split("\n## ", 1)[0]
    for name in SmtpSettings.model_fields:
        assert f"`IOC_SMTP_{name.upper()}`" in section, name


def test_the_scheduler_process_schedules_the_brief_job(warehouse, warehouse_env, monkeypatch) -> None:
    """``run_scheduler`` adds the job (07:00 local, in the in-memory store, on a one-thread executor of its own)
    beside the collectors' sync."""
    import signal
    import threading

    from ioc import scheduler as process

    built = []
    original = process.build_scheduler
    monkeypatch.setattr(process, "build_scheduler", lambda *a, **k: built.append(original(*a, **k)) or built[-1])
    seen = {}

    def look_then_stop() -> None:
        job = built[0].get_job(brief_job.JOB_ID, jobstore="internal")
        seen["job"] = job and (job.func, job.trigger, job.next_run_time.astimezone(TIMEZONE).hour)
        seen["executor"] = job and (job.executor, built[0]._lookup_executor(job.executor)._pool._max_workers)
        process.STOP.set()

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    timer = threading.Timer(2.0, look_then_stop)
    timer.start()
    try:
        process.run_scheduler(sync_seconds=60)
    finally:
        timer.cancel()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    func, trigger, hour = seen["job"]
    assert func is brief_job.scheduled_brief and hour == 7
    assert seen["executor"] == ("brief", 1)  # its own thread: never one of the collectors' workers
    assert str(trigger) == "cron[hour='7', minute='0,10,20,30,40,50']" and str(trigger.timezone) == "Asia/Ho_Chi_Minh"


def test_two_senders_claiming_the_same_recipient_at_once_send_it_once(warehouse, monkeypatch) -> None:
    """The second sender read no row (the first had not committed yet), inserts, and meets the unique key: it lets
    the recipient go instead of failing its run."""
    from ioc.brief import send as sending

    day, now = datetime(2026, 12, 10).date(), datetime(2026, 12, 10, 7, 0)
    assert sending.claim(warehouse, day, "a@so.example.vn", now) == 1
    monkeypatch.setattr(sending, "_row", lambda *args: None)  # what the second sender saw
    assert sending.claim(warehouse, day, "a@so.example.vn", now) is None
    monkeypatch.undo()
    assert [(r.status, r.attempts) for r in rows(warehouse)] == [("pending", 1)]
