"""Helpers for tests: the repository's path and the real `ioc` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def clean_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any IOC_* setting, plus ``extra``."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("IOC_")}
    return {**base, **(extra or {})}


def start_ioc(*args: str, env: dict[str, str], merge_output: bool = False) -> subprocess.Popen[str]:
    """Start the real ``ioc`` command in the background (for signals and long runs)."""
    return subprocess.Popen(
        [sys.executable, "-m", "ioc", *args],
        env=clean_environment(env),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
        text=True,
    )


def run_ioc(
    *args: str, env: dict[str, str] | None = None, user: str | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    """Run the real ``ioc`` command in a subprocess with ``env`` added to an environment free of IOC_*."""
    return subprocess.run(
        [sys.executable, "-m", "ioc", *args],
        env=clean_environment(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        user=user,
        cwd=cwd,
    )
