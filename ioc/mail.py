"""Sending e-mail by SMTP, configured by ``IOC_SMTP_*`` variables; the password is read from the environment variable
that ``IOC_SMTP_PASSWORD_ENV`` names, so it is never stored, logged or shown."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ioc.errors import IOCError

#: The largest message IOC sends (bytes, attachments included).
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


class SmtpSettings(BaseSettings):
    """Where and how IOC sends e-mail. Every field is an ``IOC_SMTP_``-prefixed environment variable."""

    model_config = SettingsConfigDict(env_prefix="IOC_SMTP_", extra="ignore", frozen=True)

    host: str | None = Field(default=None, description="The SMTP server's host name; unset: IOC sends no e-mail.")
    port: int = Field(default=25, ge=1, le=65535, description="The SMTP server's port.")
    security: Literal["none", "starttls", "ssl"] = Field(
        default="starttls", description="none, starttls (upgrade the connection; required when offered) or ssl."
    )
    username: str | None = Field(default=None, description="The account to sign in with; unset: no sign-in.")
    password_env: str | None = Field(
        default=None, description="The name of the environment variable that holds the account's password."
    )
    sender: str = Field(default="ioc@localhost", description="The From address.")
    sender_name: str = Field(default="IOC — Trung tâm giám sát, điều hành thông minh", description="The From name.")
    timeout: float = Field(default=20.0, gt=0, le=300, description="Seconds to wait on the server, per operation.")


def load_smtp_settings() -> SmtpSettings:
    """Read ``IOC_SMTP_*``, a validation error turned into one line naming the variable."""
    try:
        return SmtpSettings()
    except ValidationError as error:
        first = error.errors()[0]
        variable = "IOC_SMTP_" + str(first["loc"][0]).upper() if first["loc"] else "IOC_SMTP settings"
        raise IOCError(f"{variable}: {first['msg']}") from None


def message(settings: SmtpSettings, to: list[str], subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A message from IOC: plain text, with an HTML alternative when given."""
    mail = EmailMessage()
    mail["From"] = formataddr((settings.sender_name, settings.sender))
    mail["To"] = ", ".join(to)
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    mail.set_content(text)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    return mail


def _password(settings: SmtpSettings) -> str | None:
    if not settings.username:
        return None
    if not settings.password_env:
        raise IOCError("IOC_SMTP_PASSWORD_ENV: must name the variable holding the password of IOC_SMTP_USERNAME")
    value = os.environ.get(settings.password_env)
    if value is None:
        raise IOCError(f"{settings.password_env}: not set (IOC_SMTP_PASSWORD_ENV names it)")
    return value


def send(settings: SmtpSettings, mail: EmailMessage) -> None:
    """Send one message, or raise :class:`IOCError` saying why (not configured, refused, timed out)."""
    if not settings.host:
        raise IOCError("IOC_SMTP_HOST: not set, so IOC cannot send e-mail")
    if len(mail.as_bytes()) > MAX_MESSAGE_BYTES:
        raise IOCError(f"e-mail: the message is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
    password = _password(settings)
    context = ssl.create_default_context()
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.ehlo()
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                elif settings.username:
                    raise IOCError(f"SMTP {settings.host}: STARTTLS not offered, so the password is not sent")
            if settings.username and password is not None:
                client.login(settings.username, password)
            client.send_message(mail)
    except (smtplib.SMTPException, OSError) as error:
        raise IOCError(f"SMTP {settings.host}:{settings.port}: {error}") from None
