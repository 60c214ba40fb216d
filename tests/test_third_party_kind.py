"""A third-party package adds a collector kind through the ``ioc.collectors`` entry point, and IOC loads through it
with no change of its own: the package in ``tests/third_party_kind`` is built and installed into a temporary folder,
and the real ``ioc`` command, given that folder on its path, finds, configures and runs the kind."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import run_ioc

PACKAGE = Path(__file__).parent / "third_party_kind"


def test_a_kind_from_another_package_registers_and_loads(tmp_path, warehouse_env):
    source = tmp_path / "package"
    shutil.copytree(PACKAGE, source)
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert list(site.glob("ioc_tiny_kind-0.1.dist-info/entry_points.txt"))
    env = {**warehouse_env, "PYTHONPATH": str(site)}
    assert run_ioc("init", env=env).returncode == 0
    units = json.loads(run_ioc("units", "--format", "json", env=env).stdout)
    commune = next(unit["code"] for unit in units if unit["level"] == "commune")
    values = tmp_path / "values.json"
    good = {"indicator": "docs_outgoing", "unit": commune, "period": "2026-08", "value": "1.234.567"}
    bad = {"indicator": "docs_outgoing", "unit": "99999", "period": "2026-08", "value": "3"}
    values.write_text(json.dumps([good, bad]), encoding="utf-8")
    added = run_ioc("collector", "add", "tiny", "--kind", "tiny-json", "--option", f"path={values}", env=env)
    assert added.returncode == 0, added.stderr
    ran = run_ioc("collector", "run", "tiny", env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    shown = run_ioc(
        *("indicator", "values", "docs_outgoing", "--from", "2026-08-01", "--to", "2026-08-31", "--format", "json"),
        env=env,
    )
    assert json.loads(shown.stdout) == [{"value": 1234567, "numerator": None, "denominator": None}]
    quarantined = run_ioc("quarantine", "list", "--format", "json", env=env)
    assert [row["reason"] for row in json.loads(quarantined.stdout)] == [
        "unit '99999' is not province 46 or one of its communes"
    ]
    without = run_ioc("collector", "run", "tiny", env=warehouse_env)
    assert without.returncode != 0 and "unknown collector kind 'tiny-json'" in without.stderr
