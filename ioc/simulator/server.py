"""The HTTP server: the pull API, the OAuth2 token endpoint and the loopback admin endpoints (``/_sim/…``).

HTTP/1.1 with keep-alive; every response carries Content-Length. Faults (503s, latency, cut-short and malformed
bodies) apply to the pull endpoint only, drawn from a generator seeded by the configuration.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
import traceback
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ioc.simulator import indicator_apis, portal766
from ioc.simulator.auth import Authenticator, Reply
from ioc.simulator.config import FaultKnobs
from ioc.simulator.model import Simulator

PULL_PATH = "/api/hoso"
TOKEN_PATH = "/oauth/token"
HEALTH_PATH = "/_sim/health"
CLOCK_PATH = "/_sim/clock"
FAULTS_PATH = "/_sim/faults"
ANOMALIES_PATH = "/_sim/anomalies"
ROUTES = {PULL_PATH: "GET", HEALTH_PATH: "GET", TOKEN_PATH: "POST", CLOCK_PATH: "POST", FAULTS_PATH: "POST"}
ROUTES[ANOMALIES_PATH] = "GET"
ROUTES.update(dict.fromkeys(indicator_apis.PATHS, "GET"))
TIME_FORMAT = "%Y%m%d%H%M%S"
MAX_BODY = 1 << 20
JSON_TYPE = "application/json; charset=utf-8"
MAINTENANCE_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
    "<p>Hệ thống đang bảo trì, vui lòng thử lại sau.</p></body></html>"
).encode()
ERROR_BODY = json.dumps({"error": "Lỗi hệ thống", "code": "E500"}, ensure_ascii=False).encode()


def parse_time(name: str, text: str | None) -> datetime:
    """A ``yyyyMMddHHmmss`` parameter; ``ValueError`` naming it otherwise."""
    if text is None or len(text) != 14 or not text.isascii() or not text.isdigit():
        raise ValueError(f"{name} must be yyyyMMddHHmmss")
    try:
        return datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        raise ValueError(f"{name} is not a valid time: {text}") from None


def _positive(name: str, text: str | None) -> int:
    if text is None or not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number ≥ 1")
    return int(text)


def parse_pull(query: str, page_size_max: int) -> tuple[datetime, datetime, int, int]:
    """(tu_ngay, den_ngay, trang, so_ban_ghi) from a query string, validated."""
    values = {name: items[0] for name, items in parse_qs(query, keep_blank_values=True).items()}
    low, high = parse_time("tu_ngay", values.get("tu_ngay")), parse_time("den_ngay", values.get("den_ngay"))
    if high < low:
        raise ValueError("den_ngay is before tu_ngay")
    page, size = _positive("trang", values.get("trang")), _positive("so_ban_ghi", values.get("so_ban_ghi"))
    if size > page_size_max:
        raise ValueError(f"so_ban_ghi must be at most {page_size_max}")
    return low, high, page, size


class SimulatorServer(ThreadingHTTPServer):
    """A threading HTTP server holding one simulator, its authenticator and its fault knobs."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        self.simulator = simulator
        self.authenticator = Authenticator(simulator.config)
        self.faults = FaultKnobs.from_config(simulator.config)
        self._random = random.Random(simulator.config.seed)
        self._random_lock = threading.Lock()
        super().__init__(address, SimulatorHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def draw(self) -> tuple[float, float, float]:
        with self._random_lock:
            return self._random.random(), self._random.random(), self._random.random()


class SimulatorHandler(BaseHTTPRequestHandler):
    """One connection; requests are routed by path and method."""

    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "IOC-Simulator/0.1"
    disable_nagle_algorithm = True
    timeout = 120

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the benchmark sends thousands of requests."""

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        expected = ROUTES.get(parts.path)
        body = self._read_body() if method == "POST" else b""
        if method == "POST" and parts.path.startswith(portal766.PREFIX):
            config = self.server.simulator.config
            today = self.server.simulator.now().date()
            status, payload = portal766.answer(config.seed, config.province, parts.path, body, today)
            self._send(status, payload, JSON_TYPE)
        elif expected is None:
            self._json(404, {"error": "not_found", "message": f"no such path {parts.path}"})
        elif expected != method:
            self._json(405, {"error": "method_not_allowed"}, {"Allow": expected})
        else:
            try:
                self._dispatch(parts.path, parts.query, body)
            except Exception as error:  # a simulator bug must answer, not drop the connection
                traceback.print_exc(file=sys.stderr)
                self._json(500, {"error": "internal", "message": str(error)})

    def _dispatch(self, path: str, query: str, body: bytes) -> None:
        simulator = self.server.simulator
        if path == PULL_PATH:
            self._pull(query)
        elif path == TOKEN_PATH:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
            self._reply(self.server.authenticator.token(self.headers, form))
        elif path in indicator_apis.PATHS:
            denied = self.server.authenticator.check(self.headers)
            status, payload = indicator_apis.answer(simulator.config, simulator.now(), path, query)
            self._reply(denied) if denied is not None else self._json(status, payload)
        elif path == HEALTH_PATH:
            self._json(200, {"ok": True, "now": simulator.now().strftime(TIME_FORMAT)})
        elif path == CLOCK_PATH:
            self._set_clock(body)
        elif path == ANOMALIES_PATH:
            injected = [
                {"kind": i.kind, "scope": i.scope, "code": i.code, "start": i.start.isoformat(), "days": i.days}
                for i in simulator.config.injections()
            ]
            self._json(200, {"anomalies": injected})
        else:
            self._set_faults(body)

    def _pull(self, query: str) -> None:
        denied = self.server.authenticator.check(self.headers)
        if denied is not None:
            self._reply(denied)
            return
        simulator = self.server.simulator
        try:
            low, high, page, size = parse_pull(query, simulator.config.page_size_max)
        except ValueError as error:
            self._json(400, {"error": "bad_request", "message": str(error)})
            return
        knobs = self.server.faults.snapshot()
        fail, cut, garble = self.server.draw()
        if knobs["latency_ms"]:
            time.sleep(knobs["latency_ms"] / 1000)
        if fail < knobs["error_rate"]:
            self._json(503, {"error": "service_unavailable", "message": "hệ thống nguồn tạm thời không phản hồi"})
            return
        if garble < knobs["malformed_page_rate"]:
            html = garble < knobs["malformed_page_rate"] / 2
            self._send(200, MAINTENANCE_PAGE if html else ERROR_BODY, "text/html; charset=utf-8" if html else JSON_TYPE)
            return
        payload = simulator.page_bytes(low, high, page, size)
        if cut < knobs["truncated_rate"]:
            payload = payload[: max(1, int(len(payload) * (0.1 + 0.8 * cut / max(knobs["truncated_rate"], 1e-9))))]
        self._send(200, payload, JSON_TYPE)

    def _set_clock(self, body: bytes) -> None:
        try:
            data = json.loads(body or b"{}")
            text = data["now"] if isinstance(data, dict) else None
            self.server.simulator.set_now(None if text is None else parse_time("now", str(text)))
        except (ValueError, KeyError) as error:
            message = 'expected {"now": "yyyyMMddHHmmss"} or {"now": null}'
            self._json(400, {"error": "bad_request", "message": f"{message}: {error}"})
            return
        self._json(200, {"ok": True, "now": self.server.simulator.now().strftime(TIME_FORMAT)})

    def _set_faults(self, body: bytes) -> None:
        try:
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object of fault knobs")
            self.server.faults.update(data)
        except ValueError as error:
            self._json(400, {"error": "bad_request", "message": str(error)})
            return
        self._json(200, {"ok": True, **self.server.faults.snapshot()})

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, reply: Reply) -> None:
        self._json(reply.status, reply.body, reply.headers)

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), JSON_TYPE, headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
