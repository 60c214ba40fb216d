"""The small interface every collector kind implements (DESIGN.md, "Collectors").

A kind is a class registered in the ``ioc.collectors`` entry-point group. It never touches the warehouse:
``fetch`` yields pages of raw records with the cursor after each, ``parse`` turns one raw record into a validated
record of its type (:class:`~ioc.records.DossierRecord`, :class:`~ioc.indicators.model.IndicatorValue`) or a
:class:`~ioc.records.Rejection`; the runner hands each record to its type's sink (``ioc.collecting.sinks``).

A kind owns its source: ``location`` says where it is (``"url"``: the collector's URL; ``"options"``: in its options,
e.g. a folder or the name of an environment variable holding a database URL), ``Options`` its options model, and its
cursor is text of any size (JSON where it holds more than a time).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

from ioc.errors import IOCError
from ioc.indicators.model import Indicator, IndicatorValue
from ioc.records import DossierRecord, Rejection

#: Where a kind's source is: the collector's URL, or somewhere its options say.
LOCATIONS = ("url", "options")
#: The record types a kind may declare.
RECORD_TYPES = ("dossier", "indicator")

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
    #: The indicator registry by code (indicator kinds check their values against it).
    indicators: Mapping[str, Indicator] = field(default_factory=dict)
    #: Official unit code → name, and agency code → name (for kinds that match a source's names).
    unit_names: Mapping[str, str] = field(default_factory=dict)
    agency_names: Mapping[str, str] = field(default_factory=dict)
    #: Names an admin mapped for this collector (``name_alias``): normalised name → (unit code, agency code or "").
    aliases: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: An ``httpx`` transport to use instead of the network (tests may hand one in); None in production.
    transport: Any = None
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
    #: ``"dossier"`` or ``"indicator"`` (what ``parse`` returns); a kind without it yields dossiers.
    record_type: ClassVar[str]
    #: ``"url"`` or ``"options"`` (:data:`LOCATIONS`); a kind without it reads the collector's URL.
    location: ClassVar[str]

    def __init__(self, source: Source) -> None: ...

    def fetch(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        """Pages after ``cursor`` (incremental), or over ``[since, until)`` when given (backfill)."""
        ...

    def parse(self, raw: dict[str, Any]) -> DossierRecord | IndicatorValue | Rejection:
        """One raw record, validated."""
        ...

    def close(self) -> None: ...

    # Optional: ``cursor_at(moment: datetime) -> str``, the cursor an incremental run would start from to read what
    # changed from ``moment`` on, for a kind whose cursors sort as text in time order. With it, a backfill that reads
    # on from the cursor moves the cursor (``ioc.collecting.runner.backfill_moves_cursor``).
    #
    # Optional: ``committed(cursor: str) -> None``, called after each page and its cursor are committed, in the order
    # the pages were yielded, for a kind that acts on its source once a load is safe (``file-drop`` moves a file to
    # ``processed/`` after its last page). With the prefetch, ``fetch`` runs a page ahead, so it cannot tell itself.


def kind_location(kind: type) -> str:
    """Where ``kind``'s source is (:data:`LOCATIONS`)."""
    return getattr(kind, "location", "url")


def kind_record_type(kind: type) -> str:
    """What ``kind`` yields (:data:`RECORD_TYPES`)."""
    return getattr(kind, "record_type", "dossier")
