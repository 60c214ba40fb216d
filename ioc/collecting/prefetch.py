"""Fetch the next page in a background thread while the current one is parsed and written.

HTTP waits and SQLite writes release the GIL, so a collector that prefetches one page keeps both the source and
the warehouse busy. At most ``depth`` pages wait in memory; a page fetched but not consumed is simply dropped
(its cursor was never committed, so nothing is lost).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")
_END = object()
JOIN_SECONDS = 5.0
#: Seconds between looks at the queue (and at ``give_up``) while waiting for the next item.
WAIT_SECONDS = 0.1


class GaveUpError(Exception):
    """The consumer stopped waiting for the next item (``give_up`` said so)."""


def prefetched(items: Iterator[T], depth: int = 1, give_up: Callable[[], bool] | None = None) -> Iterator[T]:
    """Yield ``items`` in order, producing up to ``depth`` ahead in another thread; its errors surface here.

    While waiting for the next item, ``give_up()`` is asked every :data:`WAIT_SECONDS`; when it answers true the
    wait ends with :class:`GaveUpError` (``give_up`` should first make the producer stop, so it can be joined).
    """
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
                item, error = queue.get(timeout=WAIT_SECONDS)
            except Empty:
                if give_up is not None and give_up():
                    raise GaveUpError from None
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
