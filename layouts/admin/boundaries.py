"""``/admin/boundaries``: unit outlines for the maps (ranh giới) — what is stored, and an import from an uploaded
GeoJSON, GeoPackage or zipped shapefile, with what matched and a preview map of the layer.

The web worker never parses the file: it saves the upload in a private temporary folder and starts
``ioc boundaries fields`` on it, then ``ioc boundaries import`` (the same checks as the command, audited in the same
transaction), each in a process of its own (:mod:`ioc.boundary_jobs`); the page follows each step every second."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import fields as dataclass_fields
from pathlib import Path

import dash
import dash_mantine_components as dmc
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ioc import boundary_jobs
from ioc.errors import IOCError
from ioc.geometry import LEVELS, BoundaryImport, boundary_state, map_layer
from layouts import figures, lookups, theme, warehouse
from layouts.access import current_ip, current_username
from layouts.chrome import frame
from layouts.formatting import moment, number
from layouts.i18n import error_text, language, t
from layouts.page_title import page_title

PATH = "/admin/boundaries"
TITLE_KEY = "admin.boundaries.title"
ACCEPTED = (".geojson", ".json", ".gpkg", ".zip")
#: The largest upload (the browser refuses larger ones too; this holds for any request).
MAX_UPLOAD = 50 * 1024 * 1024
#: How often the page reads a running step's progress.
POLL_MS = 1000
#: The import's steps, in order, as :func:`ioc.geometry.import_boundaries` reports them.
STEPS = ("starting", "reading", "reprojecting", "matching", "simplifying", "storing")
#: How many codes a list in the report names before it says "and N more".
LISTED = 60


def _safe_name(name: str | None) -> str:
    """A file name without folders or unusual characters, keeping its extension (the import records it)."""
    cleaned = re.sub(r"[^\w.-]", "_", Path(name or "").name).lstrip(".")[-120:]
    return cleaned or "upload"


def decoded_upload(contents: str | None, filename: str | None, lang: str) -> tuple[bytes, str]:
    """An upload (``data:…;base64,…``) as bytes and a safe name; refused when of the wrong type, too large or
    empty. What the bytes are is for the import process to find out."""
    name = _safe_name(filename)
    if Path(name).suffix.lower() not in ACCEPTED:
        raise IOCError(t(lang, "admin.boundaries.wrong_type", types=", ".join(ACCEPTED)))
    payload = (contents or "").partition(",")[2]
    if len(payload) > (MAX_UPLOAD + 2) // 3 * 4:
        raise IOCError(t(lang, "admin.boundaries.too_large", size=number(MAX_UPLOAD / 1024 / 1024, lang)))
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise IOCError(t(lang, "admin.boundaries.unreadable", error="base64")) from None
    if not data:
        raise IOCError(t(lang, "admin.boundaries.empty"))
    return data, name


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
                            allowDeselect=False,
                            w=240,
                        ),
                    ],
                    align="flex-end",
                ),
                dmc.Group(dmc.Button(t(lang, "admin.boundaries.import"), id="admin-boundaries-import", disabled=True)),
                dmc.Alert(id="admin-boundaries-message", hide=True),
                html.Div(id="admin-boundaries-progress"),
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
            dcc.Store(id="admin-boundaries-job"),
            dcc.Interval(id="admin-boundaries-tick", interval=POLL_MS, disabled=True),
        ],
        gap="md",
    )
    return frame(lang, "/admin", [body])


def _progress(step: str, figures: dict, lang: str) -> list:
    """A running step as a line of text and a striped bar that fills as the import's steps pass."""
    shown = step if step in STEPS else "starting"
    values = {
        "features": number(figures.get("features") or 0, lang),
        "vertices": number(figures.get("vertices") or 0, lang),
        "units": number(figures.get("units") or 0, lang),
        "tolerance": number(figures.get("tolerance") or 0, lang, 5),
    }
    text = t(lang, f"admin.boundaries.step.{shown}", **values)
    bar = dmc.Progress(value=100 * (STEPS.index(shown) + 1) / (len(STEPS) + 1), striped=True, animated=True)
    return [dmc.Text(f"{text}…", id="admin-boundaries-progress-text", size="sm"), bar]


