"""A hostile dossier source for tests: a real threaded ``http.server`` on 127.0.0.1 whose answers a test chooses.

A test gives a function from the request's query parameters to a :class:`Reply`: a JSON body, raw bytes, a body
sent a byte at a time, headers sent a byte at a time, or a body of any size produced in chunks. The server counts
the body bytes it managed to send, so a test can tell how much the collector read before it hung up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

#: A valid record of province 46 (unit code "46"), as the domain page describes it.
GOOD_RECORD: dict[str, Any] = {
    "MaHoSo": "H46-000001",
    "MaTTHC": "1.001234",
    "TenTTHC": "Đăng ký khai sinh",
    "MaLinhVuc": "HT",
    "TenLinhVuc": "Hộ tịch",
    "KenhThucHien": 2,
    "ChuHoSo": "Nguyễn Văn An",
    "LoaiDoiTuong": 1,
    "MaCoQuan": "SYT",
    "MaDVHC": "46",
    "NgayTiepNhan": "20250301080000",
    "NgayHenTra": "20250305170000",
    "TrangThaiHoSo": 4,
    "NgayKetThucXuLy": None,
    "NgayTra": None,
    "ThanhToanTrucTuyen": None,
    "SoHoa": 1,
    "NgayCapNhat": "20250301080000",
}


def record(key: str, updated: str, **changes: Any) -> dict[str, Any]:
    """A valid record with its own key and update time, and ``changes`` on top."""
    return {**GOOD_RECORD, "MaHoSo": key, "NgayCapNhat": updated, **changes}


def page_body(records: list[Any], total: Any = None, page: int = 1, size: int = 1000) -> dict[str, Any]:
    """The pull API's body around ``records``."""
    return {"tong_so_ban_ghi": len(records) if total is None else total, "trang": page, "so_ban_ghi": size,
            "du_lieu": records}  # fmt: skip


def keyset_page(
    records: list[dict[str, Any]], params: dict[str, str], *, honour_from: bool = True, honour_to: bool = True
) -> dict[str, Any]:
    """What a well-behaved source answers (``[tu_ngay, den_ngay)`` by string, ordered, paged), minus what it ignores."""
    start, end = params.get("tu_ngay", ""), params.get("den_ngay", "~")
    chosen = [
        r
        for r in records
        if (not honour_from or r["NgayCapNhat"] >= start) and (not honour_to or r["NgayCapNhat"] < end)
    ]
    chosen.sort(key=lambda r: (r["NgayCapNhat"], r["MaHoSo"]))
    page, size = int(params.get("trang", 1)), int(params.get("so_ban_ghi", 1000))
    return page_body(chosen[(page - 1) * size : page * size], total=len(chosen), page=page, size=size)


@dataclass
class Reply:
    """An answer: ``body`` (a JSON-able value, bytes, or an iterable of byte chunks), sent as told."""

    body: Any
    status: int = 200
    #: Seconds between bytes of the body (0: all at once).
    byte_delay: float = 0.0
    #: Seconds between bytes of the status line and headers (0: all at once).
    header_delay: float = 0.0
    #: Announce this Content-Length (None: the body's length when known, else none and close at the end).
    content_length: int | None = None


@dataclass
class HostileSource:
    """The running server: its address, the requests it got and the body bytes it sent."""

    url: str
    requests: list[dict[str, str]] = field(default_factory=list)
    sent: int = 0
    closing: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for_requests(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {count} requests after {timeout} s")
            time.sleep(0.02)


def _chunks(body: Any) -> tuple[Iterable[bytes], int | None]:
    if isinstance(body, bytes):
        return [body], len(body)
    if isinstance(body, (dict, list)):
        data = orjson.dumps(body)
        return [data], len(data)
    return body, None


def _handler(source: HostileSource, respond: Callable[[dict[str, str]], Reply]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _slowly(self, data: bytes, delay: float) -> None:
            for index in range(len(data)):
                if source.closing.is_set():
                    raise ConnectionAbortedError
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
                time.sleep(delay)

        def do_GET(self) -> None:
            params = dict(parse_qsl(urlsplit(self.path).query))
            with source.lock:
                source.requests.append(params)
            reply = respond(params)
            chunks, length = _chunks(reply.body)
            length = reply.content_length if reply.content_length is not None else length
            head = f"HTTP/1.1 {reply.status} X\r\nContent-Type: application/json\r\n"
            head += f"Content-Length: {length}\r\n" if length is not None else "Connection: close\r\n"
            head += "\r\n"
            self.close_connection = length is None
            try:
                if reply.header_delay:
                    self._slowly(head.encode(), reply.header_delay)
                else:
                    self.wfile.write(head.encode())
                for chunk in chunks:
                    if reply.byte_delay:
                        self._slowly(chunk, reply.byte_delay)
                    else:
                        self.wfile.write(chunk)
                    with source.lock:
                        source.sent += len(chunk)
                    if source.closing.is_set():
                        break
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True

    return Handler


@contextmanager
def hostile_source(respond: Callable[[dict[str, str]], Reply]) -> Iterator[HostileSource]:
    """Serve ``respond`` on a free loopback port; the URL is ``{source.url}`` (any path answers)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    source = HostileSource(url=f"http://127.0.0.1:{server.server_address[1]}/api/hoso")
    server.RequestHandlerClass = _handler(source, respond)
    thread = threading.Thread(target=server.serve_forever, name="hostile-source", daemon=True)
    thread.start()
    try:
        yield source
    finally:
        source.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
