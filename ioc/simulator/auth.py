"""The pull endpoint's authentication: none, an API key header, HTTP basic, or OAuth2 client credentials.

OAuth2 follows RFC 6749 §4.4: the client authenticates at the token endpoint with HTTP basic or with
``client_id``/``client_secret`` form fields and gets a bearer token (RFC 6750) valid for ``token_ttl_seconds``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from ioc.simulator.config import SimulatorConfig

REALM = "ioc-simulator"


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, extra headers and a JSON body."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an ``Authorization: Basic …`` header, or None."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


class Authenticator:
    """Checks pull requests and issues OAuth2 tokens, per the configured mode."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, headers: Mapping[str, str]) -> Reply | None:
        """None when the request may pass, else the 401 to send."""
        config = self.config
        mode = config.auth
        if mode == "none":
            return None
        if mode == "apikey":
            if _same(headers.get("X-API-Key"), config.api_key):
                return None
            return Reply(401, {"error": "invalid_api_key", "message": "header X-API-Key is missing or wrong"})
        if mode == "basic":
            credentials = basic_credentials(headers.get("Authorization"))
            if credentials and _same(credentials[0], config.username) and _same(credentials[1], config.password):
                return None
            return Reply(
                401,
                {"error": "unauthorized", "message": "HTTP basic credentials are missing or wrong"},
                {"WWW-Authenticate": f'Basic realm="{REALM}"'},
            )
        return self._check_bearer(headers.get("Authorization"))

    def _check_bearer(self, header: str | None) -> Reply | None:
        if not header or header[:7].lower() != "bearer ":
            return Reply(
                401,
                {"error": "unauthorized", "message": "a bearer token from /oauth/token is required"},
                {"WWW-Authenticate": f'Bearer realm="{REALM}"'},
            )
        token = header[7:].strip()
        with self._lock:
            expiry = self._tokens.get(token)
            if expiry is not None and expiry <= time.monotonic():
                del self._tokens[token]
                expiry = None
        if expiry is not None:
            return None
        return Reply(
            401,
            {"error": "invalid_token", "message": "the access token is unknown or expired"},
            {"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token"'},
        )

    def token(self, headers: Mapping[str, str], form: Mapping[str, str]) -> Reply:
        """Answer a token request (``POST /oauth/token``)."""
        no_store = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"}, no_store)
        credentials = basic_credentials(headers.get("Authorization"))
        if credentials is not None:
            client_id, client_secret = unquote_plus(credentials[0]), unquote_plus(credentials[1])
        else:
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if not (_same(client_id, self.config.client_id) and _same(client_secret, self.config.client_secret)):
            headers_out = {**no_store, "WWW-Authenticate": f'Basic realm="{REALM}"'}
            return Reply(401, {"error": "invalid_client"}, headers_out)
        token = secrets.token_urlsafe(24)
        ttl = self.config.token_ttl_seconds
        now = time.monotonic()
        with self._lock:
            self._tokens = {t: e for t, e in self._tokens.items() if e > now}
            self._tokens[token] = now + ttl
        return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": ttl}, no_store)
