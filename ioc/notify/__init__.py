"""Alerts that reach people: rules (:mod:`.rules`), their evaluation into the outbox (:mod:`.evaluate`), and the
outbox's delivery by e-mail and webhook (:mod:`.deliver`). :func:`run_notifications` does both, for the scheduler's
job every minute and ``ioc alert-rule check --send``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from ioc.notify import deliver as delivery
from ioc.notify import evaluate as evaluation
from ioc.notify.deliver import Outcome
from ioc.notify.evaluate import Evaluation
from ioc.warehouse.access import transaction

__all__ = ["Run", "run_notifications"]
log = logging.getLogger("ioc.notify")


@dataclass(frozen=True)
class Run:
    """One evaluation and delivery: what raised, what was sent or failed, and the error that stopped it, if any."""

    evaluation: Evaluation | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    error: str | None = None


def run_notifications(
    engine: Engine,
    now: datetime,
    *,
    send: bool = True,
    dashboard_url: str | None = None,
    limit: int = 50,
    budget_seconds: float = 30.0,
    actor: str | None = None,
) -> Run:
    """Evaluate the enabled rules at ``now`` (naive local), then send what is due (at most ``limit``, none started
    after ``budget_seconds``). Never raises: a problem is logged and returned in :attr:`Run.error`."""
    found = None
    try:
        if dashboard_url is None:
            from ioc.config import load_settings

            dashboard_url = load_settings().public_url
        with transaction(engine) as connection:
            found = evaluation.evaluate(connection, now, dashboard_url)
        for name, problem in found.errors.items():
            log.warning("alert rule %s: %s", name, problem)
        outcomes = (
            delivery.deliver(
                engine, now, limit=limit, budget_seconds=budget_seconds, **({"actor": actor} if actor else {})
            )
            if send
            else []
        )
    except Exception as error:  # the scheduler's job must never raise
        log.error("notifications: %s: %s", type(error).__name__, error)
        return Run(found, [], f"{type(error).__name__}: {error}")
    for outcome in outcomes:
        if outcome.status != "sent":
            log.warning("notification %s (%s): %s", outcome.id, outcome.channel, outcome.error)
    return Run(found, outcomes)


#: The scheduler's job: its id, how often it runs, and the executor of its own (one thread, so it never holds a
#: collector's worker); each run sends for at most :data:`JOB_BUDGET_SECONDS` before it leaves the rest to the next.
JOB_ID = "ioc-notifications"
JOB_SECONDS = 60
JOB_EXECUTOR = "notify"
JOB_BUDGET_SECONDS = 30.0


def scheduled_notifications(engine: Engine) -> None:
    """The scheduler's job every minute: :func:`run_notifications` at the local time now (it never raises)."""
    from ioc.config import now_local

    run_notifications(engine, now_local(), budget_seconds=JOB_BUDGET_SECONDS)
