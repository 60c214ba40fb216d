"""Deleting a collector's dossiers so that the figures are as if it had never been added.

In the caller's transaction, batch by batch (keyset by id, so memory stays bounded for millions of rows): the
contributions of its counted rows come out of the aggregates; each of their source keys is handed to the best row
another collector holds (the newest version; on a tie the lowest id), whose contribution goes in; the rows go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select

from ioc.warehouse import aggregates, schema
from ioc.warehouse.dialect import update_rows
from ioc.warehouse.load import LOOKUP_CHUNK, lock_counting

DOSSIER = schema.Dossier.__table__
#: Dossiers purged per batch.
BATCH = 5000


@dataclass(frozen=True)
class Purged:
    """What a purge did: dossier rows removed, and source keys whose count another collector's row took over."""

    removed: int = 0
    handed_over: int = 0


def _successors(connection: Connection, collector_id: int, keys: Sequence[str]) -> list[tuple[int, tuple]]:
    """For each of ``keys``, the best row of another collector, if any: (id, state as ``STATE_COLUMNS``)."""
    d = DOSSIER.c
    columns = [d[name] for name in aggregates.STATE_COLUMNS]
    best: dict[str, tuple] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        query = select(d.source_key, d.source_updated_at, d.id, *columns).where(
            d.source_key.in_(chunk), d.collector_id != collector_id
        )
        for row in connection.execute(query):
            seen = best.get(row[0])
            if seen is None or (row[1], -row[2]) > (seen[1], -seen[2]):
                best[row[0]] = tuple(row)
    return [(row[2], row[3:]) for row in best.values()]


def purge_dossiers(connection: Connection, collector_id: int, now: datetime) -> Purged:
    """Delete collector ``collector_id``'s dossiers, its counted ones' keys handed over, the aggregates kept equal to
    a recount; bumps the data version when anything went."""
    lock_counting(connection)
    d = DOSSIER.c
    columns = [d[name] for name in aggregates.STATE_COLUMNS]
    removed = handed_over = 0
    last_id = None
    while True:
        query = select(d.id, d.source_key, d.counted, *columns).where(d.collector_id == collector_id)
        if last_id is not None:
            query = query.where(d.id > last_id)
        rows = connection.execute(query.order_by(d.id).limit(BATCH)).all()
        if not rows:
            break
        batch = d.id.between(rows[0][0], rows[-1][0])  # a range of the primary key: no index on collector_id needed
        last_id = rows[-1][0]
        counted = [row for row in rows if row[2]]
        # The rows first, so that a successor never shares its key with a row still counted (the partial index).
        connection.execute(delete(DOSSIER).where(d.collector_id == collector_id, batch))
        successors = _successors(connection, collector_id, [row[1] for row in counted])
        if successors:
            update_rows(connection, DOSSIER, ["counted"], "id", [(True, id_) for id_, _ in successors])
        aggregates.add_states(connection, [row[3:] for row in counted], [state for _, state in successors])
        removed += len(rows)
        handed_over += len(successors)
    if removed:
        aggregates.bump_version(connection, now)
    return Purged(removed, handed_over)
