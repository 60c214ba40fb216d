"""The anomaly benchmark runs tiny and prints precision and recall per kind for both detectors, and its timings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "benchmarks" / "bench_anomalies.py"
FIGURES = r"(?:[\d.]+|–)\s*/\s*(?:[\d.]+|–)\s*/\s*(?:[\d.]+|–)"


def test_bench_anomalies_prints_both_detectors_figures(ioc_env: dict[str, str]) -> None:
    command = [sys.executable, str(BENCH), "--seeds", "1", "--daily-volume", "150", "--weeks", "2", "--per-seed", "3"]
    environment = {**os.environ, **ioc_env}
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert re.search(r"^seed 1: [\d,]+ dossiers loaded in \d+ s; injected gap:", text, re.MULTILINE), text
    for detector in ("STL/MAD rules", "fixed thresholds"):
        for kind in ("gap", "surge", "collapse", "all", "all+above"):
            row = rf"^  {re.escape(detector)}\s+{re.escape(kind)}\s+{FIGURES}\s+{FIGURES}$"
            assert re.search(row, text, re.MULTILINE), f"{detector} {kind}:\n{text}"
        assert re.search(rf"^  {re.escape(detector)}\s+flags a judged day\s+{FIGURES}$", text, re.MULTILINE), text
    for timing in ("anomalies, computed", "anomalies, cached", "fixed alerts"):
        assert re.search(rf"^  {timing}\s+{FIGURES}$", text, re.MULTILINE), text
