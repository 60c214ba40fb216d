"""``/admin/boundaries``: unit outlines for the maps (ranh giới) — what is stored, and an import from an uploaded
GeoJSON, GeoPackage or zipped shapefile through :func:`ioc.geometry.import_boundaries` (the same checks as
``ioc boundaries import``, audited in the same transaction), with what matched and a preview map of the layer."""

from __future__ import annotations

import base64
import binascii
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, no_update

from ioc.config import now_local
from ioc.errors import IOCError
from ioc.geometry import LEVELS, BoundaryImport, boundary_fields, boundary_state, import_boundaries, map_layer
from ioc.warehouse.access import database_errors
from layouts import figures, lookups, theme, warehouse
from layouts.access import current_username
from layouts.formatting import moment, number
from layouts.i18n import language, t
from layouts.shell import frame

PATH = "/admin/boundaries"
TITLE_KEY = "admin.boundaries.title"
ACCEPTED = (".geojson", ".json", ".gpkg", ".zip")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: The most a zipped shapefile may unpack to (the upload itself is limited to 50 MB by the server).
MAX_UNPACKED = 500 * 1024 * 1024
#: How many codes a list in the report names before it says "and N more".
LISTED = 60


def _safe_name(name: str | None) -> str:
    """A file name without folders or unusual characters, keeping its extension (the import records it)."""
    cleaned = re.sub(r"[^\w.-]", "_", Path(name or "").name).lstrip(".")[-120:]
    return cleaned or "upload"


