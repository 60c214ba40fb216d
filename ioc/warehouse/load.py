"""Loading a page of records: idempotent upserts by (collector, source key), quarantine, reference rows.

A dossier is identified nationally by its source key (``MaHoSo``). When several collectors deliver it, each keeps its
own row, and exactly one row per key is counted (``dossier.counted``): the newest ``source_updated_at``, whichever
collector brought it; on a tie the row counted already stays counted, so replays never flip it.

The caller runs :func:`load_page` in the transaction that also saves the page's cursor, so a crash
loses at most the page in flight and re-running a page never duplicates anything.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from ioc.records import RECORD_FIELDS, DossierRecord, Rejection
from ioc.warehouse import aggregates, schema
from ioc.warehouse.dialect import (
    add_to_rows,
    copy_into_staging,
    encode_rows,
    insert_ignoring_conflicts,
    insert_rows,
    update_rows,
)

DOSSIER = schema.Dossier.__table__
COLLECTOR = schema.Collector.__table__
QUARANTINE = schema.Quarantine.__table__
PROCEDURE = schema.Procedure.__table__
AGENCY = schema.Agency.__table__
OVERLAP = schema.CollectorOverlap.__table__
#: The key of the PostgreSQL advisory lock under which loads and purges decide which rows are counted.
COUNTING_LOCK = 140_014
#: Keys per ``IN (…)`` lookup: well under every engine's limit on bound parameters.
LOOKUP_CHUNK = 900
#: The dialects whose pages are merged through a staging table filled by ``COPY``; the others look keys up by ``IN``
#: lists and write with ``executemany`` (SQLite, where each statement costs no round trip).
STAGED_DIALECTS = frozenset({"postgresql"})
#: The temporary table a page's dossiers are copied into (one per session, emptied at each commit).
STAGING = "ioc_dossier_page"
#: How much of a rejected record the quarantine keeps: levels of nesting, characters per string, values in all.
KEPT_DEPTH = 8
KEPT_CHARS = 1000
KEPT_VALUES = 1000
KEPT_REASON_CHARS = 1000
#: Set in a kept record that had to be cut: re-processing leaves it alone (collect the record again instead).
CUT_MARK = "__ioc_cut__"


@dataclass(frozen=True)
class PageCounts:
    """What loading one page did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


