"""The map's view on real boundaries: the mainland is fitted whole and centred, outlying islands (Hoàng Sa, Bạch Long
Vĩ, Côn Đảo …) are set apart, and the zoom follows the map's size in pixels."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path

import pytest
import shapely

from ioc.geometry import schematic_grid
from ioc.mapview import Band, Bounds, fit, mercator, project, quantile_bands, split_mainland

GEO = Path(__file__).resolve().parents[2] / "shared" / "data" / "geo"
COMMUNES = GEO / "vn_communes_3321_2025_simplified.geojson"


@cache
def _all() -> list[dict]:
    return json.loads(COMMUNES.read_text(encoding="utf-8"))["features"]


def province(code: str) -> dict:
    """A province's communes as the warehouse stores them: features whose id is the commune's code."""
    features = [
        {"type": "Feature", "id": f["properties"]["code"], "properties": f["properties"], "geometry": f["geometry"]}
        for f in _all()
        if f["properties"]["provinceCode"] == code
    ]
    assert features, f"no communes of province {code} in {COMMUNES.name}"
    return {"type": "FeatureCollection", "features": features}


def code_named(layer: dict, name: str) -> str:
    (code,) = [f["id"] for f in layer["features"] if f["properties"]["fullName"] == name]
    return code


def bounds_of(layer: dict, code: str) -> Bounds:
    (feature,) = [f for f in layer["features"] if f["id"] == code]
    return Bounds(*shapely.bounds(shapely.geometry.shape(feature["geometry"])).tolist())


def test_hoang_sa_is_not_in_da_nangs_mainland_box_and_every_mainland_commune_is() -> None:
    layer = province("48")
    split = split_mainland(layer)
    hoang_sa = code_named(layer, "Đặc khu Hoàng Sa")
    assert split.outlying == (hoang_sa,)
    assert len(split.mainland) == len(layer["features"]) - 1
    box = bounds_of(layer, hoang_sa)
    assert box.west > split.bounds.east  # Hoàng Sa lies east of the mainland's box, wholly outside it
    assert all(split.bounds.contains(bounds_of(layer, code)) for code in split.mainland)
    assert split.outlying_bounds == box
    # The mainland's box is Đà Nẵng and the former Quảng Nam: about 107.2–108.8° E, 14.9–16.3° N.
    assert 107.0 < split.bounds.west < 107.5 and 108.5 < split.bounds.east < 108.9
    assert 14.8 < split.bounds.south < 15.2 and 16.0 < split.bounds.north < 16.4


@pytest.mark.parametrize(
    ("code", "islands"),
    [("31", {"Đặc khu Bạch Long Vĩ"}), ("79", {"Đặc khu Côn Đảo"}), ("91", {"Đặc khu Thổ Châu"})],
)
def test_far_islands_are_outlying(code: str, islands: set[str]) -> None:
    layer = province(code)
    split = split_mainland(layer)
    names = {f["id"]: f["properties"]["fullName"] for f in layer["features"]}
    assert {names[c] for c in split.outlying} == islands
    assert all(split.bounds.contains(bounds_of(layer, c)) for c in split.mainland)


@pytest.mark.parametrize(
    ("code", "island"), [("51", "Đặc khu Lý Sơn"), ("91", "Đặc khu Phú Quốc"), ("22", "Đặc khu Cô Tô")]
)
def test_islands_near_the_coast_stay_with_the_mainland(code: str, island: str) -> None:
    """Lý Sơn, Phú Quốc, Cô Tô lie close to their mainland: in its box, they clip nothing."""
    layer = province(code)
    split = split_mainland(layer)
    assert code_named(layer, island) in split.mainland
    assert split.bounds.contains(bounds_of(layer, code_named(layer, island)))


def test_a_province_without_islands_is_all_mainland() -> None:
    layer = province("46")
    split = split_mainland(layer)
    assert split.outlying == () and split.outlying_bounds is None
    assert len(split.mainland) == len(layer["features"])


@pytest.mark.parametrize(("width", "height"), [(1000, 700), (390, 300), (700, 1000), (3000, 400)])
def test_the_fitted_view_holds_the_box_whole_and_centred_in_width_and_height(width: int, height: int) -> None:
    box = split_mainland(province("48")).bounds
    view = fit(box, width, height, padding=0.05)
    left, bottom = project(view, width, height, box.west, box.south)
    right, top = project(view, width, height, box.east, box.north)
    assert 0.05 * width - 1e-6 <= left and right <= 0.95 * width + 1e-6
    assert 0.05 * height - 1e-6 <= top and bottom <= 0.95 * height + 1e-6
    # Centred, and touching the padding on the side that limits it.
    assert abs((left + right) / 2 - width / 2) < 1e-6 and abs((top + bottom) / 2 - height / 2) < 1e-6
    assert min(abs(right - left - 0.9 * width), abs(bottom - top - 0.9 * height)) < 1e-6


def test_the_zoom_is_maplibres_512_px_world() -> None:
    """At zoom z the world is 512·2^z px wide (maplibre), so the whole world fits 512 px at zoom 0."""
    view = fit(Bounds(-180, -85.0511, 180, 85.0511), 512, 512, padding=0)
    assert view.zoom == pytest.approx(0, abs=1e-9)
    assert mercator(0, 0) == (0.5, 0.5)
    narrow, wide = fit(Bounds(107, 15, 108, 16), 390, 844), fit(Bounds(107, 15, 108, 16), 780, 844)
    assert wide.zoom - narrow.zoom == pytest.approx(1, abs=1e-9)  # twice the width, one zoom level more


def test_quantile_bands_separate_the_values_present() -> None:
    values = [68.0, 100.0, 99.0, 70.0, None, 85.0, 90.0, 95.0, 72.0, 97.0, 80.0]
    bands, index = quantile_bands(values)
    assert len(bands) == 5
    assert index[values.index(68.0)] == 0 and index[values.index(100.0)] == 4 and index[4] is None
    assert bands[0].low == 68.0 and bands[-1].high == 100.0
    assert all(a.high < b.low for a, b in itertools.pairwise(bands))  # bands do not overlap
    for v, i in zip(values, index, strict=True):
        assert v is None or bands[i].low <= v <= bands[i].high
    counts = [index.count(i) for i in range(5)]
    assert max(counts) - min(counts) <= 1  # about as many communes in each band


def test_one_value_or_all_equal_is_one_band_and_few_values_one_band_each() -> None:
    assert quantile_bands([75.0, 75.0, None]) == ([Band(75.0, 75.0)], [0, 0, None])
    assert quantile_bands([None, None]) == ([], [None, None])
    bands, index = quantile_bands([3.0, 1.0, 2.0])
    assert bands == [Band(1.0, 1.0), Band(2.0, 2.0), Band(3.0, 3.0)] and index == [2, 0, 1]


@pytest.mark.parametrize("count", [1, 2, 41, 100])
def test_the_schematic_grid_is_all_mainland(count: int) -> None:
    """The grid drawn without imported boundaries (squares 0.01° apart) is one land mass, shown whole."""
    split = split_mainland(schematic_grid([f"{i:05d}" for i in range(count)]))
    assert len(split.mainland) == count and split.outlying == ()
