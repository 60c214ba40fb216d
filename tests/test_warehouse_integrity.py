"""Issue 14's acceptance, as an admin would try it with the ``ioc`` command only: add a collector and load, add a second
one on the same source (an overlap) and a third on another, purge them, and ``ioc warehouse check`` stays clean while
``ioc kpi`` keeps the figures of the first collector alone. Both engines, real HTTP to the simulator on loopback."""

from __future__ import annotations

import json
from datetime import date, datetime

from helpers import run_ioc
from ioc.simulator import SimulatorConfig, running_simulator

SINCE, UNTIL = "2025-01-01", "2025-02-01"


def config(seed: int) -> SimulatorConfig:
    return SimulatorConfig(
        seed=seed, start=date(2025, 1, 1), now=datetime(2025, 2, 1, 12), daily_volume=30, malformed_rate=0.02
    )


def ioc(env: dict[str, str], *args: str) -> str:
    result = run_ioc(*args, env=env)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def load(env: dict[str, str], name: str, url: str) -> None:
    ioc(
        env, "collector", "add", name, "--kind", "dossier-sync", "--url", f"{url}/api/hoso", "--option", "page_size=200"
    )
    ioc(env, "collector", "run", name, "--since", SINCE, "--until", UNTIL)


def check(env: dict[str, str]) -> None:
    result = run_ioc("warehouse", "check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "clean" in result.stdout


def figures(env: dict[str, str]) -> list[dict]:
    return json.loads(ioc(env, "kpi", "--from", SINCE, "--to", "2025-03-31", "--by", "unit", "--format", "json"))


def test_check_is_clean_and_figures_hold_after_add_load_overlap_and_purge(warehouse, warehouse_env):
    env = warehouse_env
    with running_simulator(config(31)) as source, running_simulator(config(32)) as other:
        load(env, "first", source)
        check(env)
        alone = figures(env)
        assert sum(row["received"] for row in alone) > 0

        load(env, "gateway", source)  # the same system through another gateway: every dossier twice
        check(env)
        assert figures(env) == alone
        shown = json.loads(ioc(env, "collector", "show", "gateway"))
        assert shown["shared_dossiers"]["first"] > 0

        load(env, "other", other)  # a source of its own
        check(env)
        assert figures(env) != alone

    ioc(env, "collector", "remove", "other", "--purge")
    check(env)
    assert figures(env) == alone

    said = ioc(env, "collector", "remove", "first", "--purge")  # the gateway's rows take over the count
    shared = shown["shared_dossiers"]["first"]
    assert f"({shared} of them still counted from another collector's rows)" in " ".join(said.split())
    check(env)
    assert figures(env) == alone
