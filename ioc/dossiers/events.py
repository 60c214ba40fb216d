"""Which additive counts a dossier adds to which day: the KPI definitions of ``domain/dossier-source.md``.

Every measure is dated by the day its event happens, so a period's figure is a sum over its days and the
``dossier_daily`` aggregates stay additive. Pending counts at a period's end ``d1`` (a midnight) are running sums:

- pending(d1) = Σ pending_in − Σ pending_out over days before d1, where pending_in counts a dossier on its day of
  reception and pending_out on its day of finishing (a finish is never before reception: validation ensures it);
- overdue(d1) = Σ overdue_in − Σ overdue_out over days before d1, where overdue_in counts on the due day and
  overdue_out on the later of the due day and the finishing day (due is never before reception).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

NOT_RECEIVED = frozenset({1, 3})  # newly registered, refused at reception
NOT_PENDING = frozenset({1, 3, 7, 8})  # … and withdrawn, stopped
RESOLVED = frozenset({9, 10})
STOPPED = 8
ONLINE = 2

#: The additive measures, in ``dossier_daily`` column order.
MEASURES = (
    "received",
    "online_received",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "fee_known",
    "paid_online",
    "digitised",
    "pending_in",
    "pending_out",
    "overdue_in",
    "overdue_out",
    "stopped",
    "stopped_in_time",
)


@dataclass(frozen=True, slots=True)
class DossierState:
    """The fields of a dossier that KPIs read."""

    status: int
    channel: int | None
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    paid_online: bool | None
    digitised: bool


def timeliness(finished_at: datetime, due_at: datetime | None) -> str:
    """``early``, ``on_time`` or ``late`` for a resolved dossier.

    Late: finished after the due time, even later the same day. Early: not late and finished on an earlier calendar
    day. On time: the rest, including a finish exactly at the due time. Without a due time nothing can be late or
    early, so it counts as on time.
    """
    if due_at is None:
        return "on_time"
    if finished_at > due_at:
        return "late"
    if finished_at.date() < due_at.date():
        return "early"
    return "on_time"


def events(dossier: DossierState) -> Iterator[tuple[date, str]]:
    """The (day, measure) pairs this dossier adds one to."""
    received, due, finished, status = dossier.received_at, dossier.due_at, dossier.finished_at, dossier.status
    if received is not None and status not in NOT_RECEIVED:
        day = received.date()
        yield day, "received"
        if dossier.channel == ONLINE:
            yield day, "online_received"
        if dossier.paid_online is not None:
            yield day, "fee_known"
            if dossier.paid_online:
                yield day, "paid_online"
        if dossier.digitised:
            yield day, "digitised"
    if status in RESOLVED and finished is not None:
        yield finished.date(), "resolved"
        yield finished.date(), f"resolved_{timeliness(finished, due)}"
    if status == STOPPED and finished is not None:
        yield finished.date(), "stopped"  # handled, for Decision 766's progress component
        if due is None or finished <= due:
            yield finished.date(), "stopped_in_time"
    if received is not None and status not in NOT_PENDING:
        yield received.date(), "pending_in"
        if finished is not None:
            yield finished.date(), "pending_out"
        if due is not None:
            yield due.date(), "overdue_in"
            if finished is not None:
                yield max(due.date(), finished.date()), "overdue_out"