def kept_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` as the quarantine keeps it: nesting, strings and size bounded (whatever the source sent), JSON-able.

    A record within the bounds is kept as it is; one that had to be cut says so under :data:`CUT_MARK`.
    """
    left = [KEPT_VALUES]
    cuts: set[str] = set()

    def cut(what: str, replacement: Any) -> Any:
        cuts.add(what)
        return replacement

    def keep(value: Any, depth: int) -> Any:
        left[0] -= 1
        if isinstance(value, str):
            if len(value) <= KEPT_CHARS:
                return value
            return cut("text", f"{value[:KEPT_CHARS]}… [cut: {len(value)} characters]")
        if value is None or isinstance(value, (bool, float)):
            return value
        if isinstance(value, int):
            return value if -(10**40) < value < 10**40 else cut("number", "[cut: a 40-digit-plus number]")
        if depth >= KEPT_DEPTH:
            return cut("depth", f"[cut: nested deeper than {KEPT_DEPTH} levels]")
        if isinstance(value, (dict, list, tuple)):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            kept = {}
            for key, item in items:
                if left[0] <= 0:
                    cut("size", None)
                    break
                kept[str(key)[:KEPT_CHARS]] = keep(item, depth + 1)
            return kept if isinstance(value, dict) else list(kept.values())
        return keep(str(value), depth)

    kept = keep(raw, 0) if isinstance(raw, dict) else {"value": keep(raw, 1)}
    if cuts:
        kept[CUT_MARK] = f"cut to be kept ({', '.join(sorted(cuts))})"
    return kept


def raw_fingerprint(raw: dict) -> str:
    """A stable hash of a raw record, so a re-pulled bad record is quarantined once."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def kept_text(raw: dict[str, Any]) -> tuple[str, str]:
    """What the quarantine keeps of ``raw``: the JSON text of :func:`kept_raw` and its fingerprint."""
    kept = kept_raw(raw)
    return json.dumps(kept, ensure_ascii=False, default=str), raw_fingerprint(kept)


def _latest_by_key(records: Iterable[DossierRecord]) -> dict[str, DossierRecord]:
    latest: dict[str, DossierRecord] = {}
    for record in records:
        seen = latest.get(record.source_key)
        if seen is None or record.source_updated_at >= seen.source_updated_at:
            latest[record.source_key] = record
    return latest


def lock_counting(connection: Connection) -> None:
    """Hold, until the transaction ends, the right to decide which rows are counted: on PostgreSQL an advisory lock,
    so that two collectors loading the same keys at once cannot both claim one; SQLite's writers are serialised
    already (each write transaction begins ``IMMEDIATE``)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(COUNTING_LOCK)))


def _stored(connection: Connection, keys: Sequence[str]) -> dict[str, list[tuple]]:
    """Every stored row of ``keys``, whichever collector brought it: (id, collector id, source version, counted,
    state as ``aggregates.STATE_COLUMNS``)."""
    d = DOSSIER.c
    columns = [d[name] for name in aggregates.STATE_COLUMNS]
    found: dict[str, list[tuple]] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        query = select(d.source_key, d.id, d.collector_id, d.source_updated_at, d.counted, *columns)
        for row in connection.execute(query.where(d.source_key.in_(chunk))):
            found.setdefault(row[0], []).append((row[1], row[2], row[3], row[4], tuple(row[5:])))
    return found


@dataclass(frozen=True)
class EncodedPage:
    """A page ready for the warehouse: the latest state of each dossier encoded for the dialect, the procedures and
    agencies it names, and its rejections. Made by :func:`encode_page`, which needs no connection."""

    keys: list[str]
    versions: list[datetime]
    rows: list[tuple]
    states: list[tuple]
    procedures: list[dict]
    agencies: list[dict]
    rejections: list[Rejection]


def encode_page(dialect_name: str, records: Iterable[DossierRecord], rejections: Sequence[Rejection]) -> EncodedPage:
    """Keep each dossier's latest state in the page and encode it for ``dialect_name`` (``sqlite``, ``postgresql``)."""
    latest = list(_latest_by_key(records).values())
    procedures, agencies = _references(latest)
    return EncodedPage(
        keys=[record.source_key for record in latest],
        versions=[record.source_updated_at for record in latest],
        rows=encode_rows(dialect_name, DOSSIER, RECORD_FIELDS, [record.values() for record in latest]),
        states=[aggregates.state_of(record) for record in latest],
        procedures=procedures,
        agencies=agencies,
        rejections=list(rejections),
    )


@dataclass
class _Merge:
    """What a page does to ``dossier``, decided from the stored rows of its keys: the page rows (by index) to insert
    and to update, with whether each is counted now; the rows that stop being counted; the states whose contributions
    go out of the aggregates and those that come in; the dossiers shared with each other collector."""

    new: list[tuple[int, bool]]
    changed: list[tuple[int, int, bool]]
    demoted: list[int]
    out_states: list[tuple]
    in_states: list[tuple]
    shared: Counter[int]


def _merge(collector_id: int, page: EncodedPage, stored: dict[str, list[tuple]]) -> _Merge:
    """The counting rule: one counted row per source key, the newest version, a tie keeping the row counted already."""
    merge = _Merge([], [], [], [], [], Counter())
    for index, (key, version, state) in enumerate(zip(page.keys, page.versions, page.states, strict=True)):
        rows = stored.get(key, ())
        mine = next((known for known in rows if known[1] == collector_id), None)
        if mine is not None and version <= mine[2]:
            continue
        counted = next((known for known in rows if known[3]), None)
        takes_count = counted is None or counted is mine or version > counted[2]
        if takes_count:
            merge.in_states.append(state)
            if counted is not None:
                merge.out_states.append(counted[4])
            if counted is not None and counted is not mine:
                merge.demoted.append(counted[0])
        if mine is None:
            merge.new.append((index, takes_count))
            merge.shared.update(known[1] for known in rows)
        else:
            merge.changed.append((index, mine[0], takes_count))
    return merge


def _write_rows(connection: Connection, collector_id: int, page: EncodedPage, merge: _Merge, now: datetime) -> None:
    """Write a merge row by row (``executemany``): SQLite's way, as fast there as its writes."""
    loaded_at, collector = encode_rows(
        connection.dialect.name, DOSSIER, ["loaded_at", "collector_id"], [(now, collector_id)]
    )[0]
    if merge.demoted:  # first, so that no key is counted twice at any moment (the partial unique index)
        update_rows(connection, DOSSIER, ["counted"], "id", [(False, id_) for id_ in merge.demoted])
    if merge.changed:
        changed = [(*page.rows[index], loaded_at, counted, id_) for index, id_, counted in merge.changed]
        update_rows(connection, DOSSIER, [*RECORD_FIELDS, "loaded_at", "counted"], "id", changed)
    if merge.new:
        new = [(*page.rows[index], loaded_at, counted, collector) for index, counted in merge.new]
        insert_rows(connection, DOSSIER, [*RECORD_FIELDS, "loaded_at", "counted", "collector_id"], new)


def _stored_staged(connection: Connection) -> dict[str, list[tuple]]:
    """As :func:`_stored`, for the keys in :data:`STAGING`: a join, each key looked up by the index on
    ``(source_key, collector_id)`` (the ``OFFSET 0`` keeps the planner from trading the probes for a scan of
    ``dossier``, which it prices lower on a small or just-loaded table)."""
    found: dict[str, list[tuple]] = {}
    for row in connection.exec_driver_sql(_STORED_SQL):
        found.setdefault(row[0], []).append((row[1], row[2], row[3], row[4], tuple(row[5:])))
    return found


_STORED_SQL = (
    f"SELECT d.* FROM {STAGING} AS s CROSS JOIN LATERAL (SELECT "
    + ", ".join(("source_key", "id", "collector_id", "source_updated_at", "counted", *aggregates.STATE_COLUMNS))
    + " FROM dossier WHERE dossier.source_key = s.source_key OFFSET 0) AS d"
)
_UPDATED = [name for name in RECORD_FIELDS if name != "source_key"]
_UPDATE_SQL = (
    "UPDATE dossier AS d SET "
    + ", ".join(f"{name} = s.{name}" for name in _UPDATED)
    + f", loaded_at = %s, counted = c.counted FROM {STAGING} AS s, "
    "unnest(%s::bigint[], %s::text[], %s::boolean[]) AS c(id, source_key, counted) "
    "WHERE d.id = c.id AND s.source_key = c.source_key AND s.source_updated_at > d.source_updated_at"
)
_INSERT_SQL = (
    f"INSERT INTO dossier ({', '.join(RECORD_FIELDS)}, loaded_at, counted, collector_id) "
    f"SELECT {', '.join(f's.{name}' for name in RECORD_FIELDS)}, %s, c.counted, %s FROM {STAGING} AS s "
    "JOIN unnest(%s::text[], %s::boolean[]) WITH ORDINALITY AS c(source_key, counted, n) "
    "ON s.source_key = c.source_key ORDER BY c.n"
)


def _write_staged(connection: Connection, collector_id: int, page: EncodedPage, merge: _Merge, now: datetime) -> None:
    """Write a merge from :data:`STAGING` in three statements (PostgreSQL): demotions, updates newer than the stored
    row, inserts."""
    if merge.demoted:  # first, so that no key is counted twice at any moment (the partial unique index)
        connection.exec_driver_sql("UPDATE dossier SET counted = false WHERE id = ANY(%s::bigint[])", (merge.demoted,))
    if merge.changed:
        ids = [id_ for _, id_, _ in merge.changed]
        keys = [page.keys[index] for index, _, _ in merge.changed]
        counted = [counted for _, _, counted in merge.changed]
        connection.exec_driver_sql(_UPDATE_SQL, (now, ids, keys, counted))
    if merge.new:
        keys = [page.keys[index] for index, _ in merge.new]
        counted = [counted for _, counted in merge.new]
        connection.exec_driver_sql(_INSERT_SQL, (now, collector_id, keys, counted))


def upsert_dossiers(connection: Connection, collector_id: int, page: EncodedPage, now: datetime) -> PageCounts:
    """Insert new dossiers and update those the source reports in a newer state; older states are ignored.

    Each collector keeps its own row of a source key; the figures count one row per key, the newest version whichever
    collector brought it (on a tie the row already counted stays counted). The aggregates follow in the same
    transaction: the contributions of rows that change or stop counting out, those of rows that count now in.

    On PostgreSQL the page is first copied into :data:`STAGING` (``COPY``), the stored rows of its keys read by a
    join with it, and the merge written from it in a statement per kind of change.
    """
    lock_counting(connection)
    staged = connection.dialect.name in STAGED_DIALECTS
    if staged:
        copy_into_staging(connection, DOSSIER, STAGING, RECORD_FIELDS, page.rows)
        stored = _stored_staged(connection)
    else:
        stored = _stored(connection, page.keys)
    merge = _merge(collector_id, page, stored)
    if not merge.new and not merge.changed:
        return PageCounts(unchanged=len(page.keys))
    (_write_staged if staged else _write_rows)(connection, collector_id, page, merge, now)
    if merge.shared:
        shared = merge.shared.items()
        pairs = [pair for other, n in shared for pair in ((collector_id, other, n), (other, collector_id, n))]
        add_to_rows(connection, OVERLAP, ["collector_id", "other_id"], ["dossiers"], pairs)
    aggregates.add_states(connection, merge.out_states, merge.in_states)
    aggregates.bump_version(connection, now)
    unchanged = len(page.keys) - len(merge.new) - len(merge.changed)
    return PageCounts(inserted=len(merge.new), updated=len(merge.changed), unchanged=unchanged)


def quarantine(
    connection: Connection, collector_id: int, run_id: int | None, rejections: Sequence[Rejection], now: datetime
) -> None:
    """Keep each rejected record raw (bounded, :func:`kept_raw`) with its reason; the same raw record is kept once
    per collector."""
    if not rejections:
        return
    rows = {}
    for rejection in rejections:
        text, fingerprint = rejection.kept or kept_text(rejection.raw)
        rows[fingerprint] = {
            "collector_id": collector_id,
            "run_id": run_id,
            "source_key": (rejection.source_key or None) and rejection.source_key[:100],
            "raw_hash": fingerprint,
            "raw": text,
            "reason": rejection.reason[:KEPT_REASON_CHARS],
            "quarantined_at": now,
        }
    statement = insert_ignoring_conflicts(connection, QUARANTINE, ["collector_id", "raw_hash"])
    connection.execute(statement, list(rows.values()))


def _references(records: Iterable[DossierRecord]) -> tuple[list[dict], list[dict]]:
    """The procedures and agencies that records name, once each."""
    procedures: dict[str, dict] = {}
    agencies: dict[str, dict] = {}
    for record in records:
        if record.procedure_code and record.procedure_code not in procedures:
            procedures[record.procedure_code] = {
                "code": record.procedure_code,
                "name": record.procedure_name or record.procedure_code,
                "field_code": record.field_code,
                "field_name": record.field_name,
            }
        if record.agency_code and record.agency_code not in agencies:
            agencies[record.agency_code] = {
                "code": record.agency_code,
                "name": record.agency_code,
                "kind": "unregistered",
                "level": "province" if len(record.unit_code) == 2 else "commune",
                "unit_code": record.unit_code,
            }
    return list(procedures.values()), list(agencies.values())


def register_reference(connection: Connection, procedures: list[dict], agencies: list[dict]) -> None:
    """Add procedures and agencies the warehouse does not know yet (known ones are left as they are)."""
    for table, rows in ((PROCEDURE, procedures), (AGENCY, agencies)):
        if not rows:
            continue
        codes = [row["code"] for row in rows]
        known = set(connection.execute(select(table.c.code).where(table.c.code.in_(codes))).scalars())
        missing = [row for row in rows if row["code"] not in known]
        if missing:
            connection.execute(insert_ignoring_conflicts(connection, table, ["code"]), missing)


def load_encoded(
    connection: Connection, collector_id: int, run_id: int | None, page: EncodedPage, now: datetime
) -> PageCounts:
    """Load an encoded page's dossiers, reference rows and rejections in the caller's transaction."""
    lock_counting(connection)  # before the reference rows too, so that two loads never wait on each other's
    register_reference(connection, page.procedures, page.agencies)
    counts = upsert_dossiers(connection, collector_id, page, now)
    if counts.inserted:
        loaded = COLLECTOR.c.dossiers + counts.inserted
        connection.execute(update(COLLECTOR).where(COLLECTOR.c.id == collector_id).values(dossiers=loaded))
    quarantine(connection, collector_id, run_id, page.rejections, now)
    return PageCounts(counts.inserted, counts.updated, counts.unchanged, rejected=len(page.rejections))


def load_page(
    connection: Connection,
    collector_id: int,
    run_id: int | None,
    records: Sequence[DossierRecord],
    rejections: Sequence[Rejection],
    now: datetime,
) -> PageCounts:
    """Load one page's records and rejections in the caller's transaction."""
    page = encode_page(connection.dialect.name, records, rejections)
    return load_encoded(connection, collector_id, run_id, page, now)
