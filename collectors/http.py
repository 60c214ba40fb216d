"""HTTP for collectors: an httpx client with the configured auth, and JSON requests retried with backoff."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from ioc.collecting.kind import SourceError


class RetryableError(Exception):
    """A failure worth another try: 5xx, 429, a time-out, a broken connection, an unreadable body."""


class ClientCredentials(httpx.Auth):
    """OAuth2 client credentials (RFC 6749 §4.4): fetch a token, reuse it until it expires, renew on 401."""

    requires_response_body = True

    def __init__(self, token_url: str, client_id: str, client_secret: str, scope: str | None = None) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def _token_request(self) -> httpx.Request:
        data = {"grant_type": "client_credentials", **({"scope": self.scope} if self.scope else {})}
        request = httpx.Request("POST", self.token_url, data=data)
        return next(httpx.BasicAuth(self.client_id, self.client_secret).auth_flow(request))

    def _take_token(self, response: httpx.Response) -> None:
        if response.status_code >= 500:
            raise RetryableError(f"token endpoint answered {response.status_code}")
        if response.status_code != 200:
            raise SourceError(
                f"token endpoint {self.token_url} refused the client credentials ({response.status_code})"
            )
        try:
            body = response.json()
            self._token = str(body["access_token"])
        except (ValueError, KeyError, TypeError):
            raise RetryableError("token endpoint answered without an access_token") from None
        lifetime = float(body.get("expires_in") or 300)
        self._expires_at = time.monotonic() + max(lifetime - 30, lifetime / 2)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                self._take_token((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:
            with self._lock:
                self._take_token((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request


class ApiKey(httpx.Auth):
    """A fixed key in a request header."""

    def __init__(self, header: str, key: str) -> None:
        self.header = header
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self.key
        yield request


def default_token_url(url: str) -> str:
    """``{scheme}://{host}/oauth/token`` of the source's address."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/oauth/token"


def make_auth(
    mode: str, secrets: Mapping[str, str], url: str, header: str, token_url: str | None, scope: str | None
) -> httpx.Auth | None:
    """The httpx auth for a collector's auth mode."""
    if mode == "apikey":
        return ApiKey(header, secrets["api_key"])
    if mode == "basic":
        return httpx.BasicAuth(secrets["username"], secrets["password"])
    if mode == "oauth2":
        return ClientCredentials(
            token_url or default_token_url(url), secrets["client_id"], secrets["client_secret"], scope
        )
    return None


def _checked_json(response: httpx.Response) -> Any:
    status = response.status_code
    if status >= 500 or status == 429:
        raise RetryableError(f"{status} {response.reason_phrase}")
    if status >= 400:
        raise SourceError(f"the source refused the request: {status} {response.reason_phrase} {response.text[:200]!r}")
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise RetryableError(f"unreadable JSON ({len(response.content)} bytes)") from None


def get_json(
    client: httpx.Client,
    url: str,
    params: Mapping[str, Any],
    attempts: int,
    backoff_initial: float,
    backoff_max: float,
    check: Any = None,
) -> Any:
    """GET ``url`` and decode JSON, retrying retryable failures with jittered exponential backoff.

    ``check(body)`` may raise :class:`RetryableError` for a body of the wrong shape. After the last attempt
    the error is a :class:`~ioc.collecting.kind.SourceError` naming the address and the last failure.
    """
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=backoff_initial, max=backoff_max),
        retry=retry_if_exception_type((RetryableError, httpx.TransportError)),
    )
    try:
        for attempt in retrying:
            with attempt:
                body = _checked_json(client.get(url, params=params))
                if check is not None:
                    check(body)
                return body
    except RetryError as error:
        last = error.last_attempt.exception()
        detail = f"{type(last).__name__}: {last}" if isinstance(last, httpx.TransportError) else str(last)
        raise SourceError(f"source {url} failed after {attempts} attempts: {detail}") from None
    raise AssertionError("unreachable")  # pragma: no cover
