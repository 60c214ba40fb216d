"""The admin pages for users, KPI targets, boundaries and the audit log: the audit query on both engines, and the pages'
callbacks called as Dash calls them — refused input saves nothing, accepted input is saved and audited with the
signed-in admin, data is shown as text."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path

import dash._callback
import dash_ag_grid as dag
import geopandas
import pytest
import shapely
from dash import dcc
from dash.development.base_component import Component
from sqlalchemy import select

import ioc.boundary_files
from ioc import boundary_jobs
from ioc.auth import add_user, list_users, verify
from ioc.errors import IOCError
from ioc.units import communes
from ioc.warehouse import audit, schema
from layouts import warehouse as dashboard_warehouse
from layouts.access import callback_need
from layouts.admin import audit as audit_page
from layouts.admin import boundaries, targets, users
from layouts.chrome import frame
from layouts.i18n import FOLDER, catalogue, t
from tests.test_boundary_files import Listener

PAGES = (users, targets, boundaries, audit_page)
ADMIN = "quan.tri"
PASSWORD = "mật khẩu đủ dài 2026"
NOW = datetime(2026, 11, 27, 9, 0)


@pytest.fixture
def pages(warehouse, monkeypatch):
    """The pages on an initialised warehouse, with ``quan.tri`` (an admin) signed in."""
    monkeypatch.setattr(dashboard_warehouse, "_engine", warehouse)
    for page in (users, targets, boundaries):
        monkeypatch.setattr(page, "current_username", lambda: ADMIN)
        monkeypatch.setattr(page, "current_ip", lambda: "10.0.0.1")
    with warehouse.begin() as connection:
        add_user(connection, ADMIN, "admin", PASSWORD, "cli:test", NOW, "Quản Trị Viên")
    return warehouse


def audit_rows(engine) -> list[tuple]:  # type: ignore[no-untyped-def]
    log = schema.AuditLog.__table__
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(log.c.actor, log.c.action, log.c.target))]


def components(node: object):  # type: ignore[no-untyped-def]
    """Every component of a layout, depth first."""
    if isinstance(node, Component):
        yield node
        for name in node._prop_names:
            yield from components(getattr(node, name, None))
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from components(item)


def find(layout: Component, component_id: str) -> Component:
    return next(c for c in components(layout) if getattr(c, "id", None) == component_id)


# The audit query


ENTRIES = [  # at, actor, action, target
    (datetime(2026, 11, 1, 8, 0), "lan.anh", "user.add", "minh.duc"),
    (datetime(2026, 11, 2, 9, 0), "cli:root", "kpi_target.set", "on_time_rate/province/"),
    (datetime(2026, 11, 3, 10, 0), "lan.anh", "kpi_target.set", "online_rate/unit/19753"),
    (datetime(2026, 11, 3, 23, 59, 59), "lan.anh", "boundaries.import", "commune"),
    (datetime(2026, 11, 4, 0, 0), "an.nguyen", "user.disable", "MinhDuc 100%"),
]


@pytest.fixture
def logged(warehouse):
    with warehouse.begin() as connection:
        for at, actor, action, target in ENTRIES:
            audit.record(connection, actor, action, target, at, {"n": at.day}, source_ip="10.0.0.1")
    return warehouse


def targets_of(engine, **filters) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows, total = audit.query(connection, **filters)
    return [row["target"] for row in rows], total


def test_the_audit_log_is_newest_first_and_each_filter_keeps_exactly_its_rows(logged):
    everything = [target for *_, target in reversed(ENTRIES)]
    assert targets_of(logged) == (everything, 5)
    assert targets_of(logged, actor="lan.anh") == (["commune", "online_rate/unit/19753", "minh.duc"], 3)
    assert targets_of(logged, actor="lan") == ([], 0)  # an actor matches whole, not in part
    assert targets_of(logged, action="kpi_target.set") == (["online_rate/unit/19753", "on_time_rate/province/"], 2)
    assert targets_of(logged, target_contains="RATE/") == (["online_rate/unit/19753", "on_time_rate/province/"], 2)
    assert targets_of(logged, target_contains="minhduc") == (["MinhDuc 100%"], 1)  # case ignored both ways
    assert targets_of(logged, target_contains="%") == (["MinhDuc 100%"], 1)  # wildcards are literal
    assert targets_of(logged, target_contains="a_e") == ([], 0)  # "_" is not any character ("rate")
    assert targets_of(logged, target_contains="' OR '1'='1") == ([], 0)
    day = {"since": datetime(2026, 11, 3), "until": datetime(2026, 11, 4)}  # 00:00 on the 4th is the next day
    assert targets_of(logged, **day) == (["commune", "online_rate/unit/19753"], 2)
    assert targets_of(logged, since=datetime(2026, 11, 3, 23, 59, 59)) == (["MinhDuc 100%", "commune"], 2)
    assert targets_of(logged, actor="lan.anh", action="kpi_target.set", **day) == (["online_rate/unit/19753"], 1)
    assert targets_of(logged, actor="", action="", target_contains="") == (everything, 5)  # empty is no filter


def test_the_audit_log_pages_on_the_server_and_ties_go_newest_first(logged):
    with logged.begin() as connection:
        audit.record(
            connection, "lan.anh", "user.passwd", "later", ENTRIES[-1][0], source_ip="10.0.0.1"
        )  # same time as the last entry
    assert targets_of(logged, limit=2) == (["later", "MinhDuc 100%"], 6)
    assert targets_of(logged, limit=2, offset=4) == (["on_time_rate/province/", "minh.duc"], 6)
    assert targets_of(logged, limit=2, offset=6) == ([], 6)
    with logged.connect() as connection:
        (row,), _ = audit.query(connection, target_contains="later")
        assert set(row) == {"id", "at", "actor", "action", "target", "details", "source_ip"}
        assert audit.choices(connection) == {
            "actor": ["an.nguyen", "cli:root", "lan.anh"],
            "action": ["boundaries.import", "kpi_target.set", "user.add", "user.disable", "user.passwd"],
        }
        for bad in ({"limit": 0}, {"limit": audit.MAX_PAGE + 1}, {"offset": -1}):
            with pytest.raises(IOCError):
                audit.query(connection, **bad)


def test_the_audit_page_filters_by_whole_days_and_shows_details_as_json_text(logged, monkeypatch):
    monkeypatch.setattr(dashboard_warehouse, "_engine", logged)
    with logged.begin() as connection:
        audit.record(
            connection,
            "lan.anh",
            "user.add",
            "x",
            datetime(2026, 11, 5),
            {"note": "<img src=x onerror=1>"},
            source_ip="local",
        )
    rows, pages, total = audit_page.entries(None, None, None, ["2026-11-03", "2026-11-03"], 0, "vi")
    assert [row["target"] for row in rows] == ["commune", "online_rate/unit/19753"]
    assert (pages, total) == (1, "2 mục")
    assert rows[0] == {
        "at": "23:59 03/11/2026",
        "actor": "lan.anh",
        "action": "boundaries.import",
        "target": "commune",
        "source_ip": "10.0.0.1",
        "details": '{"n": 3}',
    }
    page = audit_page.layout(lang="en")
    table = find(page, "admin-audit-table")
    assert table.rowData[0]["details"] == '{"note": "<img src=x onerror=1>"}'
    assert find(page, "admin-audit-total").children == "6 entries"
    assert find(page, "admin-audit-actor").data == ["an.nguyen", "cli:root", "lan.anh"]


# Users


def test_mismatched_or_short_passwords_show_the_error_and_save_nothing(pages):
    differ = users.add(1, "minh.duc", "Lê Minh Đức", "analyst", PASSWORD, PASSWORD + "!", "vi")
    assert differ[:3] == (t("vi", "admin.users.passwords_differ"), "red", False)
    assert differ[3:5] == ("", "")  # the password fields are emptied
    short = users.add(1, "minh.duc", "Lê Minh Đức", "analyst", "ngắn quá", "ngắn quá", "vi")
    assert short[:3] == (t("vi", "error.password_short", min=12), "red", False)  # no English on a Vietnamese page
    assert short[3:5] == ("", "")
    bad_name = users.add(1, "Minh Duc", "", "analyst", PASSWORD, PASSWORD, "vi")
    assert bad_name[0] == t("vi", "error.username_form")
    with pages.connect() as connection:
        assert [user["username"] for user in list_users(connection)] == [ADMIN]
    assert [action for _, action, _ in audit_rows(pages)] == ["user.add"]  # the admin's own, from the fixture


def test_a_good_user_is_saved_listed_and_audited_with_the_admin(pages):
    result = users.add(1, " minh.duc ", "Lê Minh Đức", "analyst", PASSWORD, PASSWORD, "vi")
    message, color, hidden, password, again, name, full_name, table, choices = result
    assert (message, color, hidden) == ("Đã thêm người dùng minh.duc.", "green", False)
    assert (password, again, name, full_name) == ("", "", "", "")
    assert PASSWORD not in json.dumps(result, ensure_ascii=False, default=str)
    added = next(row for row in table if row["username"] == "minh.duc")
    assert (added["full_name"], added["role"], added["active"]) == ("Lê Minh Đức", "Chuyên viên", "Đang hoạt động")
    assert {"value": "minh.duc", "label": "minh.duc — Lê Minh Đức"} in choices
    with pages.connect() as connection:
        assert verify(connection, "minh.duc", PASSWORD) == "analyst"
    assert audit_rows(pages)[-1] == (ADMIN, "user.add", "minh.duc")


def test_an_admin_cannot_disable_themselves_but_can_disable_and_enable_others(pages):
    with pages.begin() as connection:
        add_user(connection, "minh.duc", "leader", PASSWORD, "cli:test", NOW)
    refused = users.disable(1, ADMIN, "vi")
    assert refused[:3] == (t("vi", "admin.users.not_yourself"), "red", False)
    assert users.disable(1, None, "vi")[0] == t("vi", "admin.users.pick_first")
    assert t("vi", "error.no_user", name="ghost") in users.disable(1, "ghost", "vi")[0]
    done = users.disable(1, "minh.duc", "vi")
    assert done[:2] == ("Đã khóa tài khoản minh.duc.", "green")
    assert next(row for row in done[3] if row["username"] == "minh.duc")["active"] == "Đã khóa"
    users.enable(1, "minh.duc", "vi")
    with pages.connect() as connection:
        assert {user["username"]: user["active"] for user in list_users(connection)} == {ADMIN: True, "minh.duc": True}
    assert audit_rows(pages)[-2:] == [(ADMIN, "user.disable", "minh.duc"), (ADMIN, "user.enable", "minh.duc")]


def test_a_password_reset_needs_it_twice_and_is_audited(pages):
    new = "một mật khẩu mới hơn"
    assert users.reset_password(1, ADMIN, new, new + "x", "vi") == (
        t("vi", "admin.users.passwords_differ"),
        "red",
        False,
        "",
        "",
    )
    assert users.reset_password(1, ADMIN, new, new, "vi") == (
        "Đã đặt lại mật khẩu của quan.tri.",
        "green",
        False,
        "",
        "",
    )
    with pages.connect() as connection:
        assert verify(connection, ADMIN, new) == "admin" and verify(connection, ADMIN, PASSWORD) is None
    assert audit_rows(pages)[-1] == (ADMIN, "user.passwd", ADMIN)


def test_a_full_name_holding_markup_is_shown_as_text(pages):
    script = "<script>alert(1)</script>"
    with pages.begin() as connection:
        add_user(connection, "ke.la", "leader", PASSWORD, "cli:test", NOW, script)
    page = users.layout()
    table = find(page, "admin-users-table")
    assert isinstance(table, dag.AgGrid)
    assert next(row for row in table.rowData if row["username"] == "ke.la")["full_name"] == script
    assert all("cellRenderer" not in column for column in table.columnDefs)  # text cells, no markdown or HTML
    assert not getattr(table, "dangerously_allow_code", False)
    assert {"value": "ke.la", "label": f"ke.la — {script}"} in find(page, "admin-users-pick").data
    assert not [c for c in components(page) if isinstance(c, dcc.Markdown) or getattr(c, "dangerously_allow_html", 0)]
    assert "password_hash" not in json.dumps(page.to_plotly_json(), default=str)


# KPI targets


def test_a_target_with_bands_in_the_wrong_order_is_refused_and_changes_nothing(pages):
    cases = [
        (("on_time_rate", 95, 80, 90, "province", None), t("vi", "error.bands_higher", kpi="on_time_rate")),
        (("pending_overdue", 0, 50, 10, "province", None), t("vi", "error.bands_lower", kpi="pending_overdue")),
        (("online_rate", 120, 90, 80, "province", None), t("vi", "error.target_percent", kpi="online_rate")),
        (("online_rate", 80, None, 60, "province", None), t("vi", "admin.targets.numbers_needed")),
        (("online_rate", 80, 70, 60, "unit", None), t("vi", "admin.targets.choose.unit")),
        (("online_rate", 80, 70, 60, "unit", "99999"), t("vi", "admin.targets.choose.unit")),
        ((None, 80, 70, 60, "province", None), t("vi", "admin.targets.choose_kpi")),
    ]
    for args, message in cases:
        shown, color, hidden, _ = targets.save(1, *args, "vi")
        assert message in shown and (color, hidden) == ("red", False), (args, shown)
    with pages.connect() as connection:
        assert connection.execute(select(schema.KpiTarget.id)).all() == []
    assert [action for _, action, _ in audit_rows(pages)] == ["user.add"]


def test_a_target_is_saved_for_the_province_and_a_commune_and_the_table_says_where_it_comes_from(pages):
    def row(table: list[dict], kpi: str) -> dict:
        return next(r for r in table if r["id"] == kpi)

    before = targets.layout()
    default = row(find(before, "admin-targets-table").rowData, "on_time_rate")
    assert (default["target"], default["source"]) == ("98", "Mặc định của IOC")
    assert row(find(before, "admin-targets-table").rowData, "received")["source"] == "Chưa đặt"

    message, color, _, table = targets.save(1, "on_time_rate", 95.5, 95, 85, "province", None, "vi")
    assert (message, color) == ("Đã lưu chỉ tiêu Tỷ lệ giải quyết đúng hạn (Toàn tỉnh).", "green")
    saved = row(table, "on_time_rate")
    assert (saved["target"], saved["green_from"], saved["amber_from"]) == ("95,50", "95", "85")
    assert saved["source"] == "Đặt cho toàn tỉnh" and saved["updated"].startswith(f"{ADMIN} · ")

    commune = communes("46")[0]
    message, color, _, table = targets.save(1, "on_time_rate", 99, 99, 97, "unit", commune.code, "vi")
    assert (message, color) == (
        f"Đã lưu chỉ tiêu Tỷ lệ giải quyết đúng hạn ({commune.name} ({commune.code})).",
        "green",
    )
    assert row(table, "on_time_rate")["source"] == "Đặt riêng cho xã, phường"
    assert row(targets.show("unit", communes("46")[1].code, "vi"), "on_time_rate")["target"] == "95,50"
    assert targets.prefill("on_time_rate", "unit", commune.code, "vi")[:3] == (99, 99, 97)
    assert audit_rows(pages)[-2:] == [
        (ADMIN, "kpi_target.set", "on_time_rate/province/"),
        (ADMIN, "kpi_target.set", f"on_time_rate/unit/{commune.code}"),
    ]


# Boundaries


def upload(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode("ascii")


@pytest.fixture
def commune_grid(tmp_path: Path) -> tuple[bytes, list[str]]:
    """A GeoJSON of three real communes of province 46 (as squares near Huế) and one code that is no commune."""
    codes = [unit.code for unit in communes("46")[:3]] + ["99999"]
    squares = [shapely.box(107.5 + 0.05 * i, 16.4, 107.54 + 0.05 * i, 16.44) for i in range(len(codes))]
    path = tmp_path / "xa.geojson"
    geopandas.GeoDataFrame({"ma_xa": codes, "ten": "x"}, geometry=squares, crs=4326).to_file(path, driver="GeoJSON")
    return path.read_bytes(), codes[:3]


def follow_to_end(job: dict, lang: str = "vi", timeout: float = 90) -> tuple:
    """Call the page's follow callback as its interval does, every 0.2 s, until the step ends; its last outputs."""
    deadline = time.monotonic() + timeout
    while True:
        outputs = boundaries.follow(1, job, lang)
        if outputs[12] is True:  # the interval stops: the step ended
            return outputs
        assert time.monotonic() < deadline, outputs
        time.sleep(0.2)


