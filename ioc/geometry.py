"""Unit boundaries: imported from GeoJSON, Shapefile or GeoPackage (opened safely by :mod:`ioc.boundary_files`),
checked against the province's units, simplified as a coverage (neighbours keep their shared edges) until a layer fits
in a budget, and stored in the warehouse as WGS84 GeoJSON geometry for maps that need no tile server."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import Connection, delete, select

from ioc.boundary_files import MAX_BYTES, MAX_VERTICES, layer_fields, no_network, read_layer, staged
from ioc.errors import IOCError
from ioc.warehouse import audit, schema

#: Told each step of an import: its name (reading, reprojecting, matching, simplifying, storing) and figures.
Progress = Callable[[str, dict], None]

BOUNDARY = schema.Boundary.__table__
UNIT = schema.Unit.__table__
LEVELS = ("province", "commune")
#: The largest a level's stored geometry may be, in bytes of GeoJSON (a commune layer loads in a browser quickly).
LAYER_BUDGET = 1_000_000
#: Simplification tolerances tried in turn, in degrees (1e-4 ≈ 11 m); the first that fits the budget is kept.
TOLERANCES = (0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01)
#: Coordinates are kept to 1e-6 degrees (about 0.1 m).
GRID = 1e-6
CODE_WIDTH = {"province": 2, "commune": 5}
#: Shapely's type ids of a polygon and a multipolygon: the only geometries that outline a unit.
POLYGONAL = (3, 6)


@dataclass
class BoundaryImport:
    """What an import did."""

    level: str
    features: int
    matched: list[str]
    unmatched: list[str]  # codes in the file that are not units of the province at this level
    without_boundary: list[str] = field(default_factory=list)  # the province's units the file does not cover
    tolerance: float = 0.0
    stored_bytes: int = 0


def _code(value: object, level: str) -> str | None:
    """An official code as the warehouse writes it: digits, zero-padded (``4`` → ``00004`` for a commune)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text.zfill(CODE_WIDTH[level]) if text.isdigit() else text


def read_boundaries(
    path: Path,
    level: str,
    code_field: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_vertices: int = MAX_VERTICES,
    progress: Progress | None = None,
) -> tuple[list[str | None], np.ndarray]:
    """Codes and WGS84 geometries of a boundary file (GeoJSON, GeoPackage or a shapefile, alone or zipped, by its
    content; see :mod:`ioc.boundary_files`), refused past ``max_bytes`` unpacked or ``max_vertices`` vertices."""
    (progress or _quiet)("reading", {})
    with staged(path, max_bytes) as file:
        fields = layer_fields(file)
        if code_field not in fields:
            raise IOCError(f"{file.name}: no field {code_field!r}; the file has: {', '.join(fields)}")
        frame = read_layer(file, [code_field])
        geometries = np.asarray(frame.geometry.values)
        if not len(geometries) or (shapely.is_missing(geometries) | shapely.is_empty(geometries)).all():
            raise IOCError(f"{file.name}: the layer has no geometry")
        frame = frame[~(shapely.is_missing(geometries) | shapely.is_empty(geometries))]  # a feature drawing nothing
        geometries = np.asarray(frame.geometry.values)
        if not np.isin(shapely.get_type_id(geometries), POLYGONAL).all():
            raise IOCError(f"{file.name}: some features are not polygons; points and lines cannot outline a unit")
        vertices = int(shapely.get_num_coordinates(geometries).sum())
        if vertices > max_vertices:
            raise IOCError(
                f"{file.name}: {vertices:,} vertices; the most accepted is {max_vertices:,} (simplify the file first)"
            )
        if frame.crs is None:
            raise IOCError(f"{file.name}: the file does not say its coordinate reference system")
        (progress or _quiet)("reprojecting", {"features": len(frame), "vertices": vertices})
        with no_network():
            frame = frame.to_crs(4326)
    return [_code(value, level) for value in frame[code_field]], np.asarray(frame.geometry.values)


def boundary_fields(path: Path, *, max_bytes: int = MAX_BYTES) -> list[str]:
    """The attribute fields of a boundary file, for choosing the one that holds unit codes (reads no geometry)."""
    with staged(path, max_bytes) as file:
        return layer_fields(file)


def _quiet(step: str, figures: dict) -> None:
    """No one follows this import."""


def simplify_to_budget(
    geometries: np.ndarray, budget: int = LAYER_BUDGET, progress: Progress | None = None
) -> tuple[np.ndarray, float]:
    """The least simplified coverage (shared edges kept) whose GeoJSON fits ``budget``, and its tolerance."""
    valid = shapely.make_valid(shapely.set_precision(geometries, GRID))
    for tolerance in TOLERANCES:
        (progress or _quiet)("simplifying", {"tolerance": tolerance})
        simplified = shapely.set_precision(shapely.coverage_simplify(valid, tolerance), GRID)
        if sum(len(text) for text in shapely.to_geojson(simplified)) <= budget:
            return simplified, tolerance
    raise IOCError(f"the layer does not fit in {budget:,} bytes even simplified at {TOLERANCES[-1]} degrees")


