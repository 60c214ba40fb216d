"""Re-processing the quarantine: parse a collector's rejected records again with its *current* configuration (after
an admin fixed an option such as ``field_map``, or the reference data now knows a code) and load those that pass.

Records that pass go through the sinks a run uses (:mod:`ioc.collecting.sinks`: idempotent upserts by source or value
key, aggregates and the data version updated in the same transaction) and are marked ``reprocessed_at``; the rest stay
in quarantine with their reason as the kind gives it now. Everything, with its audit entry, is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from ioc.collecting.kind import CollectorKind
from ioc.collecting.registry import get_kind
from ioc.collecting.runner import build_source, parse_page
from ioc.collecting.runs import AlreadyRunningError, live_run
from ioc.collecting.sinks import load_sorted, sort_page
from ioc.collecting.store import CollectorConfig, get_collector
from ioc.config import now_local
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction
from ioc.warehouse.load import CUT_MARK

QUARANTINE = schema.Quarantine.__table__
COLLECTOR = schema.Collector.__table__
#: Quarantined records parsed and loaded at a time (memory stays bounded; the transaction is one).
CHUNK = 1000


@dataclass(frozen=True)
class ReprocessResult:
    """What a re-processing did: records examined, now loaded (inserted, updated or already there in a newer
    state) and still rejected (of which ``reason_changed`` with a new reason)."""

    examined: int = 0
    loaded: int = 0
    still_rejected: int = 0
    reason_changed: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def _kind(connection: Connection, config: CollectorConfig, province: str) -> CollectorKind:
    """The collector's kind with its current options. Parsing needs no secrets and makes no request, so the kind is
    given empty ones (the variables may be set only where the scheduler runs)."""
    source = build_source(connection, config, province, dict.fromkeys(config.secret_envs, ""))
    return get_kind(config.kind)(source)


def _open_records(connection: Connection, collector_id: int, ids: Sequence[int] | None, after: int) -> list[Any]:
    query = (
        select(QUARANTINE.c.id, QUARANTINE.c.raw, QUARANTINE.c.reason)
        .where(
            QUARANTINE.c.collector_id == collector_id, QUARANTINE.c.reprocessed_at.is_(None), QUARANTINE.c.id > after
        )
        .order_by(QUARANTINE.c.id)
        .limit(CHUNK)
    )
    if ids is not None:
        query = query.where(QUARANTINE.c.id.in_(list(ids)))
    return list(connection.execute(query))


def _reprocess_chunk(
    connection: Connection, kind: CollectorKind, config: CollectorConfig, rows: list[Any], now: datetime
) -> ReprocessResult:
    passed: list[Any] = []
    passed_ids: list[int] = []
    new_reasons: list[dict[str, Any]] = []
    for row in rows:
        raw = json.loads(row.raw)
        if isinstance(raw, dict) and CUT_MARK in raw:
            continue  # kept cut: loading it would load the cut values; the record must be collected again
        records, rejections = parse_page(kind, [raw])
        if records:
            passed.extend(records)
            passed_ids.append(row.id)
        elif rejections[0].reason != row.reason:
            new_reasons.append({"record_id": row.id, "new_reason": rejections[0].reason})
    counts = load_sorted(connection, config.id, None, sort_page(connection.dialect.name, passed, []), now)
    if passed_ids:
        marked = update(QUARANTINE).where(QUARANTINE.c.id.in_(passed_ids)).values(reprocessed_at=now)
        connection.execute(marked)
    if new_reasons:
        changed = update(QUARANTINE).where(QUARANTINE.c.id == bindparam("record_id"))
        connection.execute(changed.values(reason=bindparam("new_reason")), new_reasons)
    return ReprocessResult(
        examined=len(rows),
        loaded=len(passed_ids),
        still_rejected=len(rows) - len(passed_ids),
        reason_changed=len(new_reasons),
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
    )


def _add(total: ReprocessResult, part: ReprocessResult) -> ReprocessResult:
    return ReprocessResult(*(getattr(total, f) + getattr(part, f) for f in ReprocessResult.__dataclass_fields__))


def reprocess_quarantine(
    engine: Engine,
    name: str,
    province: str,
    ids: Sequence[int] | None = None,
    *,
    actor: str,
    source_ip: str = audit.LOCAL,
) -> ReprocessResult:
    """Re-parse collector ``name``'s open quarantine (or only the records ``ids``) and load what now passes.

    Refused while the collector runs, so the run and the re-processing never write the same dossiers at once.
    """
    with transaction(engine) as connection:
        config = get_collector(connection, name)
        # Lock the collector's row (PostgreSQL) or the database (SQLite), as claiming a run does.
        connection.execute(
            update(COLLECTOR).where(COLLECTOR.c.id == config.id).values(updated_at=COLLECTOR.c.updated_at)
        )
        running = live_run(connection, config.id)
        if running is not None:
            raise AlreadyRunningError(f"collector {name!r} is running (run {running}); re-process when it has ended")
        kind = _kind(connection, config, province)
        now = now_local()
        result = ReprocessResult()
        try:
            after = 0
            while rows := _open_records(connection, config.id, ids, after):
                result = _add(result, _reprocess_chunk(connection, kind, config, rows, now))
                after = rows[-1].id
        finally:
            kind.close()
        details = {key: getattr(result, key) for key in ReprocessResult.__dataclass_fields__}
        if ids is not None:
            details["ids"] = sorted(set(ids))
        audit.record(connection, actor, "quarantine.reprocess", name, now, details, source_ip=source_ip)
    return result
