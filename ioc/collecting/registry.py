"""Collector kinds, found through the ``ioc.collectors`` entry-point group (built-in kinds register there too)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from ioc.collecting.kind import CollectorKind
from ioc.errors import IOCError

ENTRY_POINT_GROUP = "ioc.collectors"


@cache
def collector_kinds() -> dict[str, type[CollectorKind]]:
    """Every installed kind by name."""
    return {point.name: point.load() for point in entry_points(group=ENTRY_POINT_GROUP)}


def get_kind(name: str) -> type[CollectorKind]:
    """The kind called ``name``, or a clear error listing the installed ones."""
    kinds = collector_kinds()
    if name not in kinds:
        raise IOCError(f"unknown collector kind {name!r}; installed kinds: {', '.join(sorted(kinds)) or 'none'}")
    return kinds[name]
