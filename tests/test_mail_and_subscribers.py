"""E-mail to a real SMTP server on loopback (aiosmtpd), and the subscribers admins manage."""

from __future__ import annotations

import email
import socket
from datetime import datetime
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from ioc.errors import IOCError
from ioc.mail import SmtpSettings, message, send
from ioc.subscribers import list_subscribers, normalised_email, recipients, remove_subscriber, save_subscriber
from ioc.warehouse import schema
from ioc.warehouse.access import transaction

NOW = datetime(2026, 12, 2, 7, 0)


class Inbox:
    """An aiosmtpd handler keeping what arrives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


@pytest.fixture
def auth_smtp_server():
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"ioc", b"s3cret!")
        return AuthResult(success=ok)

    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def test_a_message_reaches_the_server_with_its_html_alternative(smtp_server):
    port, inbox = smtp_server
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", sender="ioc@tinh.gov.vn")
    send(settings, message(settings, ["lanh.dao@tinh.gov.vn"], "Bản tin điều hành", "Số liệu: 1.234", "<p>1.234</p>"))
    (rcpt, mail), *_ = inbox.messages
    assert rcpt == ["lanh.dao@tinh.gov.vn"]
    assert mail["Subject"] == "Bản tin điều hành"
    assert "ioc@tinh.gov.vn" in mail["From"]
    assert mail.get_body(("plain",)).get_content().strip() == "Số liệu: 1.234"
    assert mail.get_body(("html",)).get_content().strip() == "<p>1.234</p>"


def test_the_password_comes_from_the_named_variable(auth_smtp_server, monkeypatch):
    port, inbox = auth_smtp_server
    settings = SmtpSettings(
        host="127.0.0.1", port=port, security="none", username="ioc", password_env="IOC_TEST_PW", timeout=3
    )
    mail = message(settings, ["a@b.vn"], "x", "y")
    with pytest.raises(IOCError, match="IOC_TEST_PW: not set"):
        send(settings, mail)
    monkeypatch.setenv("IOC_TEST_PW", "wrong")
    with pytest.raises(IOCError, match=r"SMTP 127\.0\.0\.1") as refused:
        send(settings, mail)
    assert "wrong" not in str(refused.value)
    monkeypatch.setenv("IOC_TEST_PW", "s3cret!")
    send(settings, mail)
    assert len(inbox.messages) == 1


def test_starttls_is_required_before_a_password_is_sent(smtp_server, monkeypatch):
    port, inbox = smtp_server
    monkeypatch.setenv("IOC_TEST_PW", "s3cret!")
    settings = SmtpSettings(host="127.0.0.1", port=port, username="ioc", password_env="IOC_TEST_PW")
    with pytest.raises(IOCError, match="STARTTLS not offered"):
        send(settings, message(settings, ["a@b.vn"], "x", "y"))
    assert inbox.messages == []


def test_no_host_and_a_closed_port_are_clear_errors():
    with pytest.raises(IOCError, match="IOC_SMTP_HOST: not set"):
        send(SmtpSettings(), message(SmtpSettings(), ["a@b.vn"], "x", "y"))
    closed = SmtpSettings(host="127.0.0.1", port=1, security="none", timeout=2)
    with pytest.raises(IOCError, match=r"SMTP 127\.0\.0\.1:1"):
        send(closed, message(closed, ["a@b.vn"], "x", "y"))


@pytest.mark.parametrize("address", ["", "a", "a@b", "a b@c.vn", "<a@b.vn>", "a@b.vn, c@d.vn", "x" * 250 + "@b.vn"])
def test_only_one_plain_address_is_a_subscriber(address):
    with pytest.raises(IOCError, match="not an e-mail address"):
        normalised_email(address)


def test_subscribers_are_saved_changed_removed_and_audited(warehouse):
    save_subscriber(warehouse, " Lanh.Dao@Tinh.gov.vn ", "admin", NOW, name="Lãnh đạo", source_ip="10.0.0.5")
    save_subscriber(warehouse, "chuyen.vien@tinh.gov.vn", "admin", NOW, brief=False)
    save_subscriber(warehouse, "cu@tinh.gov.vn", "admin", NOW, active=False)
    with transaction(warehouse) as connection:
        assert recipients(connection, "brief") == ["lanh.dao@tinh.gov.vn"]
        assert recipients(connection, "alerts") == ["chuyen.vien@tinh.gov.vn", "lanh.dao@tinh.gov.vn"]
    save_subscriber(warehouse, "lanh.dao@tinh.gov.vn", "admin", NOW, alerts=False)
    remove_subscriber(warehouse, "cu@tinh.gov.vn", "admin", NOW)
    with pytest.raises(IOCError, match="no subscriber"):
        remove_subscriber(warehouse, "cu@tinh.gov.vn", "admin", NOW)
    with transaction(warehouse) as connection:
        assert [(s.email, s.brief, s.alerts) for s in list_subscribers(connection)] == [
            ("chuyen.vien@tinh.gov.vn", False, True),
            ("lanh.dao@tinh.gov.vn", True, False),
        ]
        audit = schema.AuditLog.__table__
        logged = connection.execute(select(audit.c.action, audit.c.target, audit.c.source_ip).order_by(audit.c.id))
        assert [tuple(row) for row in logged if row.action.startswith("subscriber.")] == [
            ("subscriber.add", "lanh.dao@tinh.gov.vn", "10.0.0.5"),
            ("subscriber.add", "chuyen.vien@tinh.gov.vn", "local"),  # the command line: this machine
            ("subscriber.add", "cu@tinh.gov.vn", "local"),
            ("subscriber.change", "lanh.dao@tinh.gov.vn", "local"),
            ("subscriber.remove", "cu@tinh.gov.vn", "local"),
        ]
