"""The ``ioc`` command. Errors are one line on stderr and a non-zero exit."""

from __future__ import annotations

import importlib
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


#: Click's exceptions, wherever this typer takes click from (typer 0.2x carries its own copy of click).
click_errors = importlib.import_module(typer.BadParameter.__module__)


def usage_error_line(error: click_errors.UsageError) -> str:
    """A usage error (wrong flag, missing argument, bad value) as one line, pointing at the command's ``--help``."""
    message = " ".join(error.format_message().split())
    if error.ctx is None:
        return f"ioc: error: {message}"
    return f"ioc: error: {message} (see '{error.ctx.command_path} --help')"


def main() -> None:
    """Entry point: run the command; a usage error or an IOCError is one line on stderr (exit 2 and 1).

    Click runs outside its standalone mode, so that its usage errors come here instead of being drawn as a box;
    ``--help`` and a group called without a command still print their full help.
    The process runs in Vietnam time, so that logs and anything else showing local time agree with the warehouse.
    """
    os.environ["TZ"] = TIMEZONE.key
    time.tzset()
    try:
        code = app(prog_name="ioc", standalone_mode=False)
    except click_errors.UsageError as error:
        if type(error).__name__ == "NoArgsIsHelpError":  # a group without its command: the help, printed already
            sys.exit(2)
        print(usage_error_line(error), file=sys.stderr)
        sys.exit(2)
    except click_errors.ClickException as error:  # e.g. a file option that cannot be opened
        print(f"ioc: error: {' '.join(error.format_message().split())}", file=sys.stderr)
        sys.exit(error.exit_code)
    except typer.Abort:
        print("ioc: interrupted", file=sys.stderr)
        sys.exit(130)
    except IOCError as error:
        print(f"ioc: error: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("ioc: interrupted", file=sys.stderr)
        sys.exit(130)
    if isinstance(code, int) and not isinstance(code, bool):  # typer.Exit(code) from a command
        sys.exit(code)
