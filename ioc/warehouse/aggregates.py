"""The aggregates ``dossier_daily`` and ``dossier_monthly``, kept by the loader in the page's transaction.

The counting rules are ``ioc.kpi.events``, applied here in Python to the dossiers a page writes: before a page changes
known dossiers their old contributions are subtracted, and the contributions of every dossier it writes are added,
both as additive upserts. So the aggregates always equal a recount of ``dossier`` (``tests/test_aggregates.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from ioc.config import now_local
from ioc.kpi.events import MEASURES, DossierState, events
from ioc.warehouse import schema
from ioc.warehouse.dialect import add_to_rows

DOSSIER = schema.Dossier.__table__
DAILY = schema.DossierDaily.__table__
MONTHLY = schema.DossierMonthly.__table__
DATA_VERSION = schema.DataVersion.__table__
#: The keys of ``dossier_daily`` after its day; ``dossier_monthly`` adds the procedure.
DAILY_KEYS = ("unit_code", "agency_code", "field_code", "channel", "applicant_type")
MONTHLY_KEYS = (*DAILY_KEYS, "procedure_code")
#: The dossier columns the counts read, in the order :func:`tally` takes them.
STATE_COLUMNS = (
    "unit_code",
    "agency_code",
    "field_code",
    "procedure_code",
    "channel",
    "applicant_type",
    "status",
    "received_at",
    "due_at",
    "finished_at",
    "paid_online",
    "digitised",
)
_MEASURE_INDEX = {measure: i for i, measure in enumerate(MEASURES)}
#: Keys per ``IN (…)`` selection: well under every engine's limit on bound parameters.
CHUNK = 900

Counts = dict[tuple, list[int]]


def state_of(record: Any) -> tuple:
    """A dossier's :data:`STATE_COLUMNS` values from an object with those attributes (a ``DossierRecord``)."""
    return tuple(getattr(record, column) for column in STATE_COLUMNS)


def tally(states: Iterable[Sequence], sign: int, daily: Counts, monthly: Counts) -> None:
    """Add ``sign`` × each dossier's contributions (rows in :data:`STATE_COLUMNS` order) to the two count maps."""
    width = len(MEASURES)
    index_of = _MEASURE_INDEX
    for unit, agency, field, procedure, channel, applicant, status, received, due, finished, paid, digitised in states:
        by_day: dict[date, list[int]] = {}
        for day, measure in events(DossierState(status, channel, received, due, finished, paid, bool(digitised))):
            by_day.setdefault(day, []).append(index_of[measure])
        dims = (unit, agency or "", field or "", channel or 0, applicant or 0)
        for day, indexes in by_day.items():
            for counts_by_key, key in (
                (daily, (day, *dims)),
                (monthly, (day.replace(day=1), *dims, procedure or "")),
            ):
                counts = counts_by_key.get(key)
                if counts is None:
                    counts = counts_by_key[key] = [0] * width
                for index in indexes:
                    counts[index] += sign


def apply(connection: Connection, daily: Counts, monthly: Counts) -> None:
    """Add tallied counts to both aggregates (keys whose counts cancel out are skipped)."""
    for table, bucket, keys, counts in ((DAILY, "day", DAILY_KEYS, daily), (MONTHLY, "month", MONTHLY_KEYS, monthly)):
        rows = [(*key, *values) for key, values in counts.items() if any(values)]
        add_to_rows(connection, table, [bucket, *keys], MEASURES, rows)


def stored_states(connection: Connection, collector_id: int, source_keys: Sequence[str]) -> list[tuple]:
    """The stored :data:`STATE_COLUMNS` of a collector's dossiers, before a page changes them."""
    columns = [DOSSIER.c[name] for name in STATE_COLUMNS]
    states: list[tuple] = []
    for start in range(0, len(source_keys), CHUNK):
        chunk = list(source_keys[start : start + CHUNK])
        query = select(*columns).where(DOSSIER.c.collector_id == collector_id, DOSSIER.c.source_key.in_(chunk))
        states.extend(tuple(row) for row in connection.execute(query))
    return states


def bump_version(connection: Connection, now: datetime) -> None:
    """Mark the warehouse's data as changed (cached KPI answers keyed by the old version are stale)."""
    changed = connection.execute(
        update(DATA_VERSION).where(DATA_VERSION.c.id == 1).values(version=DATA_VERSION.c.version + 1, updated_at=now)
    )
    if changed.rowcount == 0:
        connection.execute(DATA_VERSION.insert().values(id=1, version=1, updated_at=now))


def data_version(connection: Connection) -> tuple[int, datetime | None]:
    """The current data version (0 before any load) and when it last changed."""
    row = connection.execute(select(DATA_VERSION.c.version, DATA_VERSION.c.updated_at)).first()
    return (row[0], row[1]) if row else (0, None)


def rebuild(connection: Connection, batch: int = 50_000) -> None:
    """Recount both aggregates from every dossier (after a migration, or to repair)."""
    connection.execute(delete(DAILY))
    connection.execute(delete(MONTHLY))
    daily: Counts = {}
    monthly: Counts = {}
    columns = [DOSSIER.c[name] for name in STATE_COLUMNS]
    result = connection.execute(select(*columns).execution_options(yield_per=batch))
    for rows in result.partitions():
        tally(rows, 1, daily, monthly)
    apply(connection, daily, monthly)
    bump_version(connection, now_local())
