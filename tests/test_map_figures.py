"""The commune map as a figure, on Đà Nẵng's real boundaries: dark on the wall, the mainland fitted with Hoàng Sa in
an inset, quantile colour bands with a legend in Vietnamese numbers, the best and worst communes labelled."""

from __future__ import annotations

from ioc.mapview import fit, split_mainland
from layouts import figures, map_parts
from tests.test_mapview import code_named, province

DA_NANG = province("48")
CODES = [f["id"] for f in DA_NANG["features"]]
NAMES = {f["id"]: f["properties"]["fullName"] for f in DA_NANG["features"]}


def luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def rows(values: list[float | None]) -> list[dict]:
    return [{"unit": code, "on_time_rate": value} for code, value in zip(CODES, values, strict=False)]


def colour_of(trace, i: int) -> str:  # type: ignore[no-untyped-def]
    """The colour a discrete colour scale gives the trace's ``i``-th unit."""
    z = trace.z[i]
    position = (z - trace.zmin) / (trace.zmax - trace.zmin)
    return next(colour for stop, colour in reversed(trace.colorscale) if stop <= position + 1e-9)


def test_the_wall_map_has_a_dark_background_under_the_communes() -> None:
    figure = figures.choropleth(DA_NANG, rows([80.0] * len(CODES)), "on_time_rate", NAMES, "vi", dark=True)
    assert figure.layout.map.style == "white-bg"  # no tiles
    (background,) = [layer for layer in figure.layout.map.layers if layer.type == "fill"]
    assert luminance(background.color) < 0.15 and background.below == "traces"
    (ring,) = background.source["features"][0]["geometry"]["coordinates"]
    assert min(x for x, _ in ring) <= -180 and max(x for x, _ in ring) >= 180  # the whole world
    assert luminance(figure.layout.paper_bgcolor) < 0.15


def test_the_view_fits_da_nangs_mainland_and_hoang_sa_is_in_an_inset() -> None:
    figure = figures.choropleth(DA_NANG, rows([80.0] * len(CODES)), "on_time_rate", NAMES, "vi", dark=True)
    split = split_mainland(DA_NANG)
    view = figure.layout.map
    assert split.bounds.west < view.center.lon < split.bounds.east
    assert split.bounds.south < view.center.lat < split.bounds.north
    width, height = map_parts.NOMINAL_SIZE
    domain = view.domain
    fitted = fit(split.bounds, width * (domain.x[1] - domain.x[0]), height * (domain.y[1] - domain.y[0]), 0.06)
    assert (view.center.lon, view.center.lat, view.zoom) == (fitted.lon, fitted.lat, fitted.zoom)
    inset = [trace for trace in figure.data if trace.subplot == "map2"]
    hoang_sa = code_named(DA_NANG, "Đặc khu Hoàng Sa")
    assert inset and all(list(trace.locations) == [hoang_sa] for trace in inset)
    assert "Đảo xa: Đặc khu Hoàng Sa" in [a.text for a in figure.layout.annotations if a.name == "inset"]
    assert figure.layout.map2.domain.x[1] <= 1 and figure.layout.map2.domain.x[1] - figure.layout.map2.domain.x[0] < 0.3
    # The page fits both again at the map's real size in pixels (layouts/assets/map_fit.js).
    fitting = figure.layout.meta["fit"]
    assert fitting["map"]["bounds"] == split.bounds.as_list()
    assert fitting["map2"]["bounds"] == split.outlying_bounds.as_list()


def test_the_colour_bands_separate_68_from_100_and_the_legend_says_the_ranges_in_vietnamese() -> None:
    values = [68.0 + 32.0 * i / (len(CODES) - 1) for i in range(len(CODES))]
    figure = figures.choropleth(DA_NANG, rows(values), "on_time_rate", NAMES, "vi", dark=True)
    shaded = figure.data[1]
    colours = {colour_of(shaded, i) for i in range(len(CODES))}
    assert len(colours) == 5  # five bands, each its own colour
    assert colour_of(shaded, 0) != colour_of(shaded, len(CODES) - 1)
    assert shaded.z[0] == 68.0 and "68,00 %" in shaded.text[0]  # the commune's own value, and its hover
    (box,) = [a for a in figure.layout.annotations if a.name == "legend"]
    lines = box.text.split("<br>")  # highest values on top, each line its band's colour and range
    assert len(lines) == 5 and lines[-1].endswith("68,00 – 74,19 %") and lines[0].endswith("94,15 – 100,00 %")
    assert [line.split('"')[1] for line in lines[::-1]] == [f"color:{c}" for c in map_parts.band_colours(5, True)]
    assert colour_of(shaded, 0) == map_parts.band_colours(5, True)[0]


def test_one_value_for_every_commune_still_reads() -> None:
    figure = figures.choropleth(DA_NANG, rows([75.0] * len(CODES)), "on_time_rate", NAMES, "vi", dark=True)
    shaded = figure.data[1]
    (box,) = [a for a in figure.layout.annotations if a.name == "legend"]
    assert box.text.endswith("> 75,00 %")
    assert {colour_of(shaded, i) for i in range(len(CODES))} == {map_parts.band_colours(1, True)[0]}


def test_the_best_and_worst_communes_are_labelled_with_name_and_value() -> None:
    values = [50.0 + i for i in range(len(CODES))]
    worst, best = CODES[0], CODES[-1]
    figure = figures.choropleth(DA_NANG, rows(values), "on_time_rate", NAMES, "vi", dark=True, labels=True)
    texts = [a.text for a in figure.layout.annotations if a.name not in ("legend", "inset")]
    assert len(texts) == 2
    assert any(NAMES[best] in text and "143,00 %" in text for text in texts)
    assert any(NAMES[worst] in text and "50,00 %" in text for text in texts)
    for annotation in figure.layout.annotations:
        if annotation.name != "inset":
            assert luminance(annotation.font.color) > 0.8 and luminance(annotation.bgcolor) < 0.15
    assert len(figure.layout.meta["fit"]["labels"]) == 2
