"""The query parameters the ``/api/v1`` endpoints share: the days, the codes, the breakdown and the format, each
refused with a one-line message naming the parameter."""

from __future__ import annotations

import re
from datetime import date

from flask import request

from ioc.kpi.periods import FIRST_DAY, LAST_DAY, MAX_DAYS, Period, parse_day, within_range

CODE = re.compile(r"^[\w.\-/]{1,64}$")
DAYS = f"a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


class BadParameterError(Exception):
    """A parameter the API cannot use; its message (and the parameter, when one is to blame) goes back as a 400."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


def day_parameter(name: str) -> date:
    text = request.args.get(name)
    if text is None:
        raise BadParameterError(f"'{name}' is required, as YYYY-MM-DD", name)
    day = parse_day(text)
    if day is None:
        raise BadParameterError(f"'{name}' must be a date as YYYY-MM-DD", name)
    if not within_range(day):
        raise BadParameterError(f"'{name}' must be {DAYS}", name)
    return day


def code_parameter(name: str) -> str | None:
    text = request.args.get(name)
    if text is not None and not CODE.match(text):
        raise BadParameterError(f"'{name}' must be a code of 1 to 64 letters, digits, '.', '-', '_' or '/'", name)
    return text


def parse_common(parameters: tuple[str, ...], breakdowns: tuple[str, ...]) -> tuple[Period, str | None, str]:
    """The period, breakdown and format of a request that may name only ``parameters``; BadParameterError else."""
    unknown = sorted(set(request.args) - set(parameters))
    if unknown:
        raise BadParameterError(f"unknown parameter {unknown[0]!r}; use {', '.join(parameters)}", unknown[0])
    repeated = [name for name in request.args if len(request.args.getlist(name)) > 1]
    if repeated:
        raise BadParameterError(f"'{repeated[0]}' is given more than once", repeated[0])
    first, last = day_parameter("from"), day_parameter("to")
    if last < first:
        raise BadParameterError("'to' is before 'from'", "to")
    if (last - first).days >= MAX_DAYS:
        raise BadParameterError(f"a period may span at most {MAX_DAYS} days", "to")
    by = request.args.get("by")
    if by is not None and by not in breakdowns:
        raise BadParameterError(f"'by' must be one of {', '.join(breakdowns)}", "by")
    output = request.args.get("format", "json")
    if output not in ("json", "csv"):
        raise BadParameterError("'format' must be json or csv", "format")
    return Period.inclusive(first, last), by, output
