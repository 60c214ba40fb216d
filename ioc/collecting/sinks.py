"""Each record type's sink: the runner hands a page's dossiers to the dossier loader and its indicator values to the
indicator loader, in the page's one transaction, and its rejections to the quarantine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ioc.indicators.load import load_values
from ioc.indicators.model import IndicatorValue
from ioc.records import DossierRecord, Rejection
from ioc.warehouse.load import EncodedPage, PageCounts, encode_page, load_encoded, quarantine

#: Record type → the function that loads a page's records of it (dossiers take the encoded path below).
Sink = Callable[[Connection, int, "int | None", Sequence[Any], datetime], PageCounts]
SINKS: dict[type, Sink] = {IndicatorValue: load_values}


@dataclass(frozen=True)
class SortedPage:
    """A page's records by type: the dossiers encoded (before the write lock), the others as they are."""

    dossiers: EncodedPage | None
    others: dict[type, list[Any]]
    rejections: list[Rejection]


def sort_page(dialect_name: str, records: Sequence[Any], rejections: Sequence[Rejection]) -> SortedPage:
    """Split a page by record type; a type without a sink is a bug of its kind and fails the run."""
    dossiers: list[DossierRecord] = []
    others: dict[type, list[Any]] = {}
    for record in records:
        if type(record) is DossierRecord:
            dossiers.append(record)
        elif type(record) in SINKS:
            others.setdefault(type(record), []).append(record)
        else:
            raise TypeError(f"no sink for records of type {type(record).__name__}")
    encoded = encode_page(dialect_name, dossiers, rejections) if dossiers else None
    return SortedPage(encoded, others, list(rejections))


def _plus(a: PageCounts, b: PageCounts) -> PageCounts:
    return PageCounts(
        a.inserted + b.inserted, a.updated + b.updated, a.unchanged + b.unchanged, a.rejected + b.rejected
    )


def load_sorted(
    connection: Connection, collector_id: int, run_id: int | None, page: SortedPage, now: datetime
) -> PageCounts:
    """Load every record of a sorted page with its sink, and its rejections, in the caller's transaction."""
    if page.dossiers is not None:
        counts = load_encoded(connection, collector_id, run_id, page.dossiers, now)  # quarantines the rejections
    else:
        quarantine(connection, collector_id, run_id, page.rejections, now)
        counts = PageCounts(rejected=len(page.rejections))
    for record_type, records in page.others.items():
        counts = _plus(counts, SINKS[record_type](connection, collector_id, run_id, records, now))
    return counts
