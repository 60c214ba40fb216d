"""``ioc demo``: the whole IOC on one machine in one command, until Ctrl-C or SIGTERM.

``ioc init``, then the simulator (a child process), the demo collector, the dashboard (a child process, so the wall
fills while the data arrive), the first collection here with a progress bar, and the scheduler (a child process).
The children stay in this process group, so a Ctrl-C in the terminal or a signal to the group reaches them all; and
however this process ends short of SIGKILL, it terminates them on its way out.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import FrameType
from typing import Annotated

import httpx
import typer
from sqlalchemy import Engine

from ioc import auth, tokens
from ioc.cli.collector import report_run, run_with_progress
from ioc.cli.common import console, require_free_port
from ioc.cli.demo_files import add_monthly_reports
from ioc.cli.demo_portal import ensure_portal_collector
from ioc.cli.demo_restsql import ensure_indicator_sources, first_runs
from ioc.cli.warehouse import print_init_report
from ioc.collecting.runner import RunProgress
from ioc.collecting.store import add_collector, list_collectors, update_collector
from ioc.config import load_settings, now_local
from ioc.errors import IOCError
from ioc.initialise import initialise
from ioc.simulator.config import FIRST_START, MAX_DAILY_VOLUME, SimulatorConfig
from ioc.simulator.injection import draw, parse, text_of
from ioc.simulator.world import build_world
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor

HOST = "127.0.0.1"
COLLECTOR = "demo-dossiers"
#: The demo's own display token: one, whatever the number of starts (see :func:`_ways_in`).
DEMO_TOKEN = "demo-wall"
#: Dossiers a working day at the simulator: 12 months (about 350,000 dossiers) load in 35–45 s on two cores.
DEFAULT_DAILY_VOLUME = 1000
#: The line scripts wait for (CI among them), followed by the wall's address with a display token.
READY_PREFIX = "IOC demo ready:"
#: The most anomalies ``--anomalies N`` draws.
MAX_DEMO_ANOMALIES = 12
START_SECONDS = 120.0
STOP_SECONDS = 6.0
STOPS = (signal.SIGTERM, signal.SIGINT)


class _StopRequestError(Exception):
    """SIGTERM or Ctrl-C arrived: shut the demo down and exit 0."""


@dataclass
class _Signals:
    """The first SIGTERM or Ctrl-C interrupts what the demo is doing; later ones, and any during shutdown, do not."""

    quiet: bool = False

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        if not self.quiet:
            self.quiet = True
            raise _StopRequestError(signal.Signals(signum).name)


def first_day_months_before(today: date, months: int) -> date:
    """The first day of the month ``months`` months before ``today``'s (0: this month's)."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class _Child:
    name: str
    process: subprocess.Popen[bytes]


@dataclass
class _Children:
    """The demo's child processes; any of them ending before the demo does is an error."""

    started: list[_Child] = field(default_factory=list)

    def start(self, name: str, *arguments: str) -> None:
        command = [sys.executable, "-m", "ioc", *arguments]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        self.started.append(_Child(name, process))
        console.print(f"Started the {name} (pid {process.pid}): ioc {' '.join(arguments)}", soft_wrap=True)

    def failure(self) -> str | None:
        for child in self.started:
            code = child.process.poll()
            if code is not None:
                how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
                return f"the {child.name} (pid {child.process.pid}) {how} unexpectedly; demo stopped"
        return None

    def check(self) -> None:
        failure = self.failure()
        if failure:
            raise IOCError(failure)

    def wait_until_answering(self, url: str, name: str) -> None:
        """Wait until ``url`` answers 200, as long as every child lives."""
        deadline = time.monotonic() + START_SECONDS
        with httpx.Client(timeout=2.0, trust_env=False) as http:  # loopback: no proxy
            while True:
                self.check()
                try:
                    if http.get(url).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise IOCError(f"the {name} did not answer on {url} within {START_SECONDS:.0f} s; demo stopped")
                time.sleep(0.2)

    def stop(self) -> None:
        """Terminate every child, the scheduler first (it finishes its page in flight); kill any that lingers."""
        first = [child for child in self.started if child.name == "scheduler"]
        rest = [child for child in self.started if child.name != "scheduler"]
        for group in (first, rest):
            for child in group:
                if child.process.poll() is None:
                    child.process.terminate()
            deadline = time.monotonic() + STOP_SECONDS
            for child in group:
                try:
                    child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.process.kill()
                    child.process.wait()


