"""Finding records by update time without holding the history: bounded caches over day batches.

A dossier's events all fall within ``LIFETIME_DAYS`` of its first one, so the records updated on day U come from the
batches of days U − L + 1 … U. For each batch we keep its existing rows ordered by NgayCapNhat (``BatchOrder``); the
records of one update day, merged across batches, form a ``DayIndex``; a query window keeps its count per update day
(``Window``), which turns a page number into a position without touching the records before it. Each derived value
records the interval of simulated time over which it stays exact (until the next event of a dossier it covers), so
history is computed once even when now follows the real clock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ioc.simulator.cache import NEVER, SizedCache, Validity, array_bytes
from ioc.simulator.config import SimulatorConfig
from ioc.simulator.generate import Dossiers, generate_day
from ioc.simulator.injection import injector
from ioc.simulator.lifecycle import LIFETIME_DAYS
from ioc.simulator.render import Renderer
from ioc.simulator.state import latest_events
from ioc.simulator.work_calendar import DAY, WorkCalendar, day_number
from ioc.simulator.world import World

MB = 1 << 20
BATCH_BUDGET = 128 * MB
ORDER_BUDGET = 96 * MB
DAY_INDEX_BUDGET = 48 * MB
TEXT_BUDGET = 64 * MB
WINDOW_BUDGET = 8 * MB


@dataclass(frozen=True)
class BatchOrder:
    """A batch's rows existing at now, by (NgayCapNhat, MaHoSo)."""

    updated: np.ndarray
    rows: np.ndarray
    keys: np.ndarray
    validity: Validity


@dataclass(frozen=True)
class DayIndex:
    """The records updated on one day, in API order: update time, first day and row of each."""

    updated: np.ndarray
    origin: np.ndarray
    rows: np.ndarray
    validity: Validity


@dataclass(frozen=True)
class Window:
    """A query window clipped to [start, now], and its cumulative record count per update day."""

    low: int
    high: int
    first_day: int
    cumulative: np.ndarray
    validity: Validity

    @property
    def total(self) -> int:
        return int(self.cumulative[-1])


@dataclass(frozen=True)
class Texts:
    """The served JSON (UTF-8) of one update day's records, in API order."""

    items: list[bytes]
    validity: Validity

    @property
    def nbytes(self) -> int:
        return sum(map(len, self.items)) + 40 * len(self.items) + 64


