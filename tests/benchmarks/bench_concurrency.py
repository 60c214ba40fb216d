"""Concurrency benchmark: the embedded SQLite warehouse under wall-screens, analysts and sign-ins beside a backfill.

    .venv/bin/python tests/benchmarks/bench_concurrency.py [--seconds 180] [--walls 100] [--analysts 20]
        [--wall-period 10] [--workers 4] [--keep]

Everything runs on this machine, on loopback, in a temporary folder (kept with ``--keep``):

- ``ioc init`` makes an SQLite warehouse (province 46); 100 display tokens, 20 analysts and 4 sign-in users are
  added; ``ioc simulate`` serves dossiers from 2024-01-01 at 1,500 a working day; collector ``bench`` reads it.
- ``ioc serve --workers 4`` (gunicorn, sync workers) serves the dashboard.
- The backfill: ``ioc collector run bench --since … --until …`` in a subprocess, one quarter after another, newest
  first, until the time is up; the one still running then is stopped with SIGTERM (it finishes its page).
- Wall-screens (``--walls``): each opens its own display link, loads ``/wall`` and its content (the page router's
  callback), then does what a wall does every 60 s — the refresh callback (``wall-tick``) with the state it was last
  sent — every ``--wall-period`` seconds (30: twice the real rate; 100 screens make 3.3 refreshes a second, the
  load of 200 real ones). Each screen starts at a random point of its first period.
- Analysts (``--analysts``): each signs in (all at once, beside 20 wrong sign-ins: 40 parallel attempts), loads
  ``/explore``, then replays the explorer's main callback (every figure and table of a view) for the 20 views of
  ``bench_dashboard.explorer_views`` in turn, 2–6 s apart (5 a second in all), with its session and CSRF header.
- Sign-ins: 4 loops, each every 2–4 s, signing in a user of its own with the right password and, between those, a
  name that does not exist with a wrong one, each from its own loopback address (127.0.x.y), so no name or address
  reaches the throttle; a 429 would still be an expected answer (counted apart), never an error.

Every request has a 60 s time-out. An error is any 5xx, connection error or time-out, and any answer a real client
would not expect (a wall signed out, a CSRF refusal, …). Prints requests, errors, p50/p95 per kind (the client's
time: queueing in gunicorn included), the backfill runs' outcomes and the server's tracebacks. A benchmark: it exits 0
whatever it measured, and 1 only if it could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dashboard import explorer_views, free_port, report_errors  # noqa: E402
from sqlalchemy import select  # noqa: E402

from ioc import auth, tokens  # noqa: E402
from ioc.collecting.store import add_collector  # noqa: E402
from ioc.config import now_local  # noqa: E402
from ioc.warehouse import schema  # noqa: E402
from ioc.warehouse.engine import make_engine  # noqa: E402

PROVINCE = "46"
SIMULATOR_START = "2024-01-01"
TIMEOUT_S = 60
SIGNERS = 4
PASSWORD = "bench-concurrency-password"
#: Seconds an analyst waits between two views, and a sign-in loop between two attempts (uniform in the range).
ANALYST_PAUSE = (2.0, 6.0)
SIGNER_PAUSE = (2.0, 4.0)
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


# ---------------------------------------------------------------- figures


@dataclass
class Tally:
    """Every request's outcome by kind: times (ms) of expected answers, expected refusals, errors with reasons."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, kind: str, ms: float) -> None:
        with self.lock:
            self.times[kind].append(ms)

    def throttled(self, kind: str) -> None:
        with self.lock:
            self.refused[kind] += 1

    def error(self, kind: str, reason: str) -> None:
        with self.lock:
            self.errors[kind].append(reason)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


# ---------------------------------------------------------------- a browser-like client


class HTTPError(Exception):
    """An answer a real client would not expect, or none at all."""


