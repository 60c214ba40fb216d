"""HTTP for collectors: an httpx client with the configured auth, and JSON requests retried with backoff.

Hostile by default: a request has a total deadline (httpx's time-out is per read, so a source sending a byte every
few seconds would never trip it), can be abandoned when the run is asked to stop, and reads at most
``max_bytes`` of body. The deadline and the stop are enforced by the client's network streams
(:class:`RequestBudget`), so they hold while waiting for headers as well as for the body.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
import orjson
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from ioc.collecting.kind import SourceError


class RetryableError(Exception):
    """A failure worth another try: 5xx, 429, a time-out, a broken connection, an unreadable body."""


class PageTooLargeError(SourceError):
    """The body is larger than the cap; asking again would bring the same, so it is not retried."""


class RequestAbandonedError(SourceError):
    """The run was asked to stop while a request was in flight or waiting to be retried."""


#: Set in a decoded body that held invalid UTF-8 (never a key a source's JSON has: it is added after decoding).
INVALID_UTF8 = "__ioc_invalid_utf8__"
#: Largest answer of an OAuth2 token endpoint that is read.
TOKEN_MAX_BYTES = 65536
#: Longest wait on the socket between checks of the deadline and of the stop request.
POLL_SECONDS = 0.25


class RequestBudget:
    """The total deadline of the request in flight and the run's stop request, checked by the client's streams."""

    def __init__(self, deadline_seconds: float, abort: threading.Event | None = None) -> None:
        self.deadline_seconds = deadline_seconds
        self.abort = abort if abort is not None else threading.Event()
        self._deadline_at = time.monotonic() + deadline_seconds

    def begin(self) -> None:
        """A new attempt starts: its deadline runs from now."""
        self._deadline_at = time.monotonic() + self.deadline_seconds

    def remaining(self, error: type[httpcore.TimeoutException] = httpcore.ReadTimeout) -> float:
        """Seconds left; raises when the run asked to stop or the deadline has passed."""
        if self.abort.is_set():
            raise RequestAbandonedError("the request in flight was abandoned: the run was asked to stop")
        left = self._deadline_at - time.monotonic()
        if left <= 0:
            raise error(f"the request took longer than its deadline of {self.deadline_seconds:g} s")
        return left

    def clamp(self, timeout: float | None, error: type[httpcore.TimeoutException] = httpcore.ReadTimeout) -> float:
        return min(self.remaining(error), timeout if timeout is not None else float("inf"))

    def sleep(self, seconds: float) -> None:
        """Wait between attempts, ending early when the run is asked to stop."""
        if self.abort.wait(seconds):
            raise RequestAbandonedError("the run was asked to stop while waiting to retry")


class _BudgetStream(httpcore.NetworkStream):
    """A socket stream whose reads wait at most :data:`POLL_SECONDS` at a time, checking the budget in between."""

    def __init__(self, stream: httpcore.NetworkStream, budget: RequestBudget) -> None:
        self.stream = stream
        self.budget = budget

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        waited = 0.0
        while True:
            step = min(POLL_SECONDS, self.budget.clamp(timeout))
            try:
                return self.stream.read(max_bytes, step)
            except httpcore.ReadTimeout:  # nothing arrived in this step: the socket is as it was
                waited += step
                if timeout is not None and waited >= timeout:
                    raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self.budget.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        upgraded = self.stream.start_tls(ssl_context, server_hostname, self.budget.clamp(timeout))
        return _BudgetStream(upgraded, self.budget)

    def get_extra_info(self, info: str) -> Any:
        return self.stream.get_extra_info(info)


class _BudgetBackend(httpcore.NetworkBackend):
    """httpcore's network backend, its streams wrapped in :class:`_BudgetStream`."""

    def __init__(self, backend: httpcore.NetworkBackend, budget: RequestBudget) -> None:
        self.backend = backend
        self.budget = budget

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, *args: Any, **kwargs: Any) -> Any:
        timeout = self.budget.clamp(timeout, httpcore.ConnectTimeout)
        return _BudgetStream(self.backend.connect_tcp(host, port, timeout, *args, **kwargs), self.budget)

    def connect_unix_socket(self, path: str, timeout: float | None = None, *args: Any, **kwargs: Any) -> Any:
        timeout = self.budget.clamp(timeout, httpcore.ConnectTimeout)
        return _BudgetStream(self.backend.connect_unix_socket(path, timeout, *args, **kwargs), self.budget)

    def sleep(self, seconds: float) -> None:
        self.backend.sleep(seconds)


