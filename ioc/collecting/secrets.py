"""Secrets come from environment variables named in the collector's configuration, read at run time only."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ioc.errors import IOCError


def resolve_secrets(collector: str, secret_envs: Mapping[str, str]) -> dict[str, str]:
    """The secret values by role; a missing variable is an error that names the variable, never a value."""
    values: dict[str, str] = {}
    for role, variable in secret_envs.items():
        value = os.environ.get(variable)
        if not value:
            raise IOCError(f"collector {collector!r}: environment variable {variable} ({role}) is not set")
        values[role] = value
    return values