def choose(data: bytes, filename: str, lang: str = "vi") -> tuple[dict | None, tuple]:
    """Choose a file on the page: what the upload callback returned, then what the fields step ended with."""
    chosen = boundaries.inspect(upload(data), filename, None, lang)
    job = chosen[7]
    return job, (follow_to_end(job, lang) if job else chosen)


def import_chosen(job: dict, level: str, code_field: str | None, lang: str = "vi") -> tuple:
    """Press Import: the import callback's outputs, then (when it started) what the import step ended with."""
    started = boundaries.import_file(1, job, level, code_field, lang)
    return started if started[5] is not False else follow_to_end(started[4], lang)


@pytest.fixture
def no_parsing_here(monkeypatch):  # type: ignore[no-untyped-def]
    """The web worker never opens a boundary file: GDAL's readers fail in this process."""
    import pyogrio

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a boundary file was opened in the web worker")

    for name in ("read_info", "read_dataframe", "list_layers"):
        monkeypatch.setattr(pyogrio, name, refuse)
    monkeypatch.setattr(ioc.boundary_files, "staged", refuse)


def test_an_uploaded_geojson_is_read_and_imported_off_the_worker_previewed_and_audited(
    pages, commune_grid, no_parsing_here
):
    data, codes = commune_grid
    shown, fields, field, disabled, _, _, _, job, tick_off, progress = boundaries.inspect(
        upload(data), "../../tmp/xa.geojson", None, "vi"
    )
    assert (shown, fields, disabled, tick_off) == ("Tệp xa.geojson: đang đọc…", [], True, False)
    assert progress[0].children == "Đang đọc tệp…"
    folder = Path(tempfile.gettempdir()) / job["job"]
    (saved,) = (folder / "upload").iterdir()
    assert saved.name == "xa.geojson" and saved.read_bytes() == data  # the name without the folders it claimed
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(saved.stat().st_mode) == 0o600
    shown, fields, field, disabled = follow_to_end(job)[:4]
    assert (shown, fields, field, disabled) == ("Tệp xa.geojson: 2 trường", ["ma_xa", "ten"], "ma_xa", False)
    assert int((folder / "fields.pid").read_text()) != os.getpid()

    message, color, _, report, following, tick_off, disabled, progress = boundaries.import_file(
        1, job, "commune", "ma_xa", "vi"
    )
    assert (message, following["step"], tick_off, disabled) == (
        "Đang nhập ranh giới trong một tiến trình riêng…",
        "import",
        False,
        True,
    )
    assert progress[0].children == "Đang khởi động…"
    ended = follow_to_end(following)
    message, color, _, report, state, figure, caption, job_after, tick_off, progress = ended[4:]
    assert (message, color, job_after, tick_off, progress) == (
        "Đã nhập ranh giới: Xã, phường.",
        "green",
        None,
        True,
        [],
    )
    lines = [line.children for line in report]
    total = len(communes("46"))
    assert lines[0].startswith("3 đơn vị khớp, từ 4 đối tượng")
    assert lines[1] == f"Đơn vị chưa có ranh giới ({total - 3}):"
    assert lines[3:] == ["Mã trong tệp không khớp đơn vị nào của tỉnh (1):", "99999"]
    assert state[1].children.startswith(f"Xã, phường: 3/{total} đơn vị có ranh giới (tệp xa.geojson, nhập lúc")
    (trace,) = figure.data
    assert trace.type == "choroplethmap" and sorted(trace.locations) == sorted(codes)
    assert figure.layout.map.style == "white-bg" and caption.endswith("ranh giới đã nhập")
    with pages.connect() as connection:
        assert sorted(connection.execute(select(schema.Boundary.unit_code)).scalars()) == sorted(codes)
        details = connection.execute(select(schema.AuditLog.details).where(schema.AuditLog.actor == ADMIN)).scalar()
    assert audit_rows(pages)[-1] == (ADMIN, "boundaries.import", "commune")
    assert details["file"] == "xa.geojson"
    assert not folder.exists()  # the upload is removed once imported


