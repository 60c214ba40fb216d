"""Fetch the next page in a background thread while the current one is parsed and written.

HTTP waits and SQLite writes release the GIL, so a collector that prefetches one page keeps both the source and
the warehouse busy. At most ``depth`` pages wait in memory; a page fetched but not consumed is simply dropped
(its cursor was never committed, so nothing is lost).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")
_END = object()
JOIN_SECONDS = 5.0


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order, producing up to ``depth`` ahead in another thread; its errors surface here."""
    queue: Queue[tuple[object, BaseException | None]] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_END, None))
        except BaseException as error:  # handed to the consumer, raised there
            put((_END, error))

    worker = threading.Thread(target=produce, name="ioc-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item, error = queue.get(timeout=0.5)
            except Empty:
                if not worker.is_alive() and queue.empty():
                    return
                continue
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(JOIN_SECONDS)
