"""The commune map's figure: the mainland fitted whole and centred, outlying islands in an inset (``map2``), values
in quantile colour bands with a legend of their ranges, the best and worst units labelled, the sea dark on the wall.

The view is fitted for :data:`NOMINAL_SIZE`; ``assets/map_fit.js`` fits it again at the map's real size in the page
(and moves the labels), from the boxes the figure carries in ``layout.meta["fit"]``.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from ioc.mapview import Band, Split, View, fit, label_points, project, quantile_bands, split_mainland
from layouts import theme
from layouts.formatting import number, percent
from layouts.i18n import t

#: The plot area a figure's view is fitted for before the page knows the map's size (px).
NOMINAL_SIZE = (900.0, 560.0)
#: The fraction of each side left free around the mainland.
PADDING = 0.06
FULL = {"x": [0.0, 1.0], "y": [0.0, 1.0]}
#: With an inset: the mainland on the left, the islands top right, the legend under them.
MAINLAND = {"x": [0.0, 0.77], "y": [0.0, 1.0]}
INSET = {"x": [0.79, 1.0], "y": [0.62, 1.0]}
#: A fill over the whole world, under the units: the sea (``white-bg`` draws no tiles, only white).
WORLD = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[-180, -85.0511], [180, -85.0511], [180, 85.0511], [-180, 85.0511], [-180, -85.0511]]],
            },
        }
    ],
}
GREY = "#dee2e6"
GREY_DARK = "#3b3d42"

_kept: dict[int, tuple[dict, Split, dict[str, tuple[float, float]]]] = {}


def _shape(layer: dict) -> tuple[Split, dict[str, tuple[float, float]]]:
    """The layer's mainland split and label points, kept while the same layer object is drawn again."""
    hit = _kept.get(id(layer))
    if hit is not None and hit[0] is layer:
        return hit[1], hit[2]
    split, points = split_mainland(layer), label_points(layer)
    if len(_kept) >= 8:
        _kept.clear()
    _kept[id(layer)] = (layer, split, points)
    return split, points


def _size(domain: dict) -> tuple[float, float]:
    width, height = NOMINAL_SIZE
    return width * (domain["x"][1] - domain["x"][0]), height * (domain["y"][1] - domain["y"][0])


def mainland_view(layer: dict) -> dict:
    """Centre and zoom that fit the layer's mainland in a map of :data:`NOMINAL_SIZE`."""
    return fit(_shape(layer)[0].bounds, *NOMINAL_SIZE, PADDING).as_layout()


def band_colours(count: int, higher_is_better: bool) -> list[str]:
    """A colour per band, lowest values first; the better darker."""
    if count == 1:
        return [theme.BANDS[3]]
    last = len(theme.BANDS) - 1
    colours = [theme.BANDS[round(i * last / (count - 1))] for i in range(count)]
    return colours if higher_is_better else colours[::-1]


def band_text(band: Band, is_rate: bool, lang: str) -> str:
    """A band's range in the language's numbers: ``68,00 – 75,20 %``, ``1.204 – 2.310``, one value alone."""
    decimals = 2 if is_rate or not (float(band.low).is_integer() and float(band.high).is_integer()) else 0
    high = percent(band.high, lang, decimals) if is_rate else number(band.high, lang, decimals)
    return high if band.low == band.high else f"{number(band.low, lang, decimals)} – {high}"


def _colour_scale(bands: list[Band], colours: list[str]) -> tuple[list[list], float, float]:
    """A stepped scale over the values: each band one flat colour, changing halfway between one band's largest value
    and the next band's smallest; and the scale's zmin and zmax."""
    low, high = bands[0].low, bands[-1].high
    if low == high:
        return [[0, colours[0]], [1, colours[0]]], low - 1, high + 1
    scale: list[list] = [[0.0, colours[0]]]
    for band, following, colour, next_colour in zip(bands, bands[1:], colours, colours[1:], strict=False):
        step = ((band.high + following.low) / 2 - low) / (high - low)
        scale += [[step, colour], [step, next_colour]]
    return [*scale, [1.0, colours[-1]]], low, high


