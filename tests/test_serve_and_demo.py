"""``ioc serve`` and ``ioc demo`` as people run them: real processes on free loopback ports, stopped by signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import httpx
import pytest

from helpers import REPO, clean_environment, run_ioc
from ioc.cli.demo import READY_PREFIX, first_day_months_before
from ioc.config import now_local

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def start_logged(*args: str, env: dict[str, str], log: Path, cwd: Path = REPO) -> subprocess.Popen[bytes]:
    """The real ``ioc`` command in the background, its output (and its children's) in ``log``."""
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "ioc", *args],
            env=clean_environment(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_for(predicate, timeout: float, process: subprocess.Popen[bytes], log: Path):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        assert process.poll() is None, f"exited with {process.returncode}:\n{log.read_text(errors='replace')}"
        time.sleep(0.2)
    raise AssertionError(f"timed out:\n{log.read_text(errors='replace')}")


def healthz(port: int) -> dict | None:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def ready_line(log: Path) -> str | None:
    lines = log.read_text(errors="replace").splitlines()
    return next((line for line in lines if line.startswith(READY_PREFIX)), None)


def descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid``, with its command line."""
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        children[int(text[text.rindex(")") + 2 :].split()[1])].append(int(stat.parent.name))
    found: dict[int, str] = {}
    queue = [pid]
    while queue:
        for child in children[queue.pop()]:
            try:
                found[child] = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            queue.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        text = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] != "Z"


def routed(client: httpx.Client, base: str, path: str) -> dict:
    """The page at ``path`` as Dash's page router sends it to the browser (its layout as JSON), for ``client``."""
    dependencies = client.get(f"{base}/_dash-dependencies").json()
    router = next(d for d in dependencies if "_pages_content.children" in d["output"])
    key = router["output"]
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]
    values = {"_pages_location.pathname": path, "_pages_location.search": ""}

    def item(dependency: dict) -> dict:
        name = f"{dependency['id']}.{dependency['property']}"
        return {"id": dependency["id"], "property": dependency["property"], "value": values.get(name)}

    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [item(d) for d in router["inputs"]],
        "state": [item(d) for d in router.get("state", [])],
        "changedPropIds": ["_pages_location.pathname"],
    }
    token = client.cookies.get("_csrf_token")
    response = client.post(f"{base}/_dash-update-component", json=body, headers={"X-CSRFToken": token or ""})
    assert response.status_code == 200, response.text[:300]
    return response.json()


def components(tree: object) -> list[dict]:
    """Every component in a layout's JSON."""
    if isinstance(tree, list):
        return [found for item in tree for found in components(item)]
    if not isinstance(tree, dict):
        return []
    found = [tree] if "props" in tree and "type" in tree else []
    return found + [c for value in tree.values() for c in components(value)]


def component(tree: object, component_id: str) -> dict | None:
    """The props of the component with ``component_id`` in a layout's JSON."""
    return next((c["props"] for c in components(tree) if c["props"].get("id") == component_id), None)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ioc: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# --- ioc serve -----------------------------------------------------------------------------------------------------


def test_serve_answers_healthz_under_gunicorn_and_stops_on_sigterm(warehouse, warehouse_env, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    process = start_logged("serve", "--port", str(port), "--workers", "1", env=warehouse_env, log=log, cwd=tmp_path)
    try:
        health = wait_for(lambda: healthz(port), 60, process, log)
        assert health["status"] == "ok"
        assert isinstance(health["data_version"], int)
        workers = descendants(process.pid)
        assert len(workers) == 1 and "gunicorn" in next(iter(workers.values()))
    finally:
        code = stop(process)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert "GET /healthz" in output  # the access log
    assert not any(alive(pid) for pid in workers)
    assert port_is_free(port)


def test_serve_refuses_an_uninitialised_warehouse_in_one_line(ioc_env):
    port = free_port()
    result = run_ioc("serve", "--port", str(port), env=ioc_env)
    assert_one_line_error(result, "ioc init")
    assert port_is_free(port)


def test_serve_refuses_a_port_in_use_in_one_line(warehouse, warehouse_env):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run_ioc("serve", "--port", str(port), env=warehouse_env)
    assert_one_line_error(result, f"port {port}", "in use")


# --- ioc demo ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "months", "first"),
    [
        (date(2026, 11, 26), 12, date(2025, 11, 1)),
        (date(2026, 1, 31), 1, date(2025, 12, 1)),
        (date(2026, 3, 15), 0, date(2026, 3, 1)),
        (date(2026, 12, 1), 24, date(2024, 12, 1)),
    ],
)
def test_the_demo_history_starts_on_the_first_day_of_a_month(today, months, first):
    assert first_day_months_before(today, months) == first


def test_the_demo_refuses_a_port_in_use_before_starting_anything(ioc_env):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run_ioc("demo", "--port", str(port), "--simulator-port", str(free_port()), env=ioc_env)
    assert_one_line_error(result, "--port", f"port {port}", "in use")
    assert not Path(ioc_env["IOC_DATA_DIR"]).exists()  # not even `ioc init`


