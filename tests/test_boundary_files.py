"""Hostile boundary files: whatever a file says it is, importing it never reads another file of the server, never
fetches a URL, never unpacks past a cap or outside a private folder, and fails with one clear line."""

from __future__ import annotations

import http.server
import io
import json
import sqlite3
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas
import pytest
import shapely

from ioc.errors import IOCError
from ioc.geometry import boundary_fields, read_boundaries
from tests.helpers import run_ioc

SECRET = "SECRETKEYabc123"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A file of the server that no boundary file may read (its one line would be the CSV's field name)."""
    path = tmp_path / "secret_key"
    path.write_text(f"{SECRET},other\n1,2\n")
    return path


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder of this process and of the commands it runs, watched for what is left in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


class Listener:
    """A real HTTP server on loopback that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                listener.requests.append(f"GET {self.path}")
                body = (
                    b'GEOGCS["x",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.25]],PRIMEM["G",0],UNIT["d",0.01745]]'
                )
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_HEAD(self) -> None:
                listener.requests.append(f"HEAD {self.path}")
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def vrt(source: str, layer: str) -> str:
    return (
        f"<OGRVRTDataSource><OGRVRTLayer name={json.dumps(layer)}>"
        f"<SrcDataSource>{source}</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )


def feature_collection(crs: dict | None = None, code: str = "46") -> dict:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code},
                "geometry": shapely.box(107, 16, 108, 16.8).__geo_interface__,
            }
        ],
    }
    if crs is not None:
        collection["crs"] = crs
    return collection


def refusals(path: Path, env: dict[str, str], code_field: str = "code") -> list[str]:
    """What reading ``path`` says, through the core functions and the command: each must be a refusal."""
    said = []
    for read in (lambda: boundary_fields(path), lambda: read_boundaries(path, "province", code_field)):
        with pytest.raises(IOCError) as refused:
            read()
        said.append(str(refused.value))
    result = run_ioc("boundaries", "import", str(path), "--level", "province", "--code-field", code_field, env=env)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    said.append(result.stdout + result.stderr)
    return said


def test_a_vrt_named_geojson_never_shows_the_server_file_it_points_at(warehouse, warehouse_env, secret_file, tmp_path):
    path = tmp_path / "ranh_gioi.geojson"
    path.write_text(vrt(f"CSV:{secret_file}", "secret_key"))
    for said in refusals(path, warehouse_env):
        assert SECRET not in said and "GeoJSON, GeoPackage or shapefile" in said, said


def test_a_gdal_pipeline_dressed_as_json_never_reads_a_server_file(warehouse, warehouse_env, secret_file, tmp_path):
    # JSON text starting with "{" is not enough: GDAL's GDALG driver runs the pipeline the file describes.
    path = tmp_path / "ranh_gioi.geojson"
    command = f"gdal vector pipeline ! read {secret_file.with_suffix('.csv')}"
    secret_file.with_suffix(".csv").write_text(secret_file.read_text())
    path.write_text(json.dumps({"type": "gdal_streamed_alg", "command_line": command}))
    for said in refusals(path, warehouse_env):
        assert SECRET not in said, said


def test_a_geopackage_with_a_virtual_table_over_a_server_file_is_refused(
    warehouse, warehouse_env, secret_file, tmp_path
):
    path = tmp_path / "ranh_gioi.gpkg"
    geopandas.GeoDataFrame({"code": ["46"]}, geometry=[shapely.box(107, 16, 108, 16.8)], crs=4326).to_file(path)
    with sqlite3.connect(path) as database:  # a virtual table spatialite would read the secret through
        database.execute("PRAGMA writable_schema=ON")
        sql = f"CREATE VIRTUAL TABLE leak USING VirtualText('{secret_file}', 'UTF-8', 0, POINT, DOUBLEQUOTE, ',')"
        database.execute("INSERT INTO sqlite_master VALUES ('table', 'leak', 'leak', 0, ?)", (sql,))
        database.execute("DELETE FROM gpkg_contents")
        database.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('leak', 'attributes', 'leak')"
        )
    for said in refusals(path, warehouse_env, code_field="COL001"):
        assert SECRET not in said and "virtual table" in said, said


def test_no_content_makes_the_server_fetch_a_url(warehouse, warehouse_env, listener, tmp_path):
    files = {
        "vsicurl.geojson": vrt(f"/vsicurl/{listener.url}/vrt.csv", "vrt"),
        "pipeline.geojson": json.dumps(
            {"type": "gdal_streamed_alg", "command_line": f"gdal vector pipeline ! read /vsicurl/{listener.url}/a.csv"}
        ),
        "link.geojson": json.dumps(feature_collection({"type": "link", "properties": {"href": f"{listener.url}/crs"}})),
        "url.geojson": json.dumps(feature_collection({"type": "URL", "properties": {"url": f"{listener.url}/crs"}})),
        # the same member with its letters escaped, which a JSON parser reads as "crs"
        "escaped.geojson": json.dumps(
            feature_collection({"type": "link", "properties": {"href": f"{listener.url}/e"}})
        ).replace('"crs"', '"\\u0063rs"'),
        "named.geojson": json.dumps(
            feature_collection({"type": "name", "properties": {"name": f"/vsicurl/{listener.url}/n"}})
        ),
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        for said in refusals(path, warehouse_env):
            assert listener.url not in said or name != "vsicurl.geojson"
    assert listener.requests == []


def test_a_named_crs_geojson_still_imports(warehouse, warehouse_env, tmp_path):
    path = tmp_path / "utm.geojson"
    utm = geopandas.GeoDataFrame({"code": ["46"]}, geometry=[shapely.box(107, 16, 108, 16.8)], crs=4326).to_crs(32648)
    utm.to_file(path, driver="GeoJSON")
    assert '"crs"' in path.read_text()
    result = run_ioc("boundaries", "import", str(path), "--level", "province", "--format", "json", env=warehouse_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["matched"] == ["46"]


def shapefile_zip(tmp_path: Path, names: dict[str, str] | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A zipped shapefile of province 46 (its parts renamed by ``names``), with ``extra`` members."""
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    geopandas.GeoDataFrame({"code": ["46"]}, geometry=[shapely.box(107, 16, 108, 16.8)], crs=4326).to_file(
        folder / "tinh.shp"
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for part in sorted(folder.iterdir()):
            name = (names or {}).get(part.suffix, f"tinh{part.suffix}")
            zipped.writestr(zipfile.ZipInfo(name), part.read_bytes())  # the name as given, not normalised
        for name, data in (extra or {}).items():
            zipped.writestr(name, data)
    return archive.getvalue()


def test_a_zipped_shapefile_imports_and_leaves_no_temporary_file(warehouse, warehouse_env, private_tmp, tmp_path):
    path = tmp_path / "tinh.zip"
    path.write_bytes(shapefile_zip(tmp_path))
    result = run_ioc("boundaries", "import", str(path), "--level", "province", "--format", "json", env=warehouse_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["matched"] == ["46"]
    assert read_boundaries(path, "province", "code")[0] == ["46"]
    assert list(private_tmp.iterdir()) == []


def test_a_zip_with_a_path_out_of_its_folder_is_refused_and_writes_nothing(
    warehouse, warehouse_env, private_tmp, tmp_path
):
    for evil in ("../../outside.shp", "/tmp/absolute.shp", "ok/../../../outside.dbf"):
        path = tmp_path / "evil.zip"
        path.write_bytes(shapefile_zip(tmp_path, {".shp": evil}))
        for said in refusals(path, warehouse_env):
            assert "unsafe path" in said, said
    assert list(private_tmp.iterdir()) == []
    assert not (tmp_path.parent / "outside.shp").exists() and not Path("/tmp/absolute.shp").exists()


def test_a_zip_bomb_is_refused_with_the_cap_and_leaves_nothing(warehouse, warehouse_env, private_tmp, tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zipped:  # 201 MB of zeros in about 200 kB
        zipped.writestr("tinh.shp", bytes(201 * 1024 * 1024))
        zipped.writestr("tinh.shx", b"")
        zipped.writestr("tinh.dbf", b"")
    assert bomb.stat().st_size < 1_000_000
    for said in refusals(bomb, warehouse_env):
        assert "200 MB" in said, said
    assert list(private_tmp.iterdir()) == []


def test_a_zip_member_larger_than_it_claims_is_refused(warehouse, warehouse_env, private_tmp, tmp_path):
    honest = shapefile_zip(tmp_path, extra={})
    # Claim 100 bytes for a member that inflates to 4 MB: the central directory and the local header both lie.
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        with zipfile.ZipFile(io.BytesIO(honest)) as source:
            for member in source.infolist():
                if member.filename != "tinh.cpg":
                    zipped.writestr(member.filename, source.read(member))
        zipped.writestr("tinh.cpg", bytes(4 * 1024 * 1024))
    data = bytearray(archive.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as reading:
        member = reading.getinfo("tinh.cpg")
    assert member.file_size == 4 * 1024 * 1024
    data[member.header_offset + 22 : member.header_offset + 26] = (100).to_bytes(4, "little")
    central = data.find(b"PK\x01\x02" + bytes(data[data.find(b"PK\x01\x02") + 4 : data.find(b"PK\x01\x02") + 4]))
    while data[central + 46 : central + 46 + len(b"tinh.cpg")] != b"tinh.cpg":
        central = data.find(b"PK\x01\x02", central + 4)
        assert central > 0
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    path = tmp_path / "liar.zip"
    path.write_bytes(bytes(data))
    for said in refusals(path, warehouse_env):
        assert "zip" in said, said
    assert list(private_tmp.iterdir()) == []


def test_a_file_over_the_size_cap_is_refused_saying_the_cap(tmp_path):
    path = tmp_path / "tinh.geojson"
    path.write_text(json.dumps(feature_collection()) + " " * 3000)
    with pytest.raises(IOCError, match=r"the most accepted is 2 kB"):
        read_boundaries(path, "province", "code", max_bytes=2000)


def test_too_many_vertices_are_refused_saying_the_cap(tmp_path):
    path = tmp_path / "tinh.geojson"
    circle = shapely.Point(107.5, 16.4).buffer(0.3, quad_segs=500)  # 2,001 vertices
    geopandas.GeoDataFrame({"code": ["46"]}, geometry=[circle], crs=4326).to_file(path)
    with pytest.raises(IOCError, match=r"2,001 vertices; the most accepted is 1,000"):
        read_boundaries(path, "province", "code", max_vertices=1000)
    assert read_boundaries(path, "province", "code")[0] == ["46"]


def test_a_non_spatial_vrt_on_the_command_line_is_one_clear_line(warehouse, warehouse_env, tmp_path):
    table = tmp_path / "plain.csv"
    table.write_text("code,name\n46,Huế\n")
    path = tmp_path / "plain.vrt"
    path.write_text(vrt(str(table), "plain"))
    result = run_ioc("boundaries", "import", str(path), "--level", "province", env=warehouse_env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("ioc: error: plain.vrt: not a GeoJSON, GeoPackage or shapefile"), line


def test_a_geojson_without_geometry_is_one_clear_line(warehouse, warehouse_env, tmp_path):
    path = tmp_path / "bang.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"code": "46"}, "geometry": None}],
            }
        )
    )
    result = run_ioc("boundaries", "import", str(path), "--level", "province", env=warehouse_env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "no geometry" in line, line