def import_boundaries(
    connection: Connection,
    path: Path,
    level: str,
    code_field: str,
    actor: str,
    now: datetime,
    progress: Progress | None = None,
    *,
    source_ip: str = audit.LOCAL,
) -> BoundaryImport:
    """Replace the stored boundaries of ``level`` with the file's, for the codes that are units of the province;
    ``progress`` is told each step."""
    if level not in LEVELS:
        raise IOCError(f"unknown level {level!r}; use province or commune")
    codes, geometries = read_boundaries(path, level, code_field, progress=progress)
    (progress or _quiet)("matching", {"features": len(codes)})
    units = set(connection.execute(select(UNIT.c.code).where(UNIT.c.level == level)).scalars())
    keep = [i for i, code in enumerate(codes) if code in units]
    report = BoundaryImport(
        level=level,
        features=len(codes),
        matched=sorted({codes[i] for i in keep}),
        unmatched=sorted({str(code) for code in codes if code not in units}),
    )
    report.without_boundary = sorted(units - set(report.matched))
    if not keep:
        raise IOCError(
            f"{path.name}: none of the {len(codes)} codes in field {code_field!r} is a {level} of the province "
            f"(for example {', '.join(report.unmatched[:5])}); choose the code field with --code-field",
            key="boundary_codes",
            file=path.name,
            count=len(codes),
            field=code_field,
            examples=", ".join(report.unmatched[:5]),
        )
    merged: dict[str, shapely.Geometry] = {}
    for i in keep:  # a unit drawn as several features becomes one
        code = codes[i]
        merged[code] = geometries[i] if code not in merged else shapely.union(merged[code], geometries[i])
    simplified, report.tolerance = simplify_to_budget(np.asarray(list(merged.values())), progress=progress)
    rows = []
    for code, geometry in zip(merged, shapely.to_geojson(simplified), strict=True):
        rows.append({"unit_code": code, "level": level, "geometry": geometry, "source": path.name, "imported_at": now})
    report.stored_bytes = sum(len(row["geometry"]) for row in rows)
    (progress or _quiet)("storing", {"units": len(rows), "bytes": report.stored_bytes})
    connection.execute(delete(BOUNDARY).where(BOUNDARY.c.level == level))
    connection.execute(BOUNDARY.insert(), rows)
    details = {"file": path.name, "matched": len(report.matched), "unmatched": report.unmatched[:50]}
    audit.record(connection, actor, "boundaries.import", level, now, details, source_ip=source_ip)
    return report


def boundary_collection(connection: Connection, level: str) -> dict:
    """A level's stored boundaries as a GeoJSON FeatureCollection whose features' ids are unit codes."""
    query = select(BOUNDARY.c.unit_code, BOUNDARY.c.geometry).where(BOUNDARY.c.level == level)
    rows = connection.execute(query.order_by(BOUNDARY.c.unit_code))
    features = [
        {"type": "Feature", "id": code, "properties": {"code": code}, "geometry": json.loads(geometry)}
        for code, geometry in rows
    ]
    return {"type": "FeatureCollection", "features": features}


@dataclass
class BoundaryState:
    """A level's stored outlines: the units that have one, those that do not, and where the outlines came from."""

    level: str
    outlined: list[str]
    without_boundary: list[str]
    sources: list[str]
    imported_at: datetime | None


def boundary_state(connection: Connection, level: str) -> BoundaryState:
    """What is stored for ``level`` (a map of it is schematic while ``outlined`` is empty)."""
    units = set(connection.execute(select(UNIT.c.code).where(UNIT.c.level == level)).scalars())
    rows = connection.execute(
        select(BOUNDARY.c.unit_code, BOUNDARY.c.source, BOUNDARY.c.imported_at).where(BOUNDARY.c.level == level)
    ).all()
    return BoundaryState(
        level=level,
        outlined=sorted(row.unit_code for row in rows),
        without_boundary=sorted(units - {row.unit_code for row in rows}),
        sources=sorted({row.source for row in rows if row.source}),
        imported_at=max((row.imported_at for row in rows), default=None),
    )


def schematic_grid(codes: list[str], columns: int | None = None, size: float = 0.1) -> dict:
    """Square tiles in rows, one per unit in code order, as a GeoJSON FeatureCollection: the map of a province whose
    boundaries were not imported. Placed around (0°, 0°), so nobody mistakes it for a real map."""
    columns = columns or max(1, round(len(codes) ** 0.5))
    features = []
    for i, code in enumerate(sorted(codes)):
        row, column = divmod(i, columns)
        x, y = column * size * 1.1, -row * size * 1.1
        box = shapely.box(x, y, x + size, y + size)
        features.append(
            {"type": "Feature", "id": code, "properties": {"code": code}, "geometry": box.__geo_interface__}
        )
    return {"type": "FeatureCollection", "features": features}


def map_layer(connection: Connection, level: str = "commune") -> tuple[dict, bool]:
    """The layer a map of ``level`` draws, and whether it is geographic: the imported boundaries, or when none were
    imported, a schematic grid of the province's units."""
    imported = boundary_collection(connection, level)
    if imported["features"]:
        return imported, True
    codes = list(connection.execute(select(UNIT.c.code).where(UNIT.c.level == level)).scalars())
    return schematic_grid(codes), False
