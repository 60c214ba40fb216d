"""Boundary import benchmark: a commune layer of about a million vertices, imported from the admin page's way.

    .venv/bin/python tests/benchmarks/bench_boundaries.py [--vertices 1000000]

Builds a GeoJSON of province 46's communes as a grid of squares whose edges carry many vertices (in all about
``--vertices``), on a fresh SQLite warehouse. Then, as the admin page does: the web worker's part (decode the upload,
save it in a private folder, start ``ioc boundaries fields``) is timed in this process with its memory traced; the
fields and import processes are timed to their end, with their peak RSS (``ru_maxrss`` of the children).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import shapely

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def commune_layer(vertices: int) -> bytes:
    """A GeoJSON of province 46's communes, each a square near Huế with ``vertices / communes`` points."""
    from ioc.units import communes

    codes = [unit.code for unit in communes("46")]
    per_side = max(2, vertices // len(codes) // 4)
    features = []
    for i, code in enumerate(codes):
        x0, y0, size = 107.0 + 0.1 * (i % 7), 16.0 + 0.1 * (i // 7), 0.1
        steps = np.linspace(0, size, per_side, endpoint=False)
        ring = np.concatenate(
            [
                np.column_stack([x0 + steps, np.full(per_side, y0)]),
                np.column_stack([np.full(per_side, x0 + size), y0 + steps]),
                np.column_stack([x0 + size - steps, np.full(per_side, y0 + size)]),
                np.column_stack([np.full(per_side, x0), y0 + size - steps]),
                [[x0, y0]],
            ]
        )
        geometry = json.loads(shapely.to_geojson(shapely.Polygon(ring)))
        features.append({"type": "Feature", "properties": {"ma_xa": code}, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def wait_for(job: str, step: str) -> tuple[float, object]:
    from ioc import boundary_jobs

    started = time.perf_counter()
    while (state := boundary_jobs.state(job, step)).running:
        time.sleep(0.05)
    return time.perf_counter() - started, state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vertices", type=int, default=1_000_000)
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ioc-bench-boundaries-"))
    os.environ["IOC_DATA_DIR"] = str(folder)
    os.environ["IOC_DATABASE_URL"] = f"sqlite:///{folder / 'ioc.db'}"
    subprocess.run([sys.executable, "-m", "ioc", "init"], check=True, capture_output=True)
    data = commune_layer(arguments.vertices)
    vertices = sum(len(f["geometry"]["coordinates"][0]) for f in json.loads(data)["features"])
    print(f"file: {len(data) / 1024 / 1024:,.1f} MB GeoJSON, {vertices:,} vertices")

    from ioc import boundary_jobs
    from ioc.warehouse.engine import make_engine
    from layouts.admin.boundaries import decoded_upload

    engine = make_engine(os.environ["IOC_DATABASE_URL"])
    contents = "data:application/geo+json;base64," + base64.b64encode(data).decode()
    tracemalloc.start()
    started = time.perf_counter()
    upload, name = decoded_upload(contents, "xa.geojson", "vi")
    job = boundary_jobs.save_upload(upload, name)
    boundary_jobs.start(engine, job, "fields")
    worker_seconds = time.perf_counter() - started
    _, worker_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"web worker: {worker_seconds * 1000:,.0f} ms, {worker_peak / 1024 / 1024:,.0f} MB traced at its peak")
    seconds, fields = wait_for(job, "fields")
    print(f"fields process: {seconds:,.1f} s ({fields.result or fields.error})")
    boundary_jobs.start(engine, job, "import", ["--level=commune", "--code-field=ma_xa", "--actor=bench"])
    seconds, imported = wait_for(job, "import")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = imported.result or {}
    print(
        f"import process: {seconds:,.1f} s, {len(report.get('matched', [])):,} communes, "
        f"{report.get('stored_bytes', 0) / 1024:,.0f} KiB stored at {report.get('tolerance')}°"
        + (f", error: {imported.error}" if imported.error else "")
    )
    print(f"peak RSS of the fields and import processes: {peak:,.0f} MB")
    boundary_jobs.discard(job)
    engine.dispose()
    subprocess.run(["rm", "-rf", str(folder)], check=True)


if __name__ == "__main__":
    main()