def start_demo(env: dict[str, str], tmp_path: Path, name: str) -> tuple[subprocess.Popen[bytes], Path, int, int]:
    port, simulator_port = free_port(), free_port()
    log = tmp_path / f"{name}.log"
    arguments = ["--port", str(port), "--simulator-port", str(simulator_port), "--months", "1", "--daily-volume", "60"]
    return start_logged("demo", *arguments, env=env, log=log, cwd=tmp_path), log, port, simulator_port


def test_the_demo_loads_the_simulator_serves_the_wall_and_leaves_nothing_behind_on_sigterm(ioc_env, tmp_path):
    process, log, port, simulator_port = start_demo(ioc_env, tmp_path, "demo")
    try:
        line = wait_for(lambda: ready_line(log), 90, process, log)
        wall = line.removeprefix(f"{READY_PREFIX} ")
        assert wall.startswith(f"http://127.0.0.1:{port}/display?token=iocd_")
        health = healthz(port)
        assert health is not None and health["data_version"] > 1
        with httpx.Client(follow_redirects=True, timeout=30) as screen:
            opened = screen.get(wall)
            assert opened.status_code == 200 and opened.url.path.startswith("/wall")  # the page its cycle is at
            assert opened.url.params["playlist"] == "demo-wall"
            assert screen.get(f"http://127.0.0.1:{port}/explore").status_code == 403  # a display reaches the wall only
            assert screen.get(f"http://127.0.0.1:{port}/wall/index").status_code == 200
            # The display link's playlist shows the at-risk page, and the page lists the dossiers likely to be late.
            playlist = screen.get(f"http://127.0.0.1:{port}/wall/playlist.json").json()
            assert "/wall/risk" in [entry["href"] for entry in playlist["entries"]]
            risk = routed(screen, f"http://127.0.0.1:{port}", "/wall/risk")
            total = component(risk, "wall-risk-total")
            assert total is not None and int(total["children"].replace(".", "")) > 0, total
            assert any(
                "risk-dossier" in str(item.get("props", {}).get("className"))
                for item in components(component(risk, "wall-risk-agencies"))
            )
        assert httpx.get(f"http://127.0.0.1:{port}/wall", timeout=30).status_code == 401
        assert "Sign in as admin with the password " in log.read_text()
        assert "Display token demo-wall created; later starts rotate it in place." in log.read_text()
        first = first_day_months_before(now_local().date(), 1)
        kpi = run_ioc("kpi", "--from", f"{first}", "--to", f"{now_local().date()}", "--format", "json", env=ioc_env)
        assert kpi.returncode == 0, kpi.stderr
        assert json.loads(kpi.stdout)[0]["received"] > 0
        # The "4 không" page's figures, each from its own kind of source, are in by the time the demo says ready.
        year = (first_day_months_before(now_local().date(), 12), now_local().date())
        fed_by = {
            "docs_sent_electronic": "rest-json",
            "feedback_on_time": "rest-json",
            "meetings_online": "file-drop",
            "cashless_rate": "sql",
            "portal766.progress": "portal-766",
            "online_rate": "dossier-sync",
        }
        for code in fed_by:
            shown = run_ioc(
                *("indicator", "values", code, "--from", f"{year[0]}", "--to", f"{year[1]}", "--format", "json"),
                env=ioc_env,
            )
            assert shown.returncode == 0, shown.stderr
            assert json.loads(shown.stdout)[0]["value"] is not None, code
        # /wall/index's month to date: IOC's points beside the simulated portal's published ones.
        today = now_local().date()
        month = ("--from", f"{today.replace(day=1)}", "--to", f"{today}")
        compared = run_ioc("index766", *month, "--portal", "--format", "json", env=ioc_env)
        assert compared.returncode == 0, compared.stderr
        province = json.loads(compared.stdout)[0]
        assert province["points"] is not None and province["portal_total"] is not None
        assert province["portal_progress"] is not None and province["differs_progress"] is not None
        kinds = {
            row["kind"] for row in json.loads(run_ioc("collector", "list", "--format", "json", env=ioc_env).stdout)
        }
        assert set(fed_by.values()) <= kinds

        def with_scheduler() -> dict[int, str] | None:
            found = descendants(process.pid)
            return found if any("scheduler" in command for command in found.values()) else None

        children = wait_for(with_scheduler, 30, process, log)
        commands = " | ".join(children.values())
        for part in ("simulate", "gunicorn", "scheduler"):
            assert part in commands
    finally:
        code = stop(process)
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert [pid for pid in children if alive(pid)] == []
    assert port_is_free(port) and port_is_free(simulator_port)


def test_the_demo_stops_everything_and_fails_in_one_line_when_a_child_dies(ioc_env, tmp_path):
    process, log, port, simulator_port = start_demo(ioc_env, tmp_path, "dies")
    try:
        wait_for(lambda: ready_line(log), 90, process, log)
        children = descendants(process.pid)
        simulator = next(pid for pid, command in children.items() if "simulate" in command)
        os.kill(simulator, signal.SIGKILL)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    errors = [line for line in log.read_text(errors="replace").splitlines() if line.startswith("ioc: error: ")]
    assert code == 1
    assert len(errors) == 1 and "simulator" in errors[0] and "killed by SIGKILL unexpectedly" in errors[0]
    assert [pid for pid in children if alive(pid)] == []
    assert port_is_free(port) and port_is_free(simulator_port)
