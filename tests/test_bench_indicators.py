"""The indicator load benchmark runs at a tiny size and prints each loader's ratio to each raw insert, per engine."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "benchmarks" / "bench_indicators.py"
RATIO = re.compile(r"^  ratio rest-json/raw (executemany|COPY)  \d+\.\d\d  floor ≥ 0\.5 (met|NOT met)$")


def test_bench_indicators_prints_the_ratio_to_each_raw_insert_on_each_engine(ioc_env: dict[str, str]) -> None:
    environment = {**os.environ, **ioc_env}
    command = [sys.executable, str(BENCH), "--values", "3000", "--page-size", "500", "--repeat", "1"]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    engines = ["SQLite"] + (["PostgreSQL"] if os.environ.get("IOC_TEST_POSTGRES_URL") else [])
    sections = re.split(r"^(SQLite|PostgreSQL)$", result.stdout, flags=re.MULTILINE)
    printed = dict(zip(sections[1::2], sections[2::2], strict=True))
    assert list(printed) == engines, result.stdout
    for engine, text in printed.items():
        ratios = [match.group(1) for line in text.splitlines() if (match := RATIO.match(line))]
        assert ratios == (["executemany"] if engine == "SQLite" else ["executemany", "COPY"]), text
        assert re.search(r"rest-json +[\d,]+ values/s \(3,000 in", text), text
