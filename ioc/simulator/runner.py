"""Running the simulator: in the foreground, in a background thread, or in a separate process."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

from ioc.simulator.arguments import to_arguments
from ioc.simulator.config import SimulatorConfig
from ioc.simulator.model import Simulator
from ioc.simulator.server import SimulatorServer

READY_PREFIX = "IOC simulator listening on "
PROCESS_START_SECONDS = 60.0
PROCESS_STOP_SECONDS = 10.0


def build_server(config: SimulatorConfig, host: str = "127.0.0.1", port: int = 0) -> SimulatorServer:
    """A bound, not yet serving, server for a new simulator."""
    return SimulatorServer((host, port), Simulator(config))


def _announce(url: str) -> None:
    print(f"{READY_PREFIX}{url}", flush=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(
    config: SimulatorConfig,
    host: str = "127.0.0.1",
    port: int = 8765,
    on_ready: Callable[[str], None] | None = _announce,
) -> None:
    """Serve until SIGTERM or SIGINT, then stop cleanly. ``on_ready`` gets the base URL once listening."""
    server = build_server(config, host, port)
    stops = (signal.SIGTERM, signal.SIGINT)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {stop: signal.signal(stop, _raise_interrupt) for stop in stops} if in_main_thread else {}
    try:
        if on_ready is not None:
            on_ready(server.url)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for stop, handler in previous.items():
            signal.signal(stop, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def running_simulator(config: SimulatorConfig, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """A simulator serving in a background thread; yields its base URL (``http://127.0.0.1:PORT``)."""
    server = build_server(config, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _child_environment() -> dict[str, str]:
    """The environment with this ``ioc`` importable, installed or not."""
    root = str(Path(__file__).resolve().parents[2])
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (root, environment.get("PYTHONPATH")) if p)
    return environment


def _read_ready_line(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    line = ""
    while time.monotonic() < deadline and process.poll() is None:
        readable, _, _ = select.select([process.stdout], [], [], 0.1)
        if readable:
            line = process.stdout.readline()
            break
    if not line.startswith(READY_PREFIX):
        raise RuntimeError(f"the simulator process did not start (exit code {process.poll()}): {line.strip()}")
    return line[len(READY_PREFIX) :].strip()


@contextlib.contextmanager
def simulator_process(config: SimulatorConfig, port: int = 0, host: str = "127.0.0.1") -> Iterator[str]:
    """A simulator serving in a separate process (``python -m ioc.simulator``); yields its base URL."""
    command = [sys.executable, "-m", "ioc.simulator", "--host", host, "--port", str(port), *to_arguments(config)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=_child_environment())
    try:
        yield _read_ready_line(process, time.monotonic() + PROCESS_START_SECONDS)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=PROCESS_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
