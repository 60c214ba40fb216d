"""Mapping a source's unmatched unit names, for the CLI and the admin page alike: list the names waiting in a
collector's quarantine, and map one (``ioc.indicators.names.map_name``), then re-process the quarantine so the
records waiting under that name load."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from ioc.collecting.reprocess import ReprocessResult, reprocess_quarantine
from ioc.collecting.store import get_collector
from ioc.config import now_local
from ioc.indicators.names import UnmatchedName, map_name, unmatched_names
from ioc.warehouse import audit
from ioc.warehouse.access import transaction


@dataclass(frozen=True)
class Mapped:
    """A mapping made: the name as stored (normalised), and what re-processing the quarantine then did."""

    name: str
    reprocessed: ReprocessResult


def waiting_names(engine: Engine, collector: str) -> list[UnmatchedName]:
    """The unmatched names waiting in collector ``collector``'s quarantine."""
    with transaction(engine) as connection:
        return unmatched_names(connection, get_collector(connection, collector).id)


def map_and_reprocess(
    engine: Engine,
    collector: str,
    source_name: str,
    unit_code: str,
    agency_code: str,
    province: str,
    *,
    actor: str,
    source_ip: str = audit.LOCAL,
) -> Mapped:
    """Map ``source_name`` of collector ``collector`` to (unit, agency), audited, then re-process its quarantine."""
    with transaction(engine) as connection:
        config = get_collector(connection, collector)
        name = map_name(connection, config.id, source_name, unit_code, agency_code, actor, now_local(), source_ip)
    result = reprocess_quarantine(engine, collector, province, actor=actor, source_ip=source_ip)
    return Mapped(name, result)
