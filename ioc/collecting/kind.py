"""The small interface every collector kind implements (DESIGN.md, "Collectors").

A kind is a class registered in the ``ioc.collectors`` entry-point group. It never touches the warehouse:
``fetch`` yields pages of raw records with the cursor after each, ``parse`` turns one raw record into a
validated :class:`~ioc.records.DossierRecord` or a :class:`~ioc.records.Rejection`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from ioc.errors import IOCError
from ioc.records import DossierRecord, Rejection

#: The secrets each auth mode needs, by role; a collector maps each role to an environment variable.
AUTH_SECRETS: dict[str, tuple[str, ...]] = {
    "none": (),
    "apikey": ("api_key",),
    "basic": ("username", "password"),
    "oauth2": ("client_id", "client_secret"),
}


class SourceError(IOCError):
    """The source failed (after retries) or refused the request; the run ends ``failed`` with this message."""


@dataclass(frozen=True)
class Source:
    """What a kind is given to work with: where the source is, how to sign in, and its options."""

    name: str
    url: str | None
    auth: str
    secrets: Mapping[str, str]
    options: Any
    province: str
    #: The province's official unit codes (the warehouse's units).
    unit_codes: frozenset[str]
    #: Each commune's draft code (``vietnam-provinces`` 2025.10.1) → its official code, for ``ioc.unit_codes``.
    draft_codes: Mapping[str, str] = field(default_factory=dict)
    now: datetime = field(default_factory=datetime.now)
    #: Set when the run gives up on the request in flight (a stop request that did not wait): end it at once.
    abort: threading.Event = field(default_factory=threading.Event)

    def __repr__(self) -> str:  # secrets never appear in logs or errors
        return f"Source(name={self.name!r}, url={self.url!r}, auth={self.auth!r})"


@dataclass(frozen=True)
class Page:
    """Raw records as the source gave them, and the cursor that follows them."""

    raw: list[dict[str, Any]]
    cursor: str
    remaining: int | None = None


class CollectorKind(Protocol):
    """A kind of source. Instances are made per run and closed after it."""

    kind: ClassVar[str]
    description: ClassVar[str]
    Options: ClassVar[type[BaseModel]]

    def __init__(self, source: Source) -> None: ...

    def fetch(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        """Pages after ``cursor`` (incremental), or over ``[since, until)`` when given (backfill)."""
        ...

    def parse(self, raw: dict[str, Any]) -> DossierRecord | Rejection:
        """One raw record, validated."""
        ...

    def close(self) -> None: ...

    # Optional: ``cursor_at(moment: datetime) -> str``, the cursor an incremental run would start from to read what
    # changed from ``moment`` on, for a kind whose cursors sort as text in time order. With it, a backfill that reads
    # on from the cursor moves the cursor (``ioc.collecting.runner.backfill_moves_cursor``).
