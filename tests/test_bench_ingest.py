"""The ingest benchmark runs at a tiny size and prints its ratios: on SQLite, and on PostgreSQL when a server is set."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "benchmarks" / "bench_ingest.py"
RATIO = re.compile(r"^ {4}ratio IOC/baseline  pairs \d+\.\d\d  min / median / max [\d.]+ / [\d.]+ / [\d.]+  floor")


def test_bench_ingest_prints_both_ratios_on_each_engine(ioc_env: dict[str, str]) -> None:
    environment = {**os.environ, **ioc_env}
    command = [sys.executable, str(BENCH), "--dossiers", "2000", "--page-size", "500", "--repeat", "1"]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    engines = ["SQLite"] + (["PostgreSQL"] if os.environ.get("IOC_TEST_POSTGRES_URL") else [])
    sections = re.split(r"^(SQLite|PostgreSQL)$", result.stdout, flags=re.MULTILINE)
    printed = dict(zip(sections[1::2], sections[2::2], strict=True))
    assert list(printed) == engines, result.stdout
    for engine, text in printed.items():
        lines = text.splitlines()
        assert "end to end" in text and "loader alone, no HTTP" in text, text
        assert sum(bool(RATIO.match(line)) for line in lines) == 2, f"{engine}:\n{text}"
        assert re.search(r"rows compared: [\d,]+ identical", text), text
        assert re.search(r"collector peak RSS  [\d,]+ / [\d,]+ / [\d,]+ MB  floor ≤ 300 MB", text), text
