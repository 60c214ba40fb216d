"""Hostile-source benchmark: the collector's peak RSS while a loopback source sends a 50 MB page or a 50 MB name.

    .venv/bin/python tests/benchmarks/bench_hostile.py [--megabytes 50] [--only LABEL]

The hostile server (tests/hostile_source.py) runs in this process; the collector runs as the real
``ioc collector run`` command, whose peak RSS (VmHWM) is read from /proc while it runs. Cases: a page of normal
size (reference); pages just under the default cap made of tiny strings (the most objects per byte); a page of
N MB with the default ``max_page_bytes`` (refused at the cap); the same page with ``max_page_bytes`` raised above
it, one record holding an N MB procedure name (read, the record quarantined at ``max_field_chars``).
Target: collector peak RSS ≤ 300 MB whatever the source sends.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from hostile_source import Reply, hostile_source, keyset_page, record  # noqa: E402

MiB = 1024 * 1024


def ioc(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ioc", *args], env=env, capture_output=True, text=True, check=False)


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set (VmHWM) so far, in KiB; 0 once it has ended."""
    try:
        with Path(f"/proc/{pid}/status").open() as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0


def collector_run(env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and last output line of ``ioc collector run`` as a child process.

    The peak is the child's own VmHWM, read every 10 ms while it runs: ``wait4``'s ``ru_maxrss`` would count this
    process's resident set too (Linux keeps the pre-exec high-water mark), and this process holds the hostile data.
    """
    command = [sys.executable, "-m", "ioc", "collector", "run", "hostile", "--quiet"]
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        peak = 0
        while process.poll() is None:
            peak = max(peak, peak_rss_kib(process.pid))
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        output.seek(0)
        lines = [line.strip() for line in output.read().splitlines() if line.strip()]
    return elapsed, peak, (lines[-1] if lines else "")


def huge_page(size: int, name_bytes: int):
    """A page of about ``size`` bytes, produced 64 KiB at a time: two good records and one whose name is the rest."""
    good = [record("H1", "20250301080000"), record("H2", "20250301080001")]
    head = json.dumps(good, ensure_ascii=False)[1:-1].encode()
    yield b'{"tong_so_ban_ghi":3,"trang":1,"so_ban_ghi":50,"du_lieu":[' + head + b","
    long = json.dumps(record("LONG", "20250301080002", TenTTHC="__NAME__"), ensure_ascii=False).encode()
    before, after = long.split(b"__NAME__")
    yield before
    chunk = "Thủ tục ".encode() * 6000
    sent = 0
    while sent < name_bytes:
        yield chunk
        sent += len(chunk)
    yield after + b"]}"


ONLY: list[str] = []


def case(folder: Path, label: str, respond, options: dict[str, object]) -> None:
    if ONLY and ONLY[0] not in label:
        return
    database = folder / f"{label.replace(' ', '-')}.db"
    env = {**os.environ, "IOC_DATA_DIR": str(folder), "IOC_DATABASE_URL": f"sqlite:///{database}"}
    env = {name: value for name, value in env.items() if not name.startswith("IOC_") or name in ("IOC_DATA_DIR",
           "IOC_DATABASE_URL")}  # fmt: skip
    if (done := ioc(env, "init")).returncode != 0:
        raise SystemExit(done.stderr)
    with hostile_source(respond) as source:
        arguments = ["collector", "add", "hostile", "--kind", "dossier-sync", "--url", source.url]
        for key, value in options.items():
            arguments += ["--option", f"{key}={json.dumps(value)}"]
        if (done := ioc(env, *arguments)).returncode != 0:
            raise SystemExit(done.stderr)
        elapsed, peak_kib, last = collector_run(env)
        sent = source.sent
    print(f"| {label} | {peak_kib / 1024:,.0f} MB | {sent / MiB:,.1f} MiB | {elapsed:,.1f} s | {last[:110]} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--only", help="run only the cases whose label contains this")
    args = parser.parse_args()
    ONLY.extend([args.only] if args.only else [])
    size = args.megabytes * MiB
    normal = [record(f"H{i:04}", f"2025030108{i // 60:02}{i % 60:02}") for i in range(1000)]
    budget = 4 * MiB - 200  # just under the default max_page_bytes
    tiny_strings = b'{"tong_so_ban_ghi":1,"du_lieu":[{"MaHoSo":"H1","NgayCapNhat":"20250301080000","TenTTHC":['
    tiny_strings += b",".join([b'"ab"'] * (budget // 5)) + b"]}]}"
    flood = [
        record(f"F{i:05}", f"202503{1 + i // 1000:02}080000", TenTTHC=["ab"] * 740) for i in range(6000)
    ]  # six pages of 1,000 records, each page just under 4 MiB
    print("| case | collector peak RSS | body bytes the server got out | wall | how the run ended |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        case(
            folder,
            "1,000 good records (reference)",
            lambda params: Reply(keyset_page(normal, params)),
            {"page_size": 1000},
        )
        case(
            folder,
            "a 4 MiB page of 840,000 2-letter strings",
            lambda params: Reply(tiny_strings),
            {"page_size": 1000},
        )
        case(
            folder,
            "6 pages of 4 MiB, 1,000 records of 740 2-letter strings each",
            lambda params: Reply(keyset_page(flood, params)),
            {"page_size": 1000},
        )
        case(
            folder,
            f"{args.megabytes} MB page, default max_page_bytes",
            lambda params: Reply(huge_page(size, size)),
            {"page_size": 50, "max_attempts": 1},
        )
        case(
            folder,
            f"{args.megabytes} MB name, max_page_bytes raised to {args.megabytes + 14} MiB",
            lambda params: Reply(huge_page(size, size)),
            {"page_size": 50, "max_page_bytes": size + 14 * MiB},
        )


if __name__ == "__main__":
    main()