def _ensure_collector(engine: Engine, url: str) -> None:
    """The demo collector, added once; pointed at this run's simulator if it was elsewhere."""
    with transaction(engine) as connection:
        existing = {config.name: config for config in list_collectors(connection)}.get(COLLECTOR)
        if existing is None:
            config = add_collector(connection, COLLECTOR, "dossier-sync", url, every="5m")
            console.print(
                f"Added collector [bold]{COLLECTOR}[/] ({config.kind}, {config.schedule}): {url}", soft_wrap=True
            )
        elif existing.url != url:
            update_collector(connection, COLLECTOR, url=url)
            console.print(f"Collector [bold]{COLLECTOR}[/] now reads {url} (was {existing.url})", soft_wrap=True)
        else:
            console.print(f"Collector [bold]{COLLECTOR}[/] exists: continuing from where it stopped")


def _ways_in(engine: Engine) -> tuple[str, str]:
    """The demo's own display token for the wall, and how to sign in: as a new ``admin`` with a random password when
    the warehouse has no user yet (shown once), else with the existing accounts.

    Only a token's hash is kept, so a start cannot show the previous start's link again: the demo keeps one token,
    :data:`DEMO_TOKEN`, and gives it a new secret in place at every start (and says so) rather than adding another.
    """
    now, actor = now_local(), command_line_actor()
    with transaction(engine) as connection:
        token, existed = tokens.rotate(connection, tokens.DISPLAY, DEMO_TOKEN, actor, now)
        if existed:
            console.print(
                f"Display token {DEMO_TOKEN}: rotated in place, as at every start (IOC keeps only its hash): "
                "the previous demo link no longer opens the wall (screens already open stay); the new one is below.",
                soft_wrap=True,
            )
        else:
            console.print(f"Display token {DEMO_TOKEN} created; later starts rotate it in place.", soft_wrap=True)
        if auth.list_users(connection):
            return token, "Sign in with an existing account (ioc user list; ioc user add NAME --role admin)."
        password = secrets.token_urlsafe(12)
        auth.add_user(connection, "admin", "admin", password, actor, now, full_name="Quản trị demo")
    return token, f"Sign in as admin with the password {password} (shown once; change it: ioc user passwd admin)."


def injected_anomalies(text: str, province: str, today: date) -> str:
    """The simulator's ``--anomalies`` for ``ioc demo --anomalies``: a number N draws N over the eight weeks before
    today (from the simulator's default seed), anything else is the list itself; IOCError when it is not valid."""
    try:
        if text.strip().isdigit():
            world = build_world(province, SimulatorConfig.seed)
            first, last = today - timedelta(weeks=8), today - timedelta(days=1)
            return text_of(draw(world, SimulatorConfig.seed, first, last, min(int(text), MAX_DEMO_ANOMALIES)))
        return text_of(parse(text, province))
    except ValueError as error:
        raise IOCError(f"--anomalies: {error}") from None


