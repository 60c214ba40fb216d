"""Helpers for tests: the repository's path and the real `ioc` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_ioc(
    *args: str, env: dict[str, str] | None = None, user: str | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    """Run the real ``ioc`` command in a subprocess with ``env`` added to an environment free of IOC_*."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("IOC_")}
    return subprocess.run(
        [sys.executable, "-m", "ioc", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        user=user,
        cwd=cwd,
    )
