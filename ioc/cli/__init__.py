"""The ``ioc`` command. Errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import os
import sys
import time

import typer

from ioc.cli import (
    alert_rule,
    boundaries,
    brief,
    collector,
    demo,
    indicator,
    kpi,
    risk,
    services,
    subscriber,
    tokens,
    user,
    warehouse,
)
from ioc.config import TIMEZONE
from ioc.errors import IOCError

app = typer.Typer(
    name="ioc",
    help="IOC — Trung tâm giám sát, điều hành thông minh (Intelligent Operations Center).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
warehouse.register(app)
app.add_typer(collector.app, name="collector")
collector.register(app)
services.register(app)
demo.register(app)
kpi.register(app)
risk.register(app)
app.add_typer(indicator.app, name="indicator")
app.add_typer(tokens.api_app, name="api-token")
app.add_typer(tokens.display_app, name="display-token")
app.add_typer(boundaries.app, name="boundaries")
app.add_typer(user.app, name="user")
brief.register(app)
app.add_typer(subscriber.app, name="subscriber")
app.add_typer(alert_rule.app, name="alert-rule")


def main() -> None:
    """Entry point: run the command, printing an IOCError as one line on stderr.

    The process runs in Vietnam time, so that logs and anything else showing local time agree with the warehouse.
    """
    os.environ["TZ"] = TIMEZONE.key
    time.tzset()
    try:
        app()
    except IOCError as error:
        print(f"ioc: error: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("ioc: interrupted", file=sys.stderr)
        sys.exit(130)