def test_the_import_step_reports_its_progress_while_it_runs(pages, commune_grid):
    data, _ = commune_grid
    job, _ = choose(data, "xa.geojson")
    started = boundaries.import_file(1, job, "commune", "ma_xa", "vi")
    seen = set()
    deadline = time.monotonic() + 90
    while (outputs := boundaries.follow(1, started[4], "vi"))[12] is not True:
        seen.add(outputs[13][0].children)
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert outputs[5] == "green"
    progress = (Path(tempfile.gettempdir()) / job["job"] / "import.progress").exists()
    assert not progress  # removed with its folder
    assert seen and all(text.startswith("Đang ") for text in seen), seen


def test_a_zipped_shapefile_in_a_folder_imports(pages, commune_grid, tmp_path):
    data, codes = commune_grid
    geopandas.read_file(io.BytesIO(data)).to_file(tmp_path / "xa.shp")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in tmp_path.glob("xa.*"):
            if part.suffix != ".geojson":
                zipped.write(part, f"ranh_gioi/{part.name}")
    job, ended = choose(archive.getvalue(), "xa.zip")
    assert ended[1:3] == (["ma_xa", "ten"], "ma_xa")
    assert import_chosen(job, "commune", "ma_xa")[5] == "green"
    with pages.connect() as connection:
        assert sorted(connection.execute(select(schema.Boundary.unit_code)).scalars()) == sorted(codes)


