"""Command-line options for ``python -m ioc.simulator``: one per configuration field, and back again."""

from __future__ import annotations

import argparse
from dataclasses import MISSING, fields
from datetime import date, datetime
from typing import Any

from ioc.simulator.config import AUTH_MODES, SimulatorConfig

TIME_FORMAT = "%Y%m%d%H%M%S"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _parse_now(text: str) -> datetime:
    for pattern in (TIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a time (yyyyMMddHHmmss or ISO): {text}")


def _parse_start(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def build_parser(prog: str = "python -m ioc.simulator") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve the provincial dossier system simulator (the dossier-source pull API) over HTTP.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port; 0 picks a free one ({DEFAULT_PORT})")
    for spec in fields(SimulatorConfig):
        default = spec.default if spec.default is not MISSING else None
        kwargs: dict[str, Any] = {"dest": spec.name, "default": None, "help": f"default {default}"}
        if spec.name == "now":
            kwargs.update(type=_parse_now, help="the simulated now, yyyyMMddHHmmss (default: the real clock)")
        elif spec.name == "start":
            kwargs.update(type=_parse_start, help=f"first day with dossiers, YYYY-MM-DD (default {default})")
        elif spec.name == "auth":
            kwargs.update(choices=AUTH_MODES)
        elif isinstance(default, bool | int) and not isinstance(default, bool):
            kwargs.update(type=int)
        elif isinstance(default, float):
            kwargs.update(type=float)
        parser.add_argument(_option(spec.name), **kwargs)
    return parser


def parse_arguments(
    argv: list[str] | None = None, prog: str = "python -m ioc.simulator"
) -> tuple[SimulatorConfig, str, int]:
    """(configuration, host, port) from the command line; errors exit with argparse's usage message."""
    parser = build_parser(prog)
    namespace = vars(parser.parse_args(argv))
    host, port = namespace.pop("host"), namespace.pop("port")
    try:
        config = SimulatorConfig(**{name: value for name, value in namespace.items() if value is not None})
    except ValueError as error:
        parser.error(str(error))
    return config, host, port


def to_arguments(config: SimulatorConfig) -> list[str]:
    """Options that rebuild ``config`` (fields left at their defaults are omitted)."""
    arguments: list[str] = []
    for spec in fields(SimulatorConfig):
        value = getattr(config, spec.name)
        if value == spec.default:
            continue
        if isinstance(value, datetime):
            text = value.strftime(TIME_FORMAT)
        elif isinstance(value, date):
            text = value.isoformat()
        else:
            text = repr(value) if isinstance(value, float) else str(value)
        arguments += [_option(spec.name), text]
    return arguments
