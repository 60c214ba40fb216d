"""What a province map shows: its mainland whole and centred, outlying islands apart, at a zoom fitted to the map's
size in pixels (Web Mercator, as maplibre draws plotly's ``map`` subplots: the world is 512·2^zoom px wide)."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import shapely

#: Land closer than this to the largest land mass, in its own size (the larger side of its box), is mainland.
OUTLYING_DISTANCE = 0.25
#: Polygons this close (degrees, ≈ 2 km) touch: simplified neighbours leave gaps of about 100 m, the schematic grid
#: (:func:`ioc.geometry.schematic_grid`) gaps of 0.01°.
TOUCHING = 0.02
#: The world's width in pixels at zoom 0 (maplibre's tiles are 512 px).
WORLD_PX = 512
#: The largest latitude Web Mercator draws.
MAX_LATITUDE = 85.0511


@dataclass(frozen=True)
class Bounds:
    """A box in degrees: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, other: Bounds) -> bool:
        return (
            self.west <= other.west
            and self.south <= other.south
            and other.east <= self.east
            and other.north <= self.north
        )

    def as_list(self) -> list[float]:
        return [self.west, self.south, self.east, self.north]


@dataclass(frozen=True)
class Split:
    """A layer's units on the mainland and off it, and the boxes of each part (``outlying_bounds`` None without
    outlying units)."""

    mainland: tuple[str, ...]
    outlying: tuple[str, ...]
    bounds: Bounds
    outlying_bounds: Bounds | None


def _bounds(geometry: shapely.Geometry) -> Bounds:
    west, south, east, north = shapely.bounds(geometry).tolist()
    return Bounds(west, south, east, north)


def _local(geometry: shapely.Geometry, latitude: float) -> shapely.Geometry:
    """The geometry with longitudes shrunk by the cosine of ``latitude``, so distances in both axes compare."""
    factor = math.cos(math.radians(latitude))
    return shapely.transform(geometry, lambda xy: xy * [factor, 1.0])


