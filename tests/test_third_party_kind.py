"""A third-party package adds a collector kind through the ``ioc.collectors`` entry point, and IOC loads through it
with no change of its own: the package in ``tests/third_party_kind`` is built and installed into a temporary folder,
and the real ``ioc`` command, given that folder on its path, finds, configures and runs the kind."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
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


def test_a_value_of_an_unregistered_indicator_waits_in_quarantine_and_loads_once_it_is_registered(
    tmp_path, warehouse, monkeypatch
):
    from sqlalchemy import select

    from ioc.collecting import registry
    from ioc.collecting.reprocess import reprocess_quarantine
    from ioc.collecting.runner import run_collector
    from ioc.collecting.store import add_collector
    from ioc.config import now_local
    from ioc.indicators.model import Indicator
    from ioc.indicators.query import value_rows
    from ioc.indicators.registry import add_indicator
    from ioc.kpi.periods import Period
    from ioc.warehouse import schema
    from ioc.warehouse.access import transaction

    monkeypatch.syspath_prepend(str(PACKAGE))
    from ioc_tiny_kind import TinyJson

    installed = registry.collector_kinds()
    monkeypatch.setattr(registry, "collector_kinds", lambda: {**installed, "tiny-json": TinyJson})
    with transaction(warehouse) as connection:
        commune = connection.execute(select(schema.Unit.code).where(schema.Unit.level == "commune")).scalars().first()
    values = tmp_path / "values.json"
    values.write_text(json.dumps([{"indicator": "docs_archived", "unit": commune, "period": "2026-08", "value": 4}]))
    with transaction(warehouse) as connection:
        add_collector(connection, "tiny", "tiny-json", None, options={"path": str(values)}, actor="test")
    first = run_collector(warehouse, "tiny", "46")
    assert (first.status, first.progress.inserted, first.progress.rejected) == ("succeeded", 0, 1)
    with transaction(warehouse) as connection:
        archived = Indicator("docs_archived", "Văn bản lưu trữ", "Documents archived", "văn bản", "count")
        add_indicator(connection, archived, "admin", now_local())
    result = reprocess_quarantine(warehouse, "tiny", "46", actor="admin")
    assert (result.loaded, result.inserted) == (1, 1)
    with transaction(warehouse) as connection:
        august = Period.inclusive(date(2026, 8, 1), date(2026, 8, 31))
        assert value_rows(connection, "docs_archived", august, "unit") == [
            {"unit": commune, "value": 4, "numerator": None, "denominator": None}
        ]