def legend(bands: list[Band], colours: list[str], is_rate: bool, unit: str, lang: str) -> str:
    """The bands as lines of a box, highest values on top: a square of the band's colour and its range."""
    lines = [
        f'<span style="color:{colour}">■</span> {band_text(band, is_rate, lang)}'
        for band, colour in zip(bands, colours, strict=True)
    ][::-1]
    title = [] if is_rate or not unit else [html.escape(str(unit), quote=False)]
    return "<br>".join(title + lines)


def _paper(view: View, domain: dict, lon: float, lat: float) -> tuple[float, float]:
    """Where a point of a map at ``domain`` falls in paper fractions, at :data:`NOMINAL_SIZE`."""
    x, y = project(view, *_size(domain), lon, lat)
    return domain["x"][0] + x / NOMINAL_SIZE[0], domain["y"][1] - y / NOMINAL_SIZE[1]


def shaded_map(
    layer: dict,
    values: dict,
    higher_is_better: bool,
    is_rate: bool,
    unit: str,
    lang: str,
    dark: bool = False,
    scale: float = 1.0,
    labels: bool = False,
) -> go.Figure:
    """The layer's units coloured by ``values`` (``z`` and hover ``text`` per feature,
    :func:`layouts.figures.map_values`) in quantile bands, the better darker; a unit without a value is grey. The
    mainland fills the map, outlying islands have an inset; with ``labels`` the best and worst units are named. Clicks
    report the unit code as ``location``."""
    features = layer["features"]
    codes = [feature["id"] for feature in features]
    split, points = _shape(layer)
    outlying = set(split.outlying)
    inset = bool(outlying) and split.outlying_bounds is not None
    domain = MAINLAND if inset else FULL
    bands, _ = quantile_bands(values["z"])
    colours = band_colours(len(bands), higher_is_better)
    outline = theme.WALL_BACKGROUND if dark else "#ffffff"
    grey = GREY_DARK if dark else GREY
    colour_scale, zmin, zmax = _colour_scale(bands, colours) if bands else ([[0, grey], [1, grey]], 0.0, 1.0)

    def traces(chosen: list[int], subplot: str) -> list[go.Choroplethmap]:
        shown = layer if subplot == "map" else {"type": "FeatureCollection", "features": [features[i] for i in chosen]}
        locations = [codes[i] for i in chosen]
        common = {"geojson": shown, "locations": locations, "featureidkey": "id", "subplot": subplot}
        line = {"color": outline, "width": 0.8}
        return [
            go.Choroplethmap(  # every unit, grey: one without a value stays visible
                **common,
                z=[0] * len(chosen),
                colorscale=[[0, grey], [1, grey]],
                showscale=False,
                hoverinfo="skip",
                marker={"line": line},
            ),
            go.Choroplethmap(
                **common,
                z=[values["z"][i] for i in chosen],
                text=[values["text"][i] for i in chosen],
                hovertemplate="%{text}<extra></extra>",
                colorscale=colour_scale,
                zmin=zmin,
                zmax=zmax,
                showscale=False,  # the legend says the bands (a colour bar would draw them by their value range)
                marker={"line": line, "opacity": 0.95},
            ),
        ]

    data = traces(list(range(len(codes))), "map")
    if inset:
        data += traces([i for i, code in enumerate(codes) if code in outlying], "map2")
    figure = go.Figure(data)
    sea = [{"sourcetype": "geojson", "source": WORLD, "type": "fill", "color": theme.WALL_SEA, "below": "traces"}]
    layers = sea if dark else []
    views = {"map": fit(split.bounds, *_size(domain), PADDING)}
    fitting: dict = {"map": {"bounds": split.bounds.as_list(), "padding": PADDING}, "labels": []}
    maps = {"map": {"style": "white-bg", "domain": domain, "layers": layers, **views["map"].as_layout()}}
    shapes, annotations = [], []
    if inset:
        views["map2"] = fit(split.outlying_bounds, *_size(INSET), PADDING)  # type: ignore[arg-type]
        fitting["map2"] = {"bounds": split.outlying_bounds.as_list(), "padding": PADDING}  # type: ignore[union-attr]
        maps["map2"] = {"style": "white-bg", "domain": INSET, "layers": layers, **views["map2"].as_layout()}
        x0, x1, y0, y1 = *INSET["x"], *INSET["y"]
        border = theme.WALL_MUTED if dark else "#adb5bd"
        shapes.append(
            {"type": "rect", "xref": "paper", "yref": "paper", "x0": x0, "x1": x1, "y0": y0, "y1": y1,
             "line": {"color": border, "width": 1}}
        )  # fmt: skip
        islands = sorted({values["text"][i].split("<br>")[0] for i, code in enumerate(codes) if code in outlying})
        caption = f"{t(lang, 'map.islands')}: {', '.join(islands[:3])}{' …' if len(islands) > 3 else ''}"
        annotations.append(
            {"name": "inset", "text": caption, "x": x0, "y": y0, "xref": "paper", "yref": "paper", "xanchor": "left",
             "yanchor": "top", "showarrow": False, "font": {"color": border, "size": round(11 * scale)}}
        )  # fmt: skip
    text = theme.WALL_TEXT if dark else "#212529"
    box = {"bgcolor": theme.WALL_SEA if dark else "#ffffff", "bordercolor": theme.WALL_MUTED if dark else "#adb5bd"}
    if bands:
        annotations.append(
            {
                "name": "legend",
                "text": legend(bands, colours, is_rate, unit, lang),
                "x": 1,
                "y": 0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "right",
                "yanchor": "bottom",
                "align": "left",
                "showarrow": False,
                "font": {"color": text, "size": round(12 * scale)},
                "borderpad": round(4 * scale),
                **box,
            }
        )
    present = [(value, i) for i, value in enumerate(values["z"]) if value is not None and codes[i] in points]
    if labels and present and min(present)[0] != max(present)[0]:
        best = max(present, key=lambda item: item[0]) if higher_is_better else min(present, key=lambda item: item[0])
        worst = min(present, key=lambda item: item[0]) if higher_is_better else max(present, key=lambda item: item[0])
        for name, (_, i) in (("map.best", best), ("map.worst", worst)):
            lon, lat = points[codes[i]]
            subplot = "map2" if codes[i] in outlying else "map"
            where = INSET if subplot == "map2" else domain
            x, y = _paper(views[subplot], where, lon, lat)
            across = (x - where["x"][0]) / (where["x"][1] - where["x"][0])  # 0 at the map's left edge, 1 at its right
            up = (y - where["y"][0]) / (where["y"][1] - where["y"][0])
            fitting["labels"].append({"lon": lon, "lat": lat, "subplot": subplot, "annotation": len(annotations)})
            annotations.append(
                {
                    "x": x,
                    "y": y,
                    "xref": "paper",
                    "yref": "paper",
                    "text": f"<b>{t(lang, name)}</b>: {values['text'][i]}",
                    "showarrow": True,
                    "arrowhead": 0,
                    "arrowwidth": 1.5 * scale,
                    "arrowcolor": text,
                    "ax": 0,
                    "ay": round((34 if up > 0.6 else -34) * scale),  # the box below a point near the top
                    "xanchor": "left" if across < 0.3 else "right" if across > 0.7 else "center",
                    "font": {"color": text, "size": round(12 * scale)},
                    "borderpad": round(3 * scale),
                    "align": "left",
                    **box,
                }
            )
    layout = theme.figure_layout(lang, dark, scale)
    layout.pop("xaxis")
    layout.pop("yaxis")
    if dark:
        layout["paper_bgcolor"] = theme.WALL_PANEL
    figure.update_layout(
        layout, **maps, meta={"fit": fitting}, annotations=annotations, shapes=shapes, clickmode="event"
    )
    return figure
