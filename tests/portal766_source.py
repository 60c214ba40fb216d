"""A national-portal source for tests: a real threaded ``http.server`` on 127.0.0.1 answering
``POST /api/v1/reporting/evaluation/<group>`` with the REAL captured answers of ``shared/data/portal766/`` for month
8/2026, and an OK envelope with ``data`` null for any other period. A test may put its own answers first."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "portal766"
GROUPS = (
    "dvc-progress-tree",
    "provide-online-tree",
    "formality-online-payment-tree",
    "dossier-digitized",
    "transparency",
    "handling-satisfaction",
)
PREFIX = "/api/v1/reporting/evaluation/"
NULL_DATA = json.dumps({"code": "OK", "data": None, "message": "OK"}).encode()


def real_answer(group: str) -> bytes:
    """The captured month-8/2026 answer of ``group``, byte for byte."""
    return (DATA / group / "month-all.json").read_bytes()


def is_august_2026(body: dict[str, Any]) -> bool:
    if "fromDate" in body:
        return body.get("fromDate") == "2026-08-01" and body.get("toDate") == "2026-08-31"
    return body.get("timeType") == "month" and body.get("year") == 2026 and body.get("month") == 8


#: (group, request body) → (status, body bytes), or None to fall through to the real answers.
Responder = Callable[[str, dict[str, Any]], "tuple[int, bytes] | None"]


@dataclass
class PortalServer:
    """The server's address and the requests it received (group, body), in order."""

    url: str
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    responder: Responder | None = None


def _handler(state: PortalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            group = self.path.removeprefix(PREFIX)
            if not self.path.startswith(PREFIX) or group not in GROUPS:
                self._send(404, b'{"code":"NOT_FOUND","data":null,"message":"no such group"}')
                return
            state.requests.append((group, body))
            answer = state.responder(group, body) if state.responder is not None else None
            if answer is None:
                answer = (201, real_answer(group) if is_august_2026(body) else NULL_DATA)
            self._send(*answer)

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def portal_server(responder: Responder | None = None) -> Iterator[PortalServer]:
    """A portal on a free loopback port for the block's duration."""
    state = PortalServer(url="", responder=responder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