class Client:
    """Cookies, a source address on loopback, and one connection per request (gunicorn's sync workers close them)."""

    def __init__(self, port: int, address: str = "127.0.0.1") -> None:
        self.port, self.address = port, address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):  # type: ignore[no-untyped-def]
        sent = {"Accept": "text/html,application/json", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=TIMEOUT_S, source_address=(self.address, 0)
        )
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise HTTPError(f"{type(error).__name__}: {error}") from None
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, data

    def expect(self, method: str, path: str, statuses: tuple[int, ...], **kwargs) -> tuple[int, bytes]:  # type: ignore[no-untyped-def]
        status, data = self.request(method, path, **kwargs)
        if status not in statuses:
            raise HTTPError(f"{method} {path.split('?')[0]}: {status} {data[:120]!r}")
        return status, data

    def callback(self, body: dict) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.cookies.get("_csrf_token", "")}
        return self.expect(
            "POST", "/_dash-update-component", (200, 204), body=json.dumps(body).encode(), headers=headers
        )

    def sign_in(self, username: str, password: str) -> int:
        """The sign-in form as a browser posts it: 302 signed in, 401 refused, 429 throttled."""
        self.cookies.clear()
        _, page = self.expect("GET", "/login", (200,))
        found = CSRF_FIELD.search(page.decode())
        if not found:
            raise HTTPError("GET /login: no CSRF field")
        form = urlencode({"username": username, "password": password, "csrf_token": found.group(1), "next": "/"})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _ = self.expect("POST", "/login", (302, 401, 429), body=form.encode(), headers=headers)
        return status


def callback_body(spec: dict, values: dict[str, object]) -> dict:
    """A POST body for the callback ``spec`` of ``/_dash-dependencies``, ``values`` by ``id.property``."""

    def item(dependency: dict) -> dict:
        key = f"{dependency['id']}.{dependency['property']}"
        return {"id": dependency["id"], "property": dependency["property"], "value": values.get(key)}

    key = spec["output"]
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [item(d) for d in spec["inputs"]],
        "state": [item(d) for d in spec.get("state", [])],
        "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"],
    }


def find_store(tree: object, component_id: str) -> object:
    """The ``data`` of the component ``component_id`` in a layout as Dash sends it."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree["props"].get("data")
        for value in tree.values():
            found = find_store(value, component_id)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for value in tree:
            found = find_store(value, component_id)
            if found is not None:
                return found
    return None


# ---------------------------------------------------------------- the load


@dataclass
class Load:
    port: int
    deadline: float
    tally: Tally
    specs: dict[str, dict]
    wall_period: float
    views: list[dict]
    stop: threading.Event = field(default_factory=threading.Event)

    def running(self) -> bool:
        return time.monotonic() < self.deadline and not self.stop.is_set()

    def pause(self, seconds: float) -> None:
        self.stop.wait(max(0.0, min(seconds, self.deadline - time.monotonic())))

    def timed(self, kind: str, work, *args: object) -> object:  # type: ignore[no-untyped-def]
        """``work(*args)``, timed as ``kind``; None when it failed (the error is counted)."""
        started = time.perf_counter()
        try:
            result = work(*args)
        except HTTPError as error:
            self.tally.error(kind, str(error))
            return None
        self.tally.ok(kind, (time.perf_counter() - started) * 1000)
        return result

    def wall(self, token: str, number: int) -> None:
        client = Client(self.port, f"127.0.0.{2 + number % 8}")

        def open_wall() -> tuple[dict, dict]:
            client.expect("GET", f"/display?token={token}", (302,))
            client.expect("GET", "/wall", (200,))
            router = self.specs["router"]
            _, data = client.callback(callback_body(router, {"_pages_location.pathname": "/wall"}))
            layout = json.loads(data)["response"]
            return find_store(layout, "wall-options"), find_store(layout, "wall-state")  # type: ignore[return-value]

        self.pause(random.uniform(0, self.wall_period))
        opened = self.timed("wall: open (link, page, content)", open_wall)
        if not opened:
            return
        options, state = opened  # type: ignore[misc]
        tick = 0
        while self.running():
            self.pause(self.wall_period)
            if not self.running():
                return
            tick += 1
            values = {"wall-tick.n_intervals": tick, "wall-options.data": options, "wall-state.data": state}

            new_state = self.timed("wall: refresh", self.refresh, client, values)
            state = new_state or state

    def refresh(self, client: Client, values: dict[str, object]) -> object:
        """The wall's refresh callback; the state it is sent back, or None when nothing changed (204)."""
        status, data = client.callback(callback_body(self.specs["refresh"], values))
        return json.loads(data)["response"].get("wall-state", {}).get("data") if status == 200 else None

    def analyst(self, number: int, signed_in: threading.Barrier) -> None:
        client = Client(self.port, f"127.0.0.{20 + number}")
        status = self.timed("sign-in: right password", lambda: client.sign_in(f"bench-analyst-{number:02d}", PASSWORD))
        with contextlib.suppress(threading.BrokenBarrierError):
            signed_in.wait(TIMEOUT_S)
        if status is None:  # counted already
            return
        if status != 302:
            self.tally.error("sign-in: right password", f"analyst {number}: {status}")
            return
        if not self.timed("analyst: /explore page", lambda: client.expect("GET", "/explore", (200,))):
            return
        view_number = number
        while self.running():
            view = self.views[view_number % len(self.views)]
            body = callback_body(self.specs["render"], {"explore-view.data": view})
            self.timed("analyst: explorer view (render)", client.callback, body)
            view_number += 1
            self.pause(random.uniform(*ANALYST_PAUSE))

    def wrong_sign_in(self, number: int, signed_in: threading.Barrier) -> None:
        client = Client(self.port, f"127.0.1.{1 + number}")
        status = self.timed("sign-in: wrong password", lambda: client.sign_in(f"nobody-burst-{number}", "wrong-" * 3))
        with contextlib.suppress(threading.BrokenBarrierError):
            signed_in.wait(TIMEOUT_S)
        if status == 429:
            self.tally.throttled("sign-in: wrong password")
        elif status is not None and status != 401:
            self.tally.error("sign-in: wrong password", f"burst {number}: {status}")

    def signer(self, number: int) -> None:
        attempt = 0
        while self.running():
            attempt += 1
            right = attempt % 2 == 1
            address = f"127.0.{2 + number}.{1 + attempt % 250}"
            username = f"bench-signer-{number}" if right else f"nobody-{number}-{attempt}"
            kind = "sign-in: right password" if right else "sign-in: wrong password"
            client = Client(self.port, address)
            status = self.timed(kind, client.sign_in, username, PASSWORD if right else "wrong-" * 3)
            if status == 429:
                self.tally.throttled(kind)
            elif status is not None and status != (302 if right else 401):
                self.tally.error(kind, f"{username}: {status}")
            self.pause(random.uniform(*SIGNER_PAUSE))


