"""A memory-bounded LRU cache whose entries may hold only for an interval of the simulated now."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

EVER = np.iinfo(np.int64).max
NEVER = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Validity:
    """The simulated times ``[since, until)`` over which a derived value stays exact."""

    since: int = NEVER
    until: int = EVER

    def holds(self, now: int) -> bool:
        return self.since <= now < self.until

    def __and__(self, other: Validity) -> Validity:
        return Validity(max(self.since, other.since), min(self.until, other.until))

    @staticmethod
    def around(times: np.ndarray, now: int) -> Validity:
        """From the latest of ``times`` at or before ``now`` to the earliest after it."""
        past = times <= now
        since = int(times[past].max()) if past.any() else NEVER
        future = times[~past]
        return Validity(since, int(future.min()) if future.size else EVER)


class Dated(Protocol):
    validity: Validity


class SizedCache:
    """Least recently used entries, dropped when their total size passes ``budget`` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.total = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()

    def get_or_make(self, key: Hashable, now: int, make: Callable[[], Any], size: Callable[[Any], int]) -> Any:
        """The value cached for ``key`` if it holds at ``now`` (one without ``validity`` always does), or a new one."""
        item = self._items.get(key)
        if item is not None:
            value, weight = item
            validity = getattr(value, "validity", None)
            if validity is None or validity.holds(now):
                self._items.move_to_end(key)
                return value
            del self._items[key]
            self.total -= weight
        value = make()
        weight = size(value)
        self._items[key] = (value, weight)
        self.total += weight
        while self.total > self.budget and len(self._items) > 1:
            _, (_, dropped) = self._items.popitem(last=False)
            self.total -= dropped
        return value


def array_bytes(value: Any) -> int:
    """The bytes of a dataclass's numpy arrays (plus a little for the object)."""
    return sum(v.nbytes for v in vars(value).values() if isinstance(v, np.ndarray)) + 256