def test_a_refused_upload_says_why_and_stores_nothing(pages, commune_grid):
    data, _ = commune_grid
    refused_at_once = [
        ((upload(data), "xa.exe"), "Chỉ nhận tệp .geojson, .json, .gpkg, .zip."),
        (("data:application/octet-stream;base64,%%%", "xa.geojson"), "Không đọc được"),
        ((upload(b""), "xa.geojson"), "Tệp tải lên trống."),
        (("data:;base64," + "A" * (70 * 1024 * 1024), "xa.geojson"), "Tệp tải lên lớn hơn 50 MB."),
    ]
    for (contents, name), expected in refused_at_once:
        _, _, _, disabled, message, color, _, job, tick_off, _ = boundaries.inspect(contents, name, None, "vi")
        assert (expected in message, color, job, tick_off, disabled) == (True, "red", None, True, True), message
    for content, expected in ((b"not a zip", "not a GeoJSON, GeoPackage or shapefile"), (b"{}", "cannot read")):
        job, ended = choose(content, "xa.zip" if content == b"not a zip" else "x.geojson")
        assert expected in ended[4] and ended[3] is True and ended[11] is None, ended  # the button stays disabled
        assert not (Path(tempfile.gettempdir()) / job["job"]).exists()
    job, _ = choose(data, "xa.geojson")
    for level, code_field, expected in (
        ("commune", None, t("vi", "admin.boundaries.choose_field")),
        ("commune", "ma", "no field 'ma'"),
        ("province", "ma_xa", "không mã nào trong 4 mã của trường «ma_xa»"),  # flag-free, in Vietnamese
    ):
        outputs = import_chosen(job, level, code_field)
        message, color = (outputs[0], outputs[1]) if len(outputs) == 8 else (outputs[4], outputs[5])
        assert expected in message and color == "red", (level, code_field, message)
    assert (Path(tempfile.gettempdir()) / job["job"]).exists()  # kept, to try another field or level
    another = boundaries.inspect(upload(data), "lai.geojson", job, "vi")[7]  # choosing another file drops it
    assert not (Path(tempfile.gettempdir()) / job["job"]).exists()
    follow_to_end(another)
    boundary_jobs.discard(another["job"])
    with pages.connect() as connection:
        assert connection.execute(select(schema.Boundary.unit_code)).all() == []
    assert [action for _, action, _ in audit_rows(pages)] == ["user.add"]