# ---------------------------------------------------------------- processes


@dataclass
class Backfills:
    """Quarter after quarter of ``ioc collector run bench``, newest first, until stopped."""

    env: dict[str, str]
    folder: Path
    outcomes: list[tuple[str, int | None, str]] = field(default_factory=list)
    process: subprocess.Popen | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def windows(self) -> list[tuple[date, date]]:
        """Calendar quarters, the current one (up to today) first, back to the simulator's first day."""
        today = now_local().date()
        first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        windows = []
        while first >= date.fromisoformat(SIMULATOR_START):
            following = date(first.year + 1, 1, 1) if first.month == 10 else date(first.year, first.month + 3, 1)
            windows.append((first, min(today, following - timedelta(days=1))))
            first = date(first.year - 1, 10, 1) if first.month == 1 else date(first.year, first.month - 3, 1)
        return windows

    def run(self) -> None:
        for first, last in self.windows():
            if self.stop.is_set():
                return
            window = f"{first}..{last}"
            log = (self.folder / f"backfill-{first}.log").open("w")
            command = [
                sys.executable,
                "-m",
                "ioc",
                "collector",
                "run",
                "bench",
                "--since",
                str(first),
                "--until",
                str(last),
            ]
            started = time.monotonic()
            self.process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            code = self.process.wait()
            log.close()
            output = (self.folder / f"backfill-{first}.log").read_text(errors="replace")
            summary = " ".join((output[output.rfind("Run ") :] if "Run " in output else output[-300:]).split())
            self.outcomes.append((window, code, f"{time.monotonic() - started:.0f} s; {summary[:200]}"))

    def halt(self) -> None:
        self.stop.set()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def wait_for(url_port: int, path: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{path}: the process ended: {log.read_text()[-2000:]}")
        with contextlib.suppress(HTTPError):
            status, _ = Client(url_port).request("GET", path)
            if status < 500:
                return
        time.sleep(0.3)
    raise SystemExit(f"nothing answered {path} on port {url_port} within {TIMEOUT_S} s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def prepare(database: str, walls: int, analysts: int, simulator_port: int) -> list[str]:
    """Users, display tokens and the collector; the display tokens."""
    engine = make_engine(database)
    now = now_local()
    with engine.begin() as connection:
        for number in range(analysts):
            auth.add_user(connection, f"bench-analyst-{number:02d}", "analyst", PASSWORD, "bench", now)
        for number in range(SIGNERS):
            auth.add_user(connection, f"bench-signer-{number}", "leader", PASSWORD, "bench", now)
        made = [tokens.create(connection, tokens.DISPLAY, f"wall-{n:03d}", "bench", now) for n in range(walls)]
        add_collector(connection, "bench", "dossier-sync", f"http://127.0.0.1:{simulator_port}/api/hoso")
    engine.dispose()
    return made


def dependencies(port: int) -> dict[str, dict]:
    """The router, the wall's refresh and the explorer's render callbacks, as the app declares them."""
    client = Client(port, "127.0.0.250")
    if client.sign_in("bench-analyst-00", PASSWORD) != 302:
        raise SystemExit("cannot sign in to read the callbacks")
    _, data = client.expect("GET", "/_dash-dependencies", (200,))
    specs = json.loads(data)
    pick = {
        "router": lambda s: any(i["id"] == "_pages_location" and i["property"] == "pathname" for i in s["inputs"]),
        "refresh": lambda s: any(i["id"] == "wall-tick" for i in s["inputs"]),
        "render": lambda s: s["output"].startswith("..explore-summary.children"),
    }
    return {name: next(s for s in specs if test(s)) for name, test in pick.items()}


def views(database: str) -> list[dict]:
    """The explorer views of ``bench_dashboard``, for a commune and an agency of the warehouse and the simulator's
    civil-status field and birth registration."""
    engine = make_engine(database)
    with engine.connect() as connection:
        unit = connection.execute(select(schema.Unit.code).where(schema.Unit.level == "commune")).scalars().first()
        agency = connection.execute(select(schema.Agency.code).order_by(schema.Agency.code)).scalars().first()
    engine.dispose()
    codes = {"unit": unit or "", "agency": agency or "", "field": "HT", "procedure": "2.006273"}
    return [{"preset": "custom", "kpi": "received", "lang": "vi", **params} for _, params, _ in explorer_views(codes)]


def backfilled(database: str) -> tuple[int, dict[str, int]]:
    engine = make_engine(database)
    with engine.connect() as connection:
        dossiers = connection.execute(select(schema.Collector.dossiers)).scalar() or 0
        statuses: dict[str, int] = defaultdict(int)
        for status in connection.execute(select(schema.CollectorRun.status)).scalars():
            statuses[status] += 1
    engine.dispose()
    return dossiers, dict(statuses)


# ---------------------------------------------------------------- main


ACCESS_LINE = re.compile(r'"(\w+) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')


def server_times(log: Path) -> None:
    """The server's own handling time per route and status, from ``ioc serve``'s access log (queueing excluded)."""
    times: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for line in log.read_text(errors="replace").splitlines():
        found = ACCESS_LINE.search(line)
        if found:
            times[(found[1], found[2], found[3])].append(float(found[4]))
    print("server's handling time (access log), by route:")
    for (method, path, status), values in sorted(times.items(), key=lambda item: -len(item[1])):
        print(
            f"  {method + ' ' + path + ' ' + status:<44} {len(values):>6} requests, "
            f"p50 {percentile(values, 0.5):>6.0f} ms, p95 {percentile(values, 0.95):>6.0f} ms"
        )


def report(tally: Tally, seconds: float, backfills: Backfills, database: str, logs: list[Path], rates: str) -> None:
    kinds = sorted(set(tally.times) | set(tally.errors))
    total = sum(len(v) for v in tally.times.values()) + sum(len(v) for v in tally.errors.values())
    errors = sum(len(v) for v in tally.errors.values())
    print(f"\n{rates}")
    print(f"{total:,} requests in {seconds:.0f} s ({total / seconds:.1f}/s), errors: {errors}")
    print(f"  {'kind':<36} {'answered':>8} {'errors':>6} {'429':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind in kinds:
        times = tally.times.get(kind, [])
        print(
            f"  {kind:<36} {len(times):>8} {len(tally.errors.get(kind, [])):>6} {tally.refused.get(kind, 0):>5} "
            f"{percentile(times, 0.5):>8.0f} {percentile(times, 0.95):>8.0f} {max(times, default=float('nan')):>8.0f}"
        )
    for kind, reasons in tally.errors.items():
        for reason, count in sorted(((r, reasons.count(r)) for r in set(reasons)), key=lambda x: -x[1])[:5]:
            print(f"  ! {kind}: {count} × {reason}")
    server_times(logs[0])
    dossiers, statuses = backfilled(database)
    print(f"backfill: {dossiers:,} dossiers loaded; runs by status: {statuses}")
    for window, code, detail in backfills.outcomes:
        print(f"  {window}: exit {code}, {detail}")
    for log in logs:
        report_errors(log)
        locked = log.read_text(errors="replace").count("database is locked")
        if locked:
            print(f"  ! {log.name}: 'database is locked' {locked} times")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--walls", type=int, default=100)
    parser.add_argument("--analysts", type=int, default=20)
    parser.add_argument("--wall-period", type=float, default=30, help="seconds between a wall's refreshes (real: 60)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (warehouse and logs)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ioc-bench-concurrency-"))
    database = f"sqlite:///{folder / 'ioc.db'}"
    env = {name: value for name, value in os.environ.items() if not name.startswith("IOC_")}
    env |= {"IOC_DATABASE_URL": database, "IOC_DATA_DIR": str(folder), "IOC_PROVINCE": PROVINCE}
    simulator_port, port = free_port(), free_port()
    processes: list[subprocess.Popen] = []
    backfills = Backfills(env, folder)
    logs = [folder / "serve.log", folder / "simulator.log"]
    try:
        subprocess.run([sys.executable, "-m", "ioc", "init"], cwd=REPO, env=env, check=True, capture_output=True)
        display_tokens = prepare(database, args.walls, args.analysts, simulator_port)
        simulator = start(
            [sys.executable, "-m", "ioc", "simulate", "--port", str(simulator_port), "--start", SIMULATOR_START],
            env,
            logs[1],
        )
        processes.append(simulator)
        serve = start(
            [sys.executable, "-m", "ioc", "serve", "--port", str(port), "--workers", str(args.workers)], env, logs[0]
        )
        processes.append(serve)
        wait_for(simulator_port, "/_sim/health", simulator, logs[1])
        wait_for(port, "/healthz", serve, logs[0])
        specs = dependencies(port)
        tally = Tally()
        started = time.monotonic()
        load = Load(port, started + args.seconds, tally, specs, args.wall_period, views(database))
        feeder = threading.Thread(target=backfills.run, name="backfill", daemon=True)
        feeder.start()
        time.sleep(3)  # the backfill is writing before anyone signs in
        burst = threading.Barrier(args.analysts * 2)
        threads = [threading.Thread(target=load.analyst, args=(n, burst)) for n in range(args.analysts)]
        threads += [threading.Thread(target=load.wrong_sign_in, args=(n, burst)) for n in range(args.analysts)]
        threads += [threading.Thread(target=load.wall, args=(t, n)) for n, t in enumerate(display_tokens)]
        threads += [threading.Thread(target=load.signer, args=(n,)) for n in range(SIGNERS)]
        for thread in threads:
            thread.daemon = True
            thread.start()
        print(
            f"running {args.seconds:.0f} s: {args.walls} walls every {args.wall_period:g} s, {args.analysts} analysts, "
            f"{SIGNERS} sign-in loops, a backfill; {args.workers} gunicorn workers; folder {folder}",
            flush=True,
        )
        while time.monotonic() < load.deadline:
            time.sleep(min(15, max(0.1, load.deadline - time.monotonic())))
            done, failed = sum(map(len, tally.times.values())), sum(map(len, tally.errors.values()))
            print(
                f"  {time.monotonic() - started:4.0f} s: {done:,} answered, {failed} errors",
                flush=True,
            )
        load.stop.set()
        backfills.halt()
        for thread in threads:
            thread.join(TIMEOUT_S + 5)
        feeder.join(60)
        elapsed = time.monotonic() - started
        rates = (
            f"load: {args.walls} walls refreshing every {args.wall_period:g} s ({args.walls / args.wall_period:.1f}/s, "
            f"{60 / args.wall_period:g}× a real wall), {args.analysts} analysts every "
            f"{ANALYST_PAUSE[0]:g}–{ANALYST_PAUSE[1]:g} s, {SIGNERS} sign-in loops every "
            f"{SIGNER_PAUSE[0]:g}–{SIGNER_PAUSE[1]:g} s, a backfill; {args.workers} workers"
        )
        for process in processes:
            stop(process)
        report(tally, elapsed, backfills, database, logs, rates)
    finally:
        backfills.halt()
        for process in processes:
            stop(process)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
