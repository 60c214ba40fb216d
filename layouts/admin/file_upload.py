"""The chosen collector's upload box on ``/admin/collectors``: a report (CSV or XLSX) for a ``file-drop`` collector,
saved into its watched folder by :func:`ioc.collecting.uploads.save_upload` (checked, atomic, audited). The upload
waits there for the collector's next run; the admin may press "Run now" (web workers never run collectors)."""

from __future__ import annotations

import base64
import binascii

import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from ioc.collecting.registry import get_kind
from ioc.collecting.store import get_collector
from ioc.collecting.uploads import save_upload
from ioc.errors import IOCError
from layouts import warehouse
from layouts.access import current_ip, current_username
from layouts.formatting import number
from layouts.i18n import error_text, t

#: The most a browser may send; the collector's own ``max_file_mb`` is checked on the server.
MAX_UPLOAD = 50 * 1024 * 1024
HIDDEN = {"display": "none"}


def panel(lang: str) -> html.Div:
    """The upload box, shown for a collector that takes files."""
    return html.Div(
        dmc.Group(
            [
                dcc.Upload(
                    dmc.Button(t(lang, "admin.upload.choose"), variant="light", size="sm"),
                    id="admin-upload-file",
                    accept=".csv,.xlsx",
                    max_size=MAX_UPLOAD,
                    multiple=False,
                ),
                dmc.Text(t(lang, "admin.upload.hint"), size="sm", c="dimmed"),
                dmc.Alert(id="admin-upload-message", hide=True, withCloseButton=True),
            ],
            gap="sm",
        ),
        id="admin-upload-panel",
        style=HIDDEN,
    )


def takes_uploads(name: str | None) -> bool:
    """Whether collector ``name`` is of a kind that takes uploaded files."""
    if not name:
        return False
    try:
        with warehouse.engine().connect() as connection:
            config = get_collector(connection, name)
        return hasattr(get_kind(config.kind), "upload_target")
    except IOCError:
        return False


@callback(Output("admin-upload-panel", "style"), Input("admin-collectors-selected", "data"))
def show_panel(name):  # type: ignore[no-untyped-def]
    return {} if takes_uploads(name) else HIDDEN


def decoded(contents: str | None) -> bytes:
    """The bytes of a ``data:…;base64,…`` upload, bounded."""
    payload = (contents or "").partition(",")[2]
    if len(payload) > (MAX_UPLOAD + 2) // 3 * 4:
        raise IOCError(
            f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB",
            key="upload_large",
            mb=MAX_UPLOAD // (1024 * 1024),
        )
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise IOCError("the upload is not valid base64", key="upload_base64") from None


@callback(
    Output("admin-upload-message", "children"),
    Output("admin-upload-message", "color"),
    Output("admin-upload-message", "hide"),
    Output("admin-upload-file", "contents"),
    Input("admin-upload-file", "contents"),
    State("admin-upload-file", "filename"),
    State("admin-collectors-selected", "data"),
    State("admin-collectors-lang", "data"),
    prevent_initial_call=True,
)
def upload(contents, filename, name, lang):  # type: ignore[no-untyped-def]
    """Save the chosen file into the collector's folder and say so, or why not; the upload box is emptied, so that
    the same file chosen again is sent again."""
    if not contents or not name:
        raise PreventUpdate
    try:
        saved = save_upload(
            warehouse.engine(), name, str(filename or ""), decoded(contents), current_username(), current_ip()
        )
    except IOCError as error:
        return f"{t(lang, 'admin.upload.refused')} — {error_text(error, lang)}", "red", False, None
    size = number(saved.size / 1024, lang, 1) if saved.size >= 1024 else str(saved.size)
    unit = "KB" if saved.size >= 1024 else "B"
    text = t(lang, "admin.upload.saved", file=saved.path.name, size=f"{size} {unit}", collector=name)
    return text, "green", False, None
