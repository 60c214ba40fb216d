"""The dossiers behind a number: for a KPI, a period and filters, the ``dossier`` rows the aggregates count.

:func:`condition` restates ``ioc.dossiers.events`` in SQL, one measure at a time; keep the two in step
(``tests/test_drill.py`` checks every measure against the aggregates on both engines). Days are whole: an event dated
``d`` lies in ``[start, end)`` when its time lies in ``[start 00:00, end 00:00)``, so the comparisons can use the
indexes on ``received_at`` and ``finished_at``. This reads ``dossier`` (not the aggregates), so procedure filters work
on any period, and always with a limit; only its counted rows (``aggregates.counted_dossiers``), one per source key
whichever collectors deliver it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, Connection, and_, func, or_

from ioc.dossiers.events import NOT_PENDING, NOT_RECEIVED, ONLINE, RESOLVED, STOPPED, timeliness
from ioc.errors import IOCError
from ioc.kpi.periods import Period
from ioc.kpi.query import Filters, counts_by
from ioc.warehouse import schema
from ioc.warehouse.aggregates import counted_dossiers

DOSSIER = schema.Dossier.__table__
#: The most rows one page may hold.
MAX_LIMIT = 500
#: The furthest offset a page may start at: past any warehouse's end, and within every database's integers.
MAX_OFFSET = 2**31 - 1
#: Each drillable key and the dossier set it lists: a count's own dossiers, a rate's denominator.
DRILL_SETS = {
    "received": "received",
    "online_received": "online_received",
    "resolved": "resolved",
    "resolved_early": "resolved_early",
    "resolved_on_time": "resolved_on_time",
    "resolved_late": "resolved_late",
    "pending": "pending",
    "pending_overdue": "pending_overdue",
    "fee_known": "fee_known",
    "online_rate": "received",
    "on_time_rate": "resolved",
    "online_payment_rate": "fee_known",
    "digitisation_rate": "received",
    # Decision 766's progress component: the dossiers handled in the period and not on time (resolved or stopped after
    # their due time, or still open and overdue at its end).
    "handled_late": "handled_late",
}
MEASURES_DRILLABLE = tuple(DRILL_SETS)
#: The time each set is listed by, latest first: the day that dates its event (pending: reception).
ORDER_COLUMN = {
    "received": "received_at",
    "online_received": "received_at",
    "fee_known": "received_at",
    "resolved": "finished_at",
    "resolved_early": "finished_at",
    "resolved_on_time": "finished_at",
    "resolved_late": "finished_at",
    "pending": "received_at",
    "pending_overdue": "received_at",
    "handled_late": "due_at",
}
#: The ``dossier`` columns a page shows (``paid_online`` and ``digitised`` tell a rate's numerator apart).
COLUMNS = (
    "source_key",
    "procedure_code",
    "field_code",
    "agency_code",
    "unit_code",
    "channel",
    "applicant_type",
    "applicant_name",
    "received_at",
    "due_at",
    "finished_at",
    "status",
    "paid_online",
    "digitised",
)
#: The names a page shows beside the codes, from the reference tables (None where a code names nothing there).
AGENCY, UNIT, PROCEDURE = schema.Agency.__table__, schema.Unit.__table__, schema.Procedure.__table__
NAMES = {
    "procedure_name": PROCEDURE.c.name,
    "agency_name": AGENCY.c.name,
    "agency_name_en": AGENCY.c.name_en,
    "unit_name": UNIT.c.name,
}
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class DossierPage:
    """One page of dossiers (dicts of :data:`COLUMNS`, the :data:`NAMES` and ``timeliness``) and how many there are
    in all."""

    rows: list[dict]
    total: int


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def condition(measure: str, period: Period) -> ColumnElement[bool]:
    """The dossiers ``measure`` counts in ``period``, as ``ioc.dossiers.events`` dates them; pending ones at its end."""
    d = DOSSIER.c
    start, end = _midnight(period.start), _midnight(period.end)
    received = and_(d.received_at >= start, d.received_at < end, d.status.not_in(NOT_RECEIVED))
    resolved = and_(d.status.in_(RESOLVED), d.finished_at >= start, d.finished_at < end)
    # Timeliness (events.timeliness): late after the due time; early not late and on an earlier calendar day.
    late = d.finished_at > d.due_at
    earlier_day = func.date(d.finished_at) < func.date(d.due_at)
    open_at_end = and_(d.status.not_in(NOT_PENDING), or_(d.finished_at.is_(None), d.finished_at >= end))
    pending_overdue = and_(open_at_end, d.received_at.is_not(None), d.due_at < end)
    stopped_late = and_(d.status == STOPPED, d.finished_at >= start, d.finished_at < end, late)
    conditions: dict[str, ColumnElement[bool]] = {
        "received": received,
        "online_received": and_(received, d.channel == ONLINE),
        "fee_known": and_(received, d.paid_online.is_not(None)),
        "resolved": resolved,
        "resolved_late": and_(resolved, late),
        "resolved_early": and_(resolved, d.finished_at <= d.due_at, earlier_day),
        "resolved_on_time": and_(resolved, or_(d.due_at.is_(None), and_(d.finished_at <= d.due_at, ~earlier_day))),
        # pending_in on the reception day (before the end), pending_out on the finishing day (not before the end).
        "pending": and_(open_at_end, d.received_at < end),
        # overdue_in on the due day (before the end); overdue_out on the later of due and finishing day (not before).
        "pending_overdue": pending_overdue,
        "handled_late": or_(and_(resolved, late), stopped_late, pending_overdue),
    }
    return conditions[measure]


def _filter_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """The filters on ``dossier``; ``""`` and 0 are the aggregates' stand-ins for a missing code or number."""
    conditions = []
    for column, value in filters.chosen():
        c = DOSSIER.c[column]
        conditions.append(or_(c.is_(None), c == value) if value in ("", 0) else c == value)
    return conditions