def _run(
    children: _Children, port: int, simulator_port: int, start: date, daily_volume: int, anomalies: str = ""
) -> None:
    """Start everything, then wait for a signal or a child's death."""
    settings = load_settings()
    simulator = f"http://{HOST}:{simulator_port}"
    dashboard = f"http://{HOST}:{port}"
    source = ["--port", str(simulator_port), "--start", f"{start:%Y-%m-%d}", "--daily-volume", str(daily_volume)]
    if anomalies:
        source += ["--anomalies", anomalies]
    children.start("simulator", "simulate", *source)
    children.wait_until_answering(f"{simulator}/_sim/health", "simulator")
    with open_warehouse(settings) as engine:
        _ensure_collector(engine, f"{simulator}/api/hoso")
        ensure_portal_collector(engine, simulator, settings.province)
        add_monthly_reports(engine, settings, start)
        indicator_sources = ensure_indicator_sources(engine, simulator, settings.data_dir, settings.province, start)
        children.start("dashboard", "serve", "--host", HOST, "--port", str(port), "--workers", "2", "--no-access-log")
        children.wait_until_answering(f"{dashboard}/healthz", "dashboard")
        token, sign_in = _ways_in(engine)
        wall = f"{dashboard}/display?token={token}"
        print(f"Wall screen (no password): {wall}", flush=True)
        print(f"Explore and admin: {dashboard}/login — {sign_in}", flush=True)
        stop = threading.Event()  # set by SIGTERM or Ctrl-C, or below when a child dies
        died: list[str] = []

        def watch_children(_progress: RunProgress) -> None:
            failure = None if stop.is_set() else children.failure()
            if failure:
                died.append(failure)
                stop.set()

        result = run_with_progress(engine, COLLECTOR, settings.province, stop=stop, after_page=watch_children)
        if died:
            raise IOCError(died[0])
        if stop.is_set():  # on request; with Ctrl-C in a terminal the children stop by themselves too
            console.print(f"Run {result.run_id} of {COLLECTOR}: {result.status}")
            return
        children.check()
        report_run(COLLECTOR, result)
        first_runs(engine, indicator_sources, settings.province)
    print(f"{READY_PREFIX} {wall}", flush=True)
    children.start("scheduler", "scheduler")
    console.print("Running until Ctrl-C or SIGTERM.")
    while True:
        children.check()
        time.sleep(0.5)


def demo(
    port: Annotated[int, typer.Option(help="The dashboard's port on 127.0.0.1.")] = 8050,
    simulator_port: Annotated[int, typer.Option(help="The simulator's port on 127.0.0.1.")] = 8765,
    months: Annotated[
        int, typer.Option(min=0, help="Simulated history: from the first day of the month this many months ago.")
    ] = 12,
    daily_volume: Annotated[
        int,
        typer.Option(min=0, max=MAX_DAILY_VOLUME, help="Dossiers the simulated province receives on a working day."),
    ] = DEFAULT_DAILY_VOLUME,
    anomalies: Annotated[
        str,
        typer.Option(
            help="Anomalies the simulator injects: a number N draws N over the last eight weeks, or "
            "kind:scope:code:YYYY-MM-DD:days,… (kinds gap, surge, collapse)."
        ),
    ] = "",
) -> None:
    """Init, simulator, demo collector, first collection, dashboard and scheduler, in one; until Ctrl-C or SIGTERM."""
    settings = load_settings()
    start = first_day_months_before(now_local().date(), months)
    if start < FIRST_START:
        raise IOCError(f"--months {months}: the simulator's history starts on {FIRST_START:%d/%m/%Y}")
    if port == simulator_port:
        raise IOCError(f"--port and --simulator-port are both {port}: give them different ports")
    injected = injected_anomalies(anomalies, settings.province, now_local().date()) if anomalies else ""
    require_free_port(HOST, port, "--port")
    require_free_port(HOST, simulator_port, "--simulator-port")
    print_init_report(initialise(settings))
    children = _Children()
    signals = _Signals()
    previous = {stop: signal.signal(stop, signals.handle) for stop in STOPS}
    try:
        _run(children, port, simulator_port, start, daily_volume, injected)
    except _StopRequestError as stopped:
        console.print(f"Received {stopped}: stopping the demo")
    finally:
        signals.quiet = True  # nothing may interrupt the shutdown: no child is left behind
        children.stop()
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    console.print("Demo stopped.")


def register(app: typer.Typer) -> None:
    app.command()(demo)