def test_a_vrt_uploaded_as_geojson_never_shows_the_server_file(pages, tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("SECRETKEYabc123\n1\n")
    source = f"<SrcDataSource>CSV:{secret}</SrcDataSource>"
    vrt = f'<OGRVRTDataSource><OGRVRTLayer name="secret_key">{source}</OGRVRTLayer></OGRVRTDataSource>'
    _, ended = choose(vrt.encode(), "ranh_gioi.geojson")
    assert "not a GeoJSON, GeoPackage or shapefile" in ended[4] and ended[1] == []
    assert "SECRETKEYabc123" not in repr(ended)


def test_a_geojson_crs_link_uploaded_makes_no_request(pages):
    listener = Listener()
    try:
        link = {"type": "link", "properties": {"href": f"{listener.url}/crs", "type": "ogcwkt"}}
        collection = {"type": "FeatureCollection", "crs": link, "features": []}
        _, ended = choose(json.dumps(collection).encode(), "tinh.geojson")
        assert "a linked or URL crs is refused" in ended[4] and ended[3] is True
    finally:
        listener.close()
    assert listener.requests == []


def test_a_job_name_from_the_browser_reaches_only_the_pages_own_folders(pages, tmp_path):
    for name in ("../etc", "ioc-boundaries-../../x", str(tmp_path), None, 3, "ioc-boundaries-zzzzzzzz"):
        with pytest.raises(IOCError):
            boundary_jobs.state(name, "fields")  # type: ignore[arg-type]
    assert boundaries.follow(1, {"job": "../etc", "step": "fields"}, "vi")[4] == "not a boundary upload"


def test_a_step_is_not_started_twice_while_it_runs(pages, commune_grid):
    data, _ = commune_grid
    job = boundary_jobs.save_upload(data, "xa.geojson")
    boundary_jobs.start(pages, job, "fields")
    with pytest.raises(IOCError, match="already running"):
        boundary_jobs.start(pages, job, "fields")  # a second press while the first process runs
    assert follow_to_end({"job": job, "step": "fields", "name": "xa.geojson"})[1] == ["ma_xa", "ten"]
    boundary_jobs.discard(job)


def test_left_behind_uploads_are_swept_after_hours(pages):
    job = boundary_jobs.save_upload(b"{}", "x.geojson")
    folder = Path(tempfile.gettempdir()) / job
    boundary_jobs.sweep()
    assert folder.exists()
    old = time.time() - boundary_jobs.MAX_AGE_SECONDS - 60
    os.utime(folder, (old, old))
    boundary_jobs.sweep()
    assert not folder.exists()


def test_the_boundaries_page_shows_the_schematic_fallback_before_any_import(pages):
    page = boundaries.layout()
    lines = [line.children for line in find(page, "admin-boundaries-state").children]
    assert lines == [
        "Tỉnh: chưa nhập ranh giới cho 1 đơn vị; bản đồ dùng sơ đồ ô vuông thay thế",
        f"Xã, phường: chưa nhập ranh giới cho {len(communes('46'))} đơn vị; bản đồ dùng sơ đồ ô vuông thay thế",
    ]
    (trace,) = find(page, "admin-boundaries-map").figure.data
    assert trace.type == "choroplethmap" and len(trace.locations) == len(communes("46"))


# The page contract


def test_every_page_keeps_the_contract(pages):
    shell_ids = {getattr(c, "id", None) for c in components(frame("vi", "/admin", []))}
    for page in PAGES:
        assert page.PATH.startswith("/admin/") and page.TITLE_KEY in catalogue("en")
        for lang in ("vi", "en"):
            found = [getattr(c, "id", None) for c in components(page.layout(lang=lang))]
            # a grid's export button is named by its grid (a clientside callback: it never reaches the server)
            ids = {i.get("grid") if isinstance(i, dict) else i for i in found} - shell_ids - {None}
            assert ids and all(str(i).startswith("admin-") for i in ids), (page.PATH, ids)
    mine = {page.__name__ for page in PAGES}
    outputs = [
        key
        for key, spec in dash._callback.GLOBAL_CALLBACK_MAP.items()
        if getattr(spec.get("callback"), "__module__", None) in mine
    ]
    assert len(outputs) >= 12
    assert all(callback_need(output) == "admin" for output in outputs), outputs


def test_the_pages_strings_exist_in_both_languages():
    files = {
        lang: json.loads((FOLDER / f"admin_settings.{lang}.json").read_text(encoding="utf-8")) for lang in ("vi", "en")
    }
    assert set(files["vi"]) == set(files["en"])
    prefixes = ("admin.users.", "admin.targets.", "admin.boundaries.", "admin.audit.")
    assert all(key.startswith(prefixes) for key in files["vi"])
    assert all(text.strip() for lang in files for text in files[lang].values())


def test_a_wall_screen_in_the_audit_log_is_named_in_the_pages_language_and_a_user_as_written():
    entry = {"at": None, "action": "display.open", "target": "room", "source_ip": None, "details": None}
    assert audit_page._row(entry | {"actor": "display"}, "vi")["actor"] == "Màn hình hiển thị"
    assert audit_page._row(entry | {"actor": "display"}, "en")["actor"] == "Display screen"
    assert audit_page._row(entry | {"actor": "quan.tri"}, "vi")["actor"] == "quan.tri"