def _job(data: object) -> dict | None:
    """The job the page follows (client data: its name is checked again by :mod:`ioc.boundary_jobs`)."""
    if isinstance(data, dict) and isinstance(data.get("job"), str) and data.get("step") in boundary_jobs.STEPS:
        return data
    return None


@callback(
    Output("admin-boundaries-file", "children"),
    Output("admin-boundaries-code-field", "data"),
    Output("admin-boundaries-code-field", "value"),
    Output("admin-boundaries-import", "disabled"),
    Output("admin-boundaries-message", "children", allow_duplicate=True),
    Output("admin-boundaries-message", "color", allow_duplicate=True),
    Output("admin-boundaries-message", "hide", allow_duplicate=True),
    Output("admin-boundaries-job", "data"),
    Output("admin-boundaries-tick", "disabled"),
    Output("admin-boundaries-progress", "children"),
    Input("admin-boundaries-upload", "contents"),
    State("admin-boundaries-upload", "filename"),
    State("admin-boundaries-job", "data"),
    State("admin-boundaries-lang", "data"),
    prevent_initial_call=True,
)
def inspect(contents, filename, previous, lang):  # type: ignore[no-untyped-def]
    """Keep a chosen file in a private folder and read its fields in a process of its own; nothing is stored yet."""
    lang = language(lang)
    if (job := _job(previous)) is not None:
        boundary_jobs.discard(job["job"])  # the file chosen before is not needed any more
    try:
        data, name = decoded_upload(contents, filename, lang)
        job_name = boundary_jobs.save_upload(data, name)
        boundary_jobs.start(warehouse.engine(), job_name, "fields")
    except IOCError as error:
        return (
            t(lang, "admin.boundaries.no_file"),
            [],
            None,
            True,
            error_text(error, lang),
            "red",
            False,
            None,
            True,
            [],
        )
    following = {"job": job_name, "step": "fields", "name": name}
    reading = t(lang, "admin.boundaries.reading_file", name=name)
    return reading, [], None, True, "", "blue", True, following, False, _progress("reading", {}, lang)


def _ended(outputs: dict, lang: str) -> tuple:
    """The follow callback's outputs, in order: the step's end says what changes, the rest stays."""
    names = ("file", "fields", "field", "disabled", "message", "color", "hide", "report", "state", "map", "caption")
    return (*(outputs.get(name, no_update) for name in names), outputs.get("job", no_update), True, [])


