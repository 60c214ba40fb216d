"""A deterministic simulator of a provincial dossier system (hệ thống thông tin giải quyết TTHC cấp tỉnh).

It serves the pull API of ``domain/dossier-source.md`` over real HTTP for the demo, the tests and the ingest
benchmark: years of dossiers drawn day by day from (seed, day), indexed lazily by update time, with lifecycles that
advance with a movable simulated clock, a small share of malformed records, four auth modes and fault knobs.

    with running_simulator(SimulatorConfig(now=datetime(2026, 5, 1))) as url:
        httpx.get(f"{url}/api/hoso", params={...})
"""

from ioc.simulator.config import SimulatorConfig
from ioc.simulator.model import Simulator, Truth
from ioc.simulator.runner import running_simulator, serve, simulator_process

__all__ = ["Simulator", "SimulatorConfig", "Truth", "running_simulator", "serve", "simulator_process"]