def _largest_mass(polygons: list[shapely.Geometry]) -> list[int]:
    """The indexes of the polygons in the largest connected land mass (by area), polygons within :data:`TOUCHING`
    of each other joined."""
    parent = list(range(len(polygons)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = shapely.STRtree(polygons).query(polygons, predicate="dwithin", distance=TOUCHING)
    for a, b in pairs.T.tolist():
        parent[root(a)] = root(b)
    areas: dict[int, float] = {}
    for i, polygon in enumerate(polygons):
        areas[root(i)] = areas.get(root(i), 0.0) + polygon.area
    biggest = max(areas, key=areas.__getitem__)
    return [i for i in range(len(polygons)) if root(i) == biggest]


def split_mainland(layer: dict) -> Split:
    """Split a GeoJSON FeatureCollection (features with ``id``) into mainland units and outlying ones.

    The mainland is the largest connected land mass (polygons within :data:`TOUCHING` of each other joined) and every
    polygon within :data:`OUTLYING_DISTANCE` of its size from it. A unit with any polygon there is a mainland unit,
    and so are its polygons within that distance of the mainland's; its far polygons are left out of the mainland's
    box. An empty layer is one unit-less box at (0, 0)."""
    parts: list[tuple[str, shapely.Geometry]] = []
    for feature in layer["features"]:
        geometry = shapely.geometry.shape(feature["geometry"])
        for polygon in shapely.get_parts(geometry):
            if not polygon.is_empty:
                parts.append((str(feature["id"]), polygon))
    if not parts:
        return Split((), (), Bounds(0.0, 0.0, 0.0, 0.0), None)
    latitude = float(shapely.centroid(shapely.multipolygons([p for _, p in parts])).y)
    local = [_local(polygon, latitude) for _, polygon in parts]
    largest = shapely.geometrycollections([local[i] for i in _largest_mass(local)])
    west, south, east, north = largest.bounds
    reach = OUTLYING_DISTANCE * max(east - west, north - south)
    near = (shapely.distance(largest, local) <= reach).tolist()
    mainland = {code for (code, _), keep in zip(parts, near, strict=True) if keep}
    while True:  # a mainland unit's islets near its own mainland land are mainland too (Phú Quốc's, Vân Đồn's)
        kept = shapely.geometrycollections([polygon for polygon, keep in zip(local, near, strict=True) if keep])
        grown = [
            keep or (code in mainland and shapely.distance(kept, polygon) <= reach)
            for (code, _), polygon, keep in zip(parts, local, near, strict=True)
        ]
        if grown == near:
            break
        near = grown
    outlying = {code for code, _ in parts} - mainland
    mainland_parts = [polygon for (_, polygon), keep in zip(parts, near, strict=True) if keep]
    far_parts = [polygon for (code, polygon) in parts if code in outlying]
    return Split(
        mainland=tuple(sorted(mainland)),
        outlying=tuple(sorted(outlying)),
        bounds=_bounds(shapely.geometrycollections(mainland_parts)),
        outlying_bounds=_bounds(shapely.geometrycollections(far_parts)) if far_parts else None,
    )


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """A point as a fraction of the Web Mercator world: x from the antimeridian east, y from the top."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360, (1 - y / math.pi) / 2


def latitude_of(y: float) -> float:
    """The latitude at Web Mercator fraction ``y`` (the inverse of :func:`mercator`'s y)."""
    return math.degrees(2 * math.atan(math.exp(math.pi * (1 - 2 * y))) - math.pi / 2)


@dataclass(frozen=True)
class View:
    """A map's centre (degrees) and zoom."""

    lon: float
    lat: float
    zoom: float

    def as_layout(self) -> dict:
        return {"center": {"lon": self.lon, "lat": self.lat}, "zoom": self.zoom}


def fit(bounds: Bounds, width: float, height: float, padding: float = 0.06) -> View:
    """The view that shows ``bounds`` whole and centred in a map ``width`` × ``height`` px, with ``padding`` (a
    fraction of each side) left free on every side. A point-sized box gets zoom 12."""
    x0, y1 = mercator(bounds.west, bounds.south)
    x1, y0 = mercator(bounds.east, bounds.north)
    centre_x, centre_y = (x0 + x1) / 2, (y0 + y1) / 2
    usable_w, usable_h = max(width * (1 - 2 * padding), 1.0), max(height * (1 - 2 * padding), 1.0)
    scales = [side / extent for side, extent in ((usable_w, x1 - x0), (usable_h, y1 - y0)) if extent > 0]
    zoom = math.log2(min(scales) / WORLD_PX) if scales else 12.0
    return View(lon=centre_x * 360 - 180, lat=latitude_of(centre_y), zoom=zoom)


def project(view: View, width: float, height: float, lon: float, lat: float) -> tuple[float, float]:
    """Where a point falls in a map ``width`` × ``height`` px showing ``view``, in px from its top left corner."""
    scale = WORLD_PX * 2**view.zoom
    x, y = mercator(lon, lat)
    cx, cy = mercator(view.lon, view.lat)
    return width / 2 + (x - cx) * scale, height / 2 + (y - cy) * scale


#: Colour bands a map's values are split into.
BANDS = 5


@dataclass(frozen=True)
class Band:
    """Values from ``low`` to ``high`` (the smallest and largest present in the band)."""

    low: float
    high: float


def quantile_bands(values: list[float | None], bands: int = BANDS) -> tuple[list[Band], list[int | None]]:
    """Split the values present into at most ``bands`` bands of about as many values each (quantiles), and give each
    value its band's index (None without a value). As many distinct values as bands or fewer: one band each; one
    value, or all equal: one band."""
    present = sorted(v for v in values if v is not None)
    if not present:
        return [], [None] * len(values)
    distinct = sorted(set(present))
    if len(distinct) <= bands:
        index = [None if v is None else distinct.index(v) for v in values]
    else:  # by rank, equal values sharing the rank of the first of them
        index = [None if v is None else bisect.bisect_left(present, v) * bands // len(present) for v in values]
    members: dict[int, list[float]] = {}
    for v, i in zip(values, index, strict=True):
        if v is not None and i is not None:
            members.setdefault(i, []).append(v)
    kept = sorted(members)  # ties can leave a band empty: the others close up
    renumber = {old: new for new, old in enumerate(kept)}
    return (
        [Band(min(members[i]), max(members[i])) for i in kept],
        [None if i is None else renumber[i] for i in index],
    )


def label_points(layer: dict) -> dict[str, tuple[float, float]]:
    """Where to pin each unit's label: a point inside its largest polygon (lon, lat)."""
    points = {}
    for feature in layer["features"]:
        parts = shapely.get_parts(shapely.geometry.shape(feature["geometry"]))
        if len(parts):
            point = shapely.point_on_surface(max(parts, key=lambda part: part.area))
            points[str(feature["id"])] = (float(point.x), float(point.y))
    return points
