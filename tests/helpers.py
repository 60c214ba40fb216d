"""Helpers for tests: the repository's path, the real `ioc` command in a subprocess, and hand-built dossiers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from ioc.records import DossierRecord

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


def provincial_dossier(
    key: str, received: datetime, due: datetime | None, finished: datetime | None, updated: datetime, **more: object
) -> DossierRecord:
    """A dossier of agency SO-A handled at province level (unit 46), procedure 1.001234 of field HT, filed in person:
    resolved (status 10) when ``finished`` is given, else being handled (4); ``more`` overrides any field."""
    values = {
        "source_key": key,
        "procedure_code": "1.001234",
        "procedure_name": None,
        "field_code": "HT",
        "field_name": None,
        "channel": 1,
        "applicant_name": None,
        "applicant_type": 1,
        "agency_code": "SO-A",
        "unit_code": "46",
        "received_at": received,
        "due_at": due,
        "status": 10 if finished else 4,
        "finished_at": finished,
        "returned_at": None,
        "paid_online": None,
        "digitised": False,
        "source_updated_at": updated,
    }
    return DossierRecord(**(values | more))