def _shapefile_in(archive_path: Path, lang: str) -> Path:
    """Unpack the one shapefile of a zip beside it (only its parts, by their bare names) and return its ``.shp``."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            parts = [
                m
                for m in archive.infolist()
                if not m.is_dir() and PurePosixPath(m.filename).suffix.lower() in SHAPEFILE_PARTS
            ]
            main = [m for m in parts if m.filename.lower().endswith(".shp") and "__MACOSX" not in m.filename]
            if len(main) != 1:
                raise IOCError(t(lang, "admin.boundaries.zip_one_shapefile"))
            stem = PurePosixPath(main[0].filename).with_suffix("")
            parts = [m for m in parts if PurePosixPath(m.filename).with_suffix("") == stem]
            if sum(m.file_size for m in parts) > MAX_UNPACKED:
                raise IOCError(t(lang, "admin.boundaries.zip_too_large"))
            for member in parts:
                target = archive_path.parent / _safe_name(PurePosixPath(member.filename).name)
                with archive.open(member) as source, target.open("wb") as copy:
                    shutil.copyfileobj(source, copy)
    except (zipfile.BadZipFile, OSError) as error:
        raise IOCError(t(lang, "admin.boundaries.unreadable", error=error)) from None
    return archive_path.parent / _safe_name(PurePosixPath(main[0].filename).name)


@contextmanager
def uploaded(contents: str | None, filename: str | None, lang: str) -> Iterator[Path]:
    """An upload (``data:…;base64,…``) as a file in a temporary folder, removed afterwards; a zip gives its ``.shp``."""
    name = _safe_name(filename)
    if Path(name).suffix.lower() not in ACCEPTED:
        raise IOCError(t(lang, "admin.boundaries.wrong_type", types=", ".join(ACCEPTED)))
    try:
        data = base64.b64decode((contents or "").partition(",")[2], validate=True)
    except (binascii.Error, ValueError):
        raise IOCError(t(lang, "admin.boundaries.unreadable", error="base64")) from None
    if not data:
        raise IOCError(t(lang, "admin.boundaries.empty"))
    with tempfile.TemporaryDirectory(prefix="ioc-boundaries-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield _shapefile_in(path, lang) if path.suffix.lower() == ".zip" else path


def _guess_code_field(fields: list[str]) -> str | None:
    """``code`` if the file has it, else the first field named like a code (``…code…``, ``ma…``), else none."""
    if "code" in fields:
        return "code"
    return next((f for f in fields if "code" in f.lower() or f.lower().startswith("ma")), None)


def _state(lang: str) -> list[dmc.Text]:
    """One line per level: how many units have an outline, from which file, or that maps use the schematic grid."""
    lines = []
    with warehouse.engine().connect() as connection:
        states = [boundary_state(connection, level) for level in LEVELS]
    for state in states:
        level = t(lang, f"admin.boundaries.level.{state.level}")
        total = len(state.outlined) + len(state.without_boundary)
        if not state.outlined:
            lines.append(dmc.Text(t(lang, "admin.boundaries.state_schematic", level=level, total=number(total, lang))))
            continue
        text = t(
            lang,
            "admin.boundaries.state_imported",
            level=level,
            outlined=number(len(state.outlined), lang),
            total=number(total, lang),
            source=", ".join(state.sources) or "–",
            at=moment(state.imported_at),
        )
        lines.append(dmc.Text(text))
    return lines


def _preview(level: str, lang: str) -> tuple[go.Figure, str]:
    """The map of ``level`` as the dashboard draws it (``white-bg``, no tiles), and a line saying what it is."""
    with warehouse.engine().connect() as connection:
        layer, geographic = map_layer(connection, level)
    codes = [feature["id"] for feature in layer["features"]]
    names = lookups.names().units
    caption = t(
        lang,
        "admin.boundaries.preview_imported" if geographic else "admin.boundaries.preview_schematic",
        level=t(lang, f"admin.boundaries.level.{level}"),
    )
    if not codes:
        return figures.empty(lang), caption
    trace = go.Choroplethmap(
        geojson=layer,
        locations=codes,
        featureidkey="id",
        z=[1] * len(codes),
        colorscale=[[0, theme.ACCENT], [1, theme.ACCENT]],
        showscale=False,
        text=[f"{names.get(code, code)} ({code})" for code in codes],
        hovertemplate="%{text}<extra></extra>",
        marker={"line": {"color": "#ffffff", "width": 1}, "opacity": 0.6},
    )
    settings = theme.figure_layout(lang, dark=False)
    settings.pop("xaxis")
    settings.pop("yaxis")
    figure = go.Figure(trace)
    figure.update_layout(settings, map={"style": "white-bg", **figures.view_of(layer)})
    return figure, caption


def _codes(codes: list[str], names: dict[str, str], lang: str) -> str:
    shown = [f"{names[code]} ({code})" if code in names else code for code in codes[:LISTED]]
    more = len(codes) - len(shown)
    return ", ".join(shown) + (t(lang, "admin.boundaries.and_more", count=number(more, lang)) if more else "")


def _report(report: BoundaryImport, lang: str) -> list[dmc.Text]:
    """What the import did, as plain text: matched units, units without an outline, features matching no unit."""
    names = lookups.names().units
    lines = [
        dmc.Text(
            t(
                lang,
                "admin.boundaries.matched",
                matched=number(len(report.matched), lang),
                features=number(report.features, lang),
                size=number(report.stored_bytes / 1024, lang, 1),
                tolerance=number(report.tolerance, lang, 5),
            ),
            fw=600,
        )
    ]
    for key, codes in (("without_boundary", report.without_boundary), ("unmatched", report.unmatched)):
        if codes:
            lines.append(
                dmc.Text(t(lang, f"admin.boundaries.{key}", count=number(len(codes), lang)), fw=600, c="orange")
            )
            lines.append(dmc.Text(_codes(codes, names, lang), size="sm"))
    return lines


def layout(**params: object) -> dmc.AppShell:
    lang = language(params.get("lang"))
    figure, caption = _preview("commune", lang)
    form = dmc.Paper(
        dmc.Stack(
            [
                dmc.Title(t(lang, "admin.boundaries.import_title"), order=4),
                dcc.Upload(
                    dmc.Button(t(lang, "admin.boundaries.choose_file"), variant="light"),
                    id="admin-boundaries-upload",
                    accept=",".join(ACCEPTED),
                    max_size=50 * 1024 * 1024,
                    multiple=False,
                ),
                dmc.Text(t(lang, "admin.boundaries.no_file"), id="admin-boundaries-file", size="sm", c="dimmed"),
                dmc.Group(
                    [
                        dmc.SegmentedControl(
                            id="admin-boundaries-level",
                            value="commune",
                            data=[{"value": v, "label": t(lang, f"admin.boundaries.level.{v}")} for v in LEVELS],
                        ),
                        dmc.Select(
                            id="admin-boundaries-code-field",
                            label=t(lang, "admin.boundaries.code_field"),
                            data=[],
                            w=240,
                        ),
                    ],
                    align="flex-end",
                ),
                dmc.Group(dmc.Button(t(lang, "admin.boundaries.import"), id="admin-boundaries-import", disabled=True)),
                dmc.Alert(id="admin-boundaries-message", hide=True),
                dmc.Stack(id="admin-boundaries-report", gap=4),
            ],
            gap="sm",
        ),
        withBorder=True,
        p="md",
    )
    body = dmc.Stack(
        [
            dmc.Title(t(lang, TITLE_KEY), order=2),
            dmc.Paper(dmc.Stack(_state(lang), id="admin-boundaries-state", gap=4), withBorder=True, p="md"),
            form,
            dmc.Paper(
                [
                    dmc.Text(caption, id="admin-boundaries-caption", size="sm", c="dimmed"),
                    dcc.Graph(
                        id="admin-boundaries-map",
                        figure=figure,
                        style={"height": "520px"},
                        config=figures.GRAPH_CONFIG | {"locale": lang},
                    ),
                ],
                withBorder=True,
                p="sm",
            ),
            dcc.Store(id="admin-boundaries-lang", data=lang),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


@callback(
    Output("admin-boundaries-file", "children"),
    Output("admin-boundaries-code-field", "data"),
    Output("admin-boundaries-code-field", "value"),
    Output("admin-boundaries-import", "disabled"),
    Output("admin-boundaries-message", "children", allow_duplicate=True),
    Output("admin-boundaries-message", "color", allow_duplicate=True),
    Output("admin-boundaries-message", "hide", allow_duplicate=True),
    Input("admin-boundaries-upload", "contents"),
    State("admin-boundaries-upload", "filename"),
    State("admin-boundaries-lang", "data"),
    prevent_initial_call=True,
)
def inspect(contents, filename, lang):  # type: ignore[no-untyped-def]
    """A chosen file's fields, to pick the one with the units' codes; nothing is stored yet."""
    lang = language(lang)
    try:
        with uploaded(contents, filename, lang) as path:
            fields = boundary_fields(path)
    except IOCError as error:
        return t(lang, "admin.boundaries.no_file"), [], None, True, str(error), "red", False
    chosen = t(lang, "admin.boundaries.file", name=_safe_name(filename), fields=number(len(fields), lang))
    return chosen, fields, _guess_code_field(fields), not fields, "", "blue", True


@callback(
    Output("admin-boundaries-message", "children", allow_duplicate=True),
    Output("admin-boundaries-message", "color", allow_duplicate=True),
    Output("admin-boundaries-message", "hide", allow_duplicate=True),
    Output("admin-boundaries-report", "children"),
    Output("admin-boundaries-state", "children"),
    Output("admin-boundaries-map", "figure"),
    Output("admin-boundaries-caption", "children"),
    Input("admin-boundaries-import", "n_clicks"),
    State("admin-boundaries-upload", "contents"),
    State("admin-boundaries-upload", "filename"),
    State("admin-boundaries-level", "value"),
    State("admin-boundaries-code-field", "value"),
    State("admin-boundaries-lang", "data"),
    running=[(Output("admin-boundaries-import", "loading"), True, False)],
    prevent_initial_call=True,
)
def import_file(_clicks, contents, filename, level, code_field, lang):  # type: ignore[no-untyped-def]
    """Replace the level's outlines with the file's; a refused file changes nothing and says why."""
    lang = language(lang)
    if not code_field:
        return t(lang, "admin.boundaries.choose_field"), "red", False, [], no_update, no_update, no_update
    actor = current_username()
    engine = warehouse.engine()
    try:
        with uploaded(contents, filename, lang) as path, database_errors(engine), engine.begin() as connection:
            report = import_boundaries(connection, path, level, code_field, actor, now_local())
    except IOCError as error:
        return str(error), "red", False, [], no_update, no_update, no_update
    lookups.forget()  # this worker's maps show the new outlines at once
    figure, caption = _preview(level, lang)
    done = t(lang, "admin.boundaries.imported", level=t(lang, f"admin.boundaries.level.{level}"))
    return done, "green", False, _report(report, lang), _state(lang), figure, caption


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title="IOC — Ranh giới", name="admin-boundaries")