@callback(
    Output("admin-boundaries-file", "children", allow_duplicate=True),
    Output("admin-boundaries-code-field", "data", allow_duplicate=True),
    Output("admin-boundaries-code-field", "value", allow_duplicate=True),
    Output("admin-boundaries-import", "disabled", allow_duplicate=True),
    Output("admin-boundaries-message", "children", allow_duplicate=True),
    Output("admin-boundaries-message", "color", allow_duplicate=True),
    Output("admin-boundaries-message", "hide", allow_duplicate=True),
    Output("admin-boundaries-report", "children", allow_duplicate=True),
    Output("admin-boundaries-state", "children"),
    Output("admin-boundaries-map", "figure"),
    Output("admin-boundaries-caption", "children"),
    Output("admin-boundaries-job", "data", allow_duplicate=True),
    Output("admin-boundaries-tick", "disabled", allow_duplicate=True),
    Output("admin-boundaries-progress", "children", allow_duplicate=True),
    Input("admin-boundaries-tick", "n_intervals"),
    State("admin-boundaries-job", "data"),
    State("admin-boundaries-lang", "data"),
    prevent_initial_call=True,
)
def follow(_tick, data, lang):  # type: ignore[no-untyped-def]
    """Every second while a step runs: its progress; when it ends, the file's fields, or the import's report, the
    level's new state and its preview map, or why not."""
    lang = language(lang)
    if (job := _job(data)) is None:
        raise PreventUpdate
    try:
        step = boundary_jobs.state(job["job"], job["step"])
    except IOCError as error:
        return _ended(
            {"disabled": True, "message": error_text(error, lang), "color": "red", "hide": False, "job": None}, lang
        )
    if step.running:
        progress = step.progress or {"step": "reading" if job["step"] == "fields" else "starting"}
        return (*[no_update] * 13, _progress(str(progress.get("step")), progress, lang))
    if step.error is not None:
        failed = {"message": error_text(step.problem(), lang), "color": "red", "hide": False, "report": []}
        if job["step"] == "fields":  # nothing to import from this file
            boundary_jobs.discard(job["job"])
            failed |= {"file": t(lang, "admin.boundaries.no_file"), "fields": [], "field": None, "job": None}
        return _ended(failed | {"disabled": job["step"] == "fields"}, lang)
    result = step.result or {}
    if job["step"] == "fields":
        names = [str(name) for name in result.get("fields", [])]
        chosen = t(lang, "admin.boundaries.file", name=job.get("name", ""), fields=number(len(names), lang))
        found = {"file": chosen, "fields": names, "field": _guess_code_field(names), "disabled": not names}
        return _ended(found | {"hide": True}, lang)
    boundary_jobs.discard(job["job"])
    report = BoundaryImport(**{f.name: result[f.name] for f in dataclass_fields(BoundaryImport) if f.name in result})
    lookups.forget()  # this worker's maps show the new outlines at once
    figure, caption = _preview(report.level, lang)
    done = t(lang, "admin.boundaries.imported", level=t(lang, f"admin.boundaries.level.{report.level}"))
    imported = {
        "message": done,
        "color": "green",
        "hide": False,
        "report": _report(report, lang),
        "state": _state(lang),
    }
    return _ended(imported | {"map": figure, "caption": caption, "disabled": True, "job": None}, lang)


@callback(
    Output("admin-boundaries-message", "children", allow_duplicate=True),
    Output("admin-boundaries-message", "color", allow_duplicate=True),
    Output("admin-boundaries-message", "hide", allow_duplicate=True),
    Output("admin-boundaries-report", "children", allow_duplicate=True),
    Output("admin-boundaries-job", "data", allow_duplicate=True),
    Output("admin-boundaries-tick", "disabled", allow_duplicate=True),
    Output("admin-boundaries-import", "disabled", allow_duplicate=True),
    Output("admin-boundaries-progress", "children", allow_duplicate=True),
    Input("admin-boundaries-import", "n_clicks"),
    State("admin-boundaries-job", "data"),
    State("admin-boundaries-level", "value"),
    State("admin-boundaries-code-field", "value"),
    State("admin-boundaries-lang", "data"),
    prevent_initial_call=True,
)
def import_file(_clicks, data, level, code_field, lang):  # type: ignore[no-untyped-def]
    """Start replacing the level's outlines with the file's, in a process of its own; a refused file changes
    nothing and says why."""
    lang = language(lang)
    if not code_field:
        return t(lang, "admin.boundaries.choose_field"), "red", False, [], no_update, no_update, no_update, []
    job = _job(data)
    arguments = [f"--level={level}", f"--code-field={code_field}"]
    arguments += [f"--actor={current_username()}", f"--source-ip={current_ip()}"]  # who, and from where, for the audit
    try:
        if job is None or level not in LEVELS:
            raise IOCError(t(lang, "admin.boundaries.no_file"))
        boundary_jobs.start(warehouse.engine(), job["job"], "import", arguments)
    except IOCError as error:
        return error_text(error, lang), "red", False, [], no_update, no_update, no_update, []
    following = {**job, "step": "import"}
    started = t(lang, "admin.boundaries.importing")
    return started, "blue", False, [], following, False, True, _progress("starting", {}, lang)


def register() -> None:
    dash.register_page(
        __name__, path=PATH, layout=layout, title=page_title("admin-boundaries"), name="admin-boundaries"
    )
