"""The scheduler's brief job: at 07:00 local time, then every :data:`RETRY_MINUTES` minutes until 08:00 for the
attempts that failed (their backoff decides whether they are due). It never raises: each outcome is one log line."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from ioc.brief.send import send_brief
from ioc.config import TIMEZONE, load_settings, now_local
from ioc.errors import IOCError
from ioc.mail import load_smtp_settings
from ioc.warehouse.engine import make_engine

log = logging.getLogger("ioc.brief")
JOB_ID = "ioc-daily-brief"
#: The scheduler's executor the job runs on, one thread of its own.
EXECUTOR = "brief"
ACTOR = "scheduler"
HOUR = 7
#: The job fires at 07:00 and again at these minutes past, for the retries and subscribers added meanwhile.
RETRY_MINUTES = "0,10,20,30,40,50"


def trigger() -> CronTrigger:
    """07:00 Asia/Ho_Chi_Minh, and every 10 minutes of that hour (retries only: a recipient is sent once a day)."""
    return CronTrigger(hour=HOUR, minute=RETRY_MINUTES, timezone=TIMEZONE)


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


def scheduled_brief(now: datetime | None = None) -> None:
    """Send today's brief to the subscribers not yet sent it; log, never raise."""
    try:
        smtp = load_smtp_settings()
        if not smtp.host:
            log.info("brief: IOC_SMTP_HOST is not set, no brief sent")
            return
        moment = now or now_local()
        settings = load_settings()
        done = send_brief(_engine(settings.warehouse_url), moment.date(), smtp, ACTOR, moment)
    except IOCError as error:
        log.error("brief: %s", error)
        return
    except Exception as error:  # a job never raises into the scheduler
        log.error("brief: failed: %s: %s", type(error).__name__, error)
        return
    if done.sent or done.failed:
        level = logging.ERROR if done.failed else logging.INFO
        log.log(level, "brief: sent to %d, failed for %d, %d left alone", len(done.sent), len(done.failed),
                len(done.skipped))  # fmt: skip
        for address, error in done.failed.items():
            log.error("brief: %s: %s", address, error)
