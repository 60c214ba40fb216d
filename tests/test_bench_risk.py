"""The at-risk back-test runs at a tiny size and prints every method's figures and the speed ratio, so it cannot rot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "benchmarks" / "bench_risk.py"
SPREAD = r"[\d.]+ / [\d.]+ / [\d.]+"


def test_bench_risk_prints_the_back_test_beside_its_baselines(ioc_env: dict[str, str]) -> None:
    environment = {**os.environ, **ioc_env}
    command = [sys.executable, str(BENCH), "--daily-volume", "60", "--months", "5", "--cutoffs", "2", "--repeat", "1"]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert len(re.findall(r"^  cut-off \d\d/\d\d/\d{4} 23:59: [\d,]+ predicted, [\d,]+ refused", text, re.M)) == 2
    header = re.search(r"^  metric +model +calendar time +late share +naive$", text, re.M)
    assert header, text
    for metric in ("brier", "precision@50", "recall@200", "precision@late", "recall@likely"):
        assert re.search(rf"^  {re.escape(metric)} +({SPREAD}|–)( +({SPREAD}|–)){{3}}$", text, re.M), metric
    naive = re.search(r"^  recall@late +\S.*1\.000 / 1\.000 / 1\.000$", text, re.M)
    assert naive, text
    assert re.search(rf"^  ratio at_risk / SQL baseline  {SPREAD}$", text, re.M), text