class Store:
    """Day batches and indexes for one simulator, generated on demand and cached within memory budgets."""

    def __init__(self, config: SimulatorConfig, world: World, calendar: WorkCalendar) -> None:
        self.config = config
        self.world = world
        self.calendar = calendar
        self.renderer = Renderer(world)
        self.start_day = day_number(config.start)
        self.injector = injector(config.injections(), world, calendar, config.seed)
        self._lock = threading.RLock()
        self._batches = SizedCache(BATCH_BUDGET)
        self._orders = SizedCache(ORDER_BUDGET)
        self._day_indexes = SizedCache(DAY_INDEX_BUDGET)
        self._windows = SizedCache(WINDOW_BUDGET)
        self._texts = SizedCache(TEXT_BUDGET)

    def origin_days(self, first: int, last: int, now: int) -> range:
        """Days whose batches may hold records updated on days ``first`` … ``last``."""
        return range(max(self.start_day, first - LIFETIME_DAYS + 1), min(last, now // DAY) + 1)

    def batch(self, day: int) -> Dossiers:
        config = self.config

        def make() -> Dossiers:
            return generate_day(
                self.world, self.calendar, config.seed, day, config.daily_volume, config.malformed_rate, self.injector
            )

        with self._lock:
            return self._batches.get_or_make(day, 0, make, lambda b: b.nbytes)

    def order(self, day: int, now: int) -> BatchOrder:
        def make() -> BatchOrder:
            batch = self.batch(day)
            latest = latest_events(batch.events, now)
            rows = np.flatnonzero(latest >= 0)
            updated = batch.times[rows, latest[rows]]
            keys = batch.sort_keys()[rows]
            sequence = np.lexsort((keys, updated))
            validity = Validity.around(batch.events, now)
            return BatchOrder(updated[sequence], rows[sequence].astype(np.int32), keys[sequence], validity)

        with self._lock:
            return self._orders.get_or_make(day, now, make, array_bytes)

    def day_index(self, day: int, now: int) -> DayIndex:
        def make() -> DayIndex:
            updated, keys, origin, rows = [], [], [], []
            bounds = np.array([day * DAY, (day + 1) * DAY])
            validity = Validity()
            for first in self.origin_days(day, day, now):
                order = self.order(first, now)
                validity &= order.validity
                low, high = np.searchsorted(order.updated, bounds)
                if high > low:
                    updated.append(order.updated[low:high])
                    keys.append(order.keys[low:high])
                    rows.append(order.rows[low:high])
                    origin.append(np.full(high - low, first, dtype=np.int32))
            if not updated:
                empty = np.empty(0, dtype=np.int64)
                return DayIndex(empty, empty.astype(np.int32), empty.astype(np.int32), validity)
            columns = [np.concatenate(parts) for parts in (updated, keys, origin, rows)]
            sequence = np.lexsort((columns[3], columns[2], columns[1], columns[0]))
            return DayIndex(columns[0][sequence], columns[2][sequence], columns[3][sequence], validity)

        with self._lock:
            return self._day_indexes.get_or_make(day, now, make, array_bytes)

    def window(self, low: int, high: int, now: int) -> Window:
        """The window [low, high) clipped to the simulated history, with its counts per update day."""
        asked = (max(low, self.start_day * DAY), high)

        def make() -> Window:
            low, high = asked[0], min(asked[1], now + 1)
            if high <= low:
                return Window(low, low, low // DAY, np.zeros(1, dtype=np.int64), Validity(NEVER, now + 1))
            first_day, last_day = low // DAY, (high - 1) // DAY
            # a later now may reach further days, whose dossiers are not covered below
            validity = Validity() if high == asked[1] else Validity(until=(last_day + 1) * DAY)
            edges = np.concatenate([[low], np.arange(first_day + 1, last_day + 1) * DAY, [high]])
            counts = np.zeros(last_day - first_day + 1, dtype=np.int64)
            for origin in self.origin_days(first_day, last_day, now):
                order = self.order(origin, now)
                validity &= order.validity
                begin = max(origin, first_day) - first_day
                end = min(origin + LIFETIME_DAYS - 1, last_day) - first_day
                positions = np.searchsorted(order.updated, edges[begin : end + 2])
                counts[begin : end + 1] += np.diff(positions)
            return Window(low, high, first_day, np.concatenate([[0], np.cumsum(counts)]), validity)

        with self._lock:
            return self._windows.get_or_make(asked, now, make, array_bytes)

    def dossiers(self, origin: np.ndarray, rows: np.ndarray) -> Dossiers:
        """The dossiers at (first day, row) pairs, in that order."""
        grouping = np.argsort(origin, kind="stable")
        days, counts = np.unique(origin[grouping], return_counts=True)
        parts, start = [], 0
        for day, count in zip(days.tolist(), counts.tolist(), strict=True):
            parts.append(self.batch(day).take(rows[grouping[start : start + count]]))
            start += count
        if not parts:
            return Dossiers.empty()
        return Dossiers.concat(parts).take(np.argsort(grouping))

    def texts(self, day: int, now: int) -> list[bytes]:
        """The UTF-8 JSON of the records updated on ``day``, in API order."""

        def make() -> Texts:
            index = self.day_index(day, now)
            return Texts(self.renderer.render(self.dossiers(index.origin, index.rows), now), index.validity)

        with self._lock:
            return self._texts.get_or_make(day, now, make, lambda texts: texts.nbytes).items

    def segments(self, window: Window, offset: int, limit: int, now: int) -> Iterator[tuple[int, DayIndex, int, int]]:
        """(update day, its index, begin, end) for the window's records ``offset`` … ``offset + limit``, by day."""
        cumulative = window.cumulative
        position = int(np.searchsorted(cumulative, offset, side="right")) - 1
        remaining = min(limit, window.total - offset)
        while remaining > 0 and position < len(cumulative) - 1:
            day = window.first_day + position
            index = self.day_index(day, now)
            low, high = np.searchsorted(index.updated, [max(window.low, day * DAY), min(window.high, (day + 1) * DAY)])
            begin = int(low) + max(0, offset - int(cumulative[position]))
            end = min(int(high), begin + remaining)
            if end > begin:
                yield day, index, begin, end
                remaining -= end - begin
            position += 1
