"""The file-drop benchmark runs at a tiny size and prints its ratio: on SQLite, and PostgreSQL when a server is set."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "benchmarks" / "bench_indicators_file.py"
RATIO = re.compile(r"^ {4}ratio IOC/baseline  pairs \d+\.\d\d  min / median / max [\d.]+ / [\d.]+ / [\d.]+  floor")


def test_bench_indicators_file_prints_the_ratio_on_each_engine(ioc_env: dict[str, str]) -> None:
    environment = {**os.environ, **ioc_env}
    command = [sys.executable, str(BENCH), "--values", "3000", "--page-rows", "1000", "--repeat", "1"]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    engines = ["SQLite"] + (["PostgreSQL"] if os.environ.get("IOC_TEST_POSTGRES_URL") else [])
    sections = re.split(r"^(SQLite|PostgreSQL)$", result.stdout, flags=re.MULTILINE)
    printed = dict(zip(sections[1::2], sections[2::2], strict=True))
    assert list(printed) == engines, result.stdout
    for engine, text in printed.items():
        assert "rows compared: 3,000 values, the same count and sums in both" in text, f"{engine}:\n{text}"
        assert sum(bool(RATIO.match(line)) for line in text.splitlines()) == 1, f"{engine}:\n{text}"
