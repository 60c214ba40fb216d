"""A webhook POST: the notification's JSON, signed when the rule names a secret, sent with short time-outs, no
redirect followed, and at most :data:`MAX_RESPONSE_BYTES` of the answer read (for the error message)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from typing import Any

import httpx

from ioc.errors import IOCError

SIGNATURE_HEADER = "X-IOC-Signature"
#: Seconds: to connect, then for each read or write (a receiver that hangs is given up on after these).
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
#: The longest a whole POST may take, answer included (a receiver trickling bytes is cut off here, give or take a
#: read time-out).
TOTAL_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 2048
USER_AGENT = "IOC-alerts/1"


def body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, UTF-8, keys sorted."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature(secret: str, content: bytes) -> str:
    """The ``X-IOC-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of the body under the secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), content, hashlib.sha256).hexdigest()


def secret_of(env_name: str | None) -> str | None:
    """The signing secret the variable ``env_name`` holds; IOCError when it is named but not set."""
    if not env_name:
        return None
    value = os.environ.get(env_name)
    if not value:
        raise IOCError(f"{env_name}: not set (the rule's webhook secret)")
    return value


def post(url: str, payload: dict[str, Any], secret: str | None, delivery: str) -> int:
    """POST ``payload`` to ``url``; the status code of a 2xx answer, else IOCError saying what happened."""
    content = body(payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-IOC-Event": "alert",
        "X-IOC-Delivery": delivery,
    }
    if secret is not None:
        headers[SIGNATURE_HEADER] = signature(secret, content)
    timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
    # Time-outs count per read: a receiver trickling its answer a byte at a time would never trip them, so a
    # watchdog closes the connection once the whole POST has taken TOTAL_TIMEOUT.
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        client.close()

    watchdog = threading.Timer(TOTAL_TIMEOUT, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        with client, client.stream("POST", url, content=content, headers=headers) as response:
            answer = b""
            for chunk in response.iter_bytes():
                answer += chunk
                if len(answer) >= MAX_RESPONSE_BYTES:
                    break
            status = response.status_code
    except Exception as error:  # whatever the closed connection raised mid-read
        if expired.is_set():
            raise IOCError(f"webhook: no answer within {TOTAL_TIMEOUT:g} s") from None
        if isinstance(error, httpx.TimeoutException):
            raise IOCError(f"webhook: no answer within {READ_TIMEOUT:g} s") from None
        raise IOCError(f"webhook: {type(error).__name__}: {str(error)[:200]}") from None
    finally:
        watchdog.cancel()
    if 200 <= status < 300:
        return status
    if 300 <= status < 400:
        raise IOCError(f"webhook: HTTP {status} (redirects are not followed)")
    text = answer[:MAX_RESPONSE_BYTES].decode("utf-8", "replace").strip().splitlines()
    raise IOCError(f"webhook: HTTP {status}" + (f": {text[0][:200]}" if text else ""))