def make_client(
    auth: httpx.Auth | None,
    timeout: float,
    budget: RequestBudget,
    headers: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client whose every connection (direct or through a proxy from the environment) obeys ``budget``.

    With ``transport`` (``Source.transport``, given by tests) the client uses it instead of the network; it has no
    connections for the budget to bound."""
    if transport is not None:
        return httpx.Client(auth=auth, timeout=timeout, headers=dict(headers), transport=transport)
    client = httpx.Client(auth=auth, timeout=timeout, headers=dict(headers))
    transports = [client._transport, *client._mounts.values()]  # httpx has no public hook for the network backend
    for transport in filter(None, transports):
        pool = getattr(transport, "_pool", None)
        if pool is None or not hasattr(pool, "_network_backend"):
            client.close()
            raise RuntimeError(f"cannot bound requests with this httpx ({httpx.__version__}): no connection pool")
        pool._network_backend = _BudgetBackend(pool._network_backend, budget)
    return client


class ClientCredentials(httpx.Auth):
    """OAuth2 client credentials (RFC 6749 §4.4): fetch a token, reuse it until it expires, renew on 401.

    Only the token endpoint's answers are read here (one announced larger than :data:`TOKEN_MAX_BYTES` is refused);
    the pages' bodies are left to the caller, who reads them within the page cap.
    """

    requires_response_body = False

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
            announced = response.headers.get("content-length", "")
            if announced.isascii() and announced.isdigit() and int(announced) > TOKEN_MAX_BYTES:
                raise PageTooLargeError  # httpx reads the answers inside an auth flow whole: refuse them first
            body = orjson.loads(response.read()[: TOKEN_MAX_BYTES + 1])
            token = body["access_token"]
            if not isinstance(token, str) or not token or len(token) > 8192:
                raise TypeError
            self._token = token
            lifetime = min(max(float(body.get("expires_in") or 300), 1.0), 86400.0)
        except (ValueError, KeyError, TypeError, AttributeError, PageTooLargeError):
            raise RetryableError("token endpoint answered without an access_token") from None
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


def _too_large(max_bytes: int) -> PageTooLargeError:
    return PageTooLargeError(
        f"the page is larger than max_page_bytes ({max_bytes} bytes): lower page_size or raise max_page_bytes"
    )


def _read_body(response: httpx.Response, max_bytes: int | None) -> bytearray:
    """The body, refusing it as soon as it passes ``max_bytes`` (announced or read)."""
    announced = response.headers.get("content-length", "")
    if max_bytes is not None and announced.isascii() and announced.isdigit() and int(announced) > max_bytes:
        raise _too_large(max_bytes)
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if max_bytes is not None and len(body) > max_bytes:
            raise _too_large(max_bytes)
    return body


def decode_json(content: bytes | bytearray, max_containers: int | None = None) -> Any:
    """JSON from UTF-8 bytes. Invalid UTF-8 inside strings becomes U+FFFD, for the parser to reject the records
    holding it (an object body then says so under :data:`INVALID_UTF8`); a body nested deeper than 1024 levels or
    otherwise unreadable is a :class:`RetryableError`.

    A body with more than ``max_containers`` ``{`` and ``[`` (an upper bound on its objects and arrays, each some
    60 bytes in memory for 2 in the body) is refused before decoding: a page of ``{}`` would take 20 times its size.
    """
    if max_containers is not None:
        containers = content.count(b"{") + content.count(b"[")
        if containers > max_containers:
            raise PageTooLargeError(
                f"the page holds up to {containers} JSON objects and arrays, more than its records can "
                f"({max_containers}): the source sent something else than dossiers"
            )
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        reason = str(error)
        if "UTF-8" in reason:
            try:
                body = orjson.loads(bytes(content).decode("utf-8", errors="replace"))
            except orjson.JSONDecodeError as second:
                reason = str(second)
            else:
                if isinstance(body, dict):
                    body[INVALID_UTF8] = True
                return body
    if "depth limit" in reason:
        reason = "nested deeper than 1024 levels"
    raise RetryableError(f"unreadable JSON ({len(content)} bytes): {reason[:120]}")


def _checked_json(response: httpx.Response, max_bytes: int | None, max_containers: int | None) -> Any:
    status = response.status_code
    if status >= 500 or status == 429:
        raise RetryableError(f"{status} {response.reason_phrase}")
    if status >= 400:
        start = bytearray()
        for chunk in response.iter_bytes():
            start += chunk
            if len(start) >= 200:
                break
        text = start[:200].decode("utf-8", errors="replace")
        raise SourceError(f"the source refused the request: {status} {response.reason_phrase} {text!r}")
    return decode_json(_read_body(response, max_bytes), max_containers)


def get_json(
    client: httpx.Client,
    url: str,
    params: Mapping[str, Any],
    attempts: int,
    backoff_initial: float,
    backoff_max: float,
    check: Any = None,
    *,
    budget: RequestBudget | None = None,
    max_bytes: int | None = None,
    max_containers: int | None = None,
    method: str = "GET",
    json_body: Any = None,
) -> Any:
    """GET ``url`` (or ``method`` it with ``json_body``) and decode JSON, retrying retryable failures with jittered
    exponential backoff.

    ``check(body)`` may raise :class:`RetryableError` for a body of the wrong shape. After the last attempt
    the error is a :class:`~ioc.collecting.kind.SourceError` naming the address and the last failure. ``budget``
    (that of the client's :func:`make_client`) gives each attempt its deadline; a body over ``max_bytes``, or with more
    than ``max_containers`` objects and arrays (:func:`decode_json`), is refused.
    """
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=backoff_initial, max=backoff_max),
        retry=retry_if_exception_type((RetryableError, httpx.TransportError)),
        sleep=budget.sleep if budget is not None else time.sleep,
    )
    try:
        for attempt in retrying:
            with attempt:
                if budget is not None:
                    budget.begin()
                with client.stream(method, url, params=params, json=json_body) as response:
                    body = _checked_json(response, max_bytes, max_containers)
                if check is not None:
                    check(body)
                return body
    except RetryError as error:
        last = error.last_attempt.exception()
        detail = f"{type(last).__name__}: {last}" if isinstance(last, httpx.TransportError) else str(last)
        raise SourceError(f"source {url} failed after {attempts} attempts: {detail}") from None
    raise AssertionError("unreachable")  # pragma: no cover