def mask_name(name: str | None) -> str | None:
    """Each word's first letter, the rest as ``*``: ``"Nguyễn Văn An"`` → ``"N***** V** A*"``."""
    if name is None:
        return None
    return _WORD.sub(lambda word: word[0][0] + "*" * (len(word[0]) - 1), unicodedata.normalize("NFC", name))


def _row(row: dict, mask_names: bool) -> dict:
    values = {column: row[column] for column in (*COLUMNS, *NAMES)}
    if mask_names:
        values["applicant_name"] = mask_name(values["applicant_name"])
    finished = values["finished_at"]
    resolved = values["status"] in RESOLVED and finished is not None
    values["timeliness"] = timeliness(finished, values["due_at"]) if resolved else None
    return values


def _total(
    connection: Connection, period: Period, dossier_set: str, filters: Filters, where: ColumnElement[bool]
) -> int:
    """How many dossiers the set holds: from the aggregates, the very figure the KPIs show (milliseconds where counting
    ``dossier`` rows takes seconds over a year); by counting rows only when the aggregates cannot answer (a procedure
    over part of a month)."""
    try:
        ((_, counts),) = counts_by(connection, period, None, filters)
    except IOCError:
        return int(connection.execute(counted_dossiers(func.count()).select_from(DOSSIER).where(where)).scalar_one())
    if dossier_set == "handled_late":
        late_stops = counts["stopped"] - counts["stopped_in_time"]
        return int(counts["resolved_late"] + late_stops + counts["pending_overdue"])
    return int(counts[dossier_set])


def dossier_page(
    connection: Connection,
    period: Period,
    measure: str,
    filters: Filters = Filters(),
    offset: int = 0,
    limit: int = 50,
    mask_names: bool = True,
) -> DossierPage:
    """The dossiers counted for ``measure`` (a key of :data:`DRILL_SETS`) in ``period`` under ``filters``, latest
    first (by the time that dates the measure, then id); ``limit`` is capped at :data:`MAX_LIMIT`, ``offset`` at most
    :data:`MAX_OFFSET`."""
    if measure not in DRILL_SETS:
        raise IOCError(f"no dossier list for {measure!r}; use one of {', '.join(MEASURES_DRILLABLE)}")
    if type(offset) is not int or type(limit) is not int or not 0 <= offset <= MAX_OFFSET or limit < 0:
        raise IOCError(f"offset and limit must be whole numbers, not negative, and offset at most {MAX_OFFSET}")
    dossier_set = DRILL_SETS[measure]
    where = and_(condition(dossier_set, period), *_filter_conditions(filters))
    total = _total(connection, period, dossier_set, filters, where)
    order = DOSSIER.c[ORDER_COLUMN[dossier_set]]
    named = (
        DOSSIER.outerjoin(PROCEDURE, PROCEDURE.c.code == DOSSIER.c.procedure_code)
        .outerjoin(AGENCY, AGENCY.c.code == DOSSIER.c.agency_code)
        .outerjoin(UNIT, UNIT.c.code == DOSSIER.c.unit_code)
    )
    query = (
        counted_dossiers(*(DOSSIER.c[column] for column in COLUMNS), *(name.label(key) for key, name in NAMES.items()))
        .select_from(named)
        .where(where)
        .order_by(order.desc(), DOSSIER.c.id)
        .offset(offset)
        .limit(min(limit, MAX_LIMIT))
    )
    rows = [_row(dict(row), mask_names) for row in connection.execute(query).mappings()]
    return DossierPage(rows=rows, total=total)


def applicant_names(connection: Connection, source_keys: Sequence[str], mask_names: bool = True) -> dict[str, str]:
    """The applicants of the counted dossiers ``source_keys`` (at most :data:`MAX_LIMIT` × 4 of them), by source key,
    masked as :func:`mask_name` does unless ``mask_names`` is False; a dossier without an applicant is left out."""
    keys = list(dict.fromkeys(source_keys))
    if len(keys) > 4 * MAX_LIMIT:
        raise IOCError(f"at most {4 * MAX_LIMIT} dossiers' applicants at once, not {len(keys)}")
    names: dict[str, str] = {}
    for start in range(0, len(keys), MAX_LIMIT):  # a bounded IN list per query, which every database takes
        chunk = keys[start : start + MAX_LIMIT]
        query = counted_dossiers(DOSSIER.c.source_key, DOSSIER.c.applicant_name).where(
            DOSSIER.c.source_key.in_(chunk), DOSSIER.c.applicant_name.is_not(None)
        )
        for key, name in connection.execute(query):
            names[key] = mask_name(name) if mask_names else name
    return names
