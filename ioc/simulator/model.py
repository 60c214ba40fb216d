"""The simulator in process: what the pull API serves over a window, page by page, and the truth behind it."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from ioc.config import now_local
from ioc.simulator.catalogue import Procedure
from ioc.simulator.config import LAST_DAY, SimulatorConfig, local_naive
from ioc.simulator.generate import MALFORMED_KINDS
from ioc.simulator.state import latest_events, statuses
from ioc.simulator.store import Store, Window
from ioc.simulator.work_calendar import to_seconds, work_calendar
from ioc.simulator.world import World, build_world


@dataclass(frozen=True)
class Truth:
    """What a window holds: all records, the valid ones by status, unit and agency, the malformed ones by kind."""

    total: int
    valid: int
    by_status: dict[int, int] = field(default_factory=dict)
    by_unit: dict[str, int] = field(default_factory=dict)
    by_agency: dict[str, int] = field(default_factory=dict)
    malformed: dict[str, int] = field(default_factory=dict)


class Simulator:
    """A provincial dossier system's records, deterministic in its configuration and the simulated now."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self._now = self.config.now
        self._lock = threading.Lock()
        self._store: Store | None = None

    def _built(self) -> Store:
        with self._lock:
            if self._store is None:
                world = build_world(self.config.province, self.config.seed)
                self._store = Store(self.config, world, work_calendar())
            return self._store

    @property
    def world(self) -> World:
        return self._built().world

    def now(self) -> datetime:
        """The simulated now: the configured or last set time, else Vietnam's current local time."""
        fixed = self._now
        return fixed if fixed is not None else now_local().replace(microsecond=0)

    def set_now(self, when: datetime | None) -> None:
        """Move the simulated clock (None: follow the real clock)."""
        if when is not None and local_naive(when).date() > LAST_DAY:
            raise ValueError(f"now must be before {LAST_DAY}")
        self._now = None if when is None else local_naive(when)

    def catalogue(self) -> list[Procedure]:
        """The procedures this simulator's dossiers use."""
        return list(self.world.procedures)

    def _window(self, tu_ngay: datetime, den_ngay: datetime) -> tuple[Store, Window, int]:
        if den_ngay < tu_ngay:
            raise ValueError("den_ngay is before tu_ngay")
        store = self._built()
        now = to_seconds(self.now())
        return store, store.window(to_seconds(tu_ngay), to_seconds(den_ngay), now), now

    def page_bytes(self, tu_ngay: datetime, den_ngay: datetime, trang: int, so_ban_ghi: int) -> bytes:
        """The response body of one page, as served."""
        if trang < 1 or not 1 <= so_ban_ghi <= self.config.page_size_max:
            raise ValueError(f"trang must be ≥ 1 and so_ban_ghi between 1 and {self.config.page_size_max}")
        store, window, now = self._window(tu_ngay, den_ngay)
        texts: list[bytes] = []
        for day, _, begin, end in store.segments(window, (trang - 1) * so_ban_ghi, so_ban_ghi, now):
            texts.extend(store.texts(day, now)[begin:end])
        head = f'{{"tong_so_ban_ghi":{window.total},"trang":{trang},"so_ban_ghi":{so_ban_ghi},"du_lieu":['
        return b"".join((head.encode(), b",".join(texts), b"]}"))

    def page(self, tu_ngay: datetime, den_ngay: datetime, trang: int, so_ban_ghi: int) -> dict[str, Any]:
        """The response body of one page: ``tong_so_ban_ghi``, ``trang``, ``so_ban_ghi``, ``du_lieu``."""
        return json.loads(self.page_bytes(tu_ngay, den_ngay, trang, so_ban_ghi))

    def records(self, tu_ngay: datetime, den_ngay: datetime) -> Iterator[dict[str, Any]]:
        """Every record the API serves over the window, in order, one update day at a time."""
        store, window, now = self._window(tu_ngay, den_ngay)
        for day, _, begin, end in store.segments(window, 0, window.total, now):
            for text in store.texts(day, now)[begin:end]:
                yield json.loads(text)

    def truth(self, tu_ngay: datetime, den_ngay: datetime) -> Truth:
        """Counts over the window computed from the model itself, not from the served text."""
        store, window, now = self._window(tu_ngay, den_ngay)
        world = store.world
        status: Counter[int] = Counter()
        units: Counter[str] = Counter()
        agencies: Counter[str] = Counter()
        malformed: Counter[str] = Counter()
        for _, index, begin, end in store.segments(window, 0, window.total, now):
            dossiers = store.dossiers(index.origin[begin:end], index.rows[begin:end])
            kinds = dossiers.malformed
            malformed.update(MALFORMED_KINDS[k] for k in kinds[kinds >= 0].tolist())
            valid = dossiers.take(np.flatnonzero(kinds < 0))
            status.update(statuses(valid, latest_events(valid.events, now)).tolist())
            for agency, count in zip(*np.unique(valid.agency, return_counts=True), strict=True):
                agencies[world.agency_codes[agency]] += int(count)
                units[world.agency_units[agency]] += int(count)
        return Truth(
            total=window.total,
            valid=window.total - sum(malformed.values()),
            by_status=dict(sorted(status.items())),
            by_unit=dict(sorted(units.items())),
            by_agency=dict(sorted(agencies.items())),
            malformed=dict(sorted(malformed.items())),
        )
