"""Boundary files opened safely. GDAL opens what a file *says* it is (a ``.geojson`` that is an OGR VRT or a GDAL
pipeline reads any file of the server; a GeoJSON ``crs`` link or a ``/vsicurl/`` path fetches a URL), so here the
content decides: GeoJSON, a GeoPackage, or a shapefile (alone or zipped) and nothing else. Each is copied or unpacked
once into a private temporary folder under a size cap, checked for what could reach outside it, opened with its one
driver while GDAL has no network, and removed afterwards."""

from __future__ import annotations

import json
import mmap
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ioc.errors import IOCError

#: The most a boundary file may hold, unpacked (a zip's shapefile parts together).
MAX_BYTES = 200 * 1024 * 1024
#: The most vertices a file may hold, counted before simplification.
MAX_VERTICES = 2_000_000
#: The most members a zip may list.
MAX_ZIP_MEMBERS = 10_000
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
GEOJSON, GEOPACKAGE, SHAPEFILE = "GeoJSON", "GPKG", "ESRI Shapefile"
NOT_ACCEPTED = "not a GeoJSON, GeoPackage or shapefile (read by its content, not its name)"

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SQLITE_MAGIC = b"SQLite format 3\x00"
SHAPE_MAGIC = (9994).to_bytes(4, "big")
#: A GeoPackage's SQLite application_id ("GPKG", or "GP10"/"GP11" before version 1.2).
GEOPACKAGE_IDS = (0x47504B47, 0x47503130, 0x47503131)
#: The only virtual table a GeoPackage may hold: its spatial index, as the specification writes it.
RTREE = re.compile(
    r'CREATE\s+VIRTUAL\s+TABLE\s+(?:"rtree_[^"]*"|rtree_\w+)\s+USING\s+rtree\s*\(\s*id\s*,\s*minx\s*,\s*maxx\s*,'
    r"\s*miny\s*,\s*maxy\s*\)\s*",
    re.IGNORECASE,
)
#: A GeoJSON member named "crs" (GDAL matches names without case), whose link or URL GDAL would fetch.
CRS_MEMBER = re.compile(rb'"crs"\s*:\s*', re.IGNORECASE)
#: A letter written as a JSON escape (``\u0063`` for ``c``): no writer needs it, and it would hide a "crs" member.
ESCAPED_LETTER = re.compile(rb"\\u00(?:4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])", re.IGNORECASE)
#: The names a GeoJSON CRS may have: an EPSG code or an OGC URN, nothing that is a path or a URL.
CRS_NAME = re.compile(r"(?:urn:ogc:def:crs:[A-Za-z0-9.]+:[0-9.]*:[A-Za-z0-9]+|EPSG:\d+)", re.IGNORECASE)
#: GDAL's settings while it reads a boundary file: no HTTP (every request goes to a proxy that cannot be reached),
#: no /vsicurl/ file, no OGR function called from a GeoPackage's views or triggers.
NO_NETWORK = {
    "GDAL_HTTP_PROXY": "127.0.0.1:0",
    "GDAL_HTTPS_PROXY": "127.0.0.1:0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".ioc-no-network",
    "ALLOW_OGR_SQL_FUNCTIONS_FROM_TRIGGER_AND_VIEW": "NO",
}
#: GDAL drivers a boundary command never registers (when it is the first to load GDAL): those that read the paths or
#: URLs a file names, or run what it describes, and those that would claim JSON or text meant for another driver.
SKIPPED_DRIVERS = "OGR_VRT VRT GDALG CSV HTTP WFS OAPIF OGCAPI CSW JSONFG ESRIJSON TopoJSON GeoJSONSeq"
#: Environment variables set (or, when None, removed: curl would skip the proxy for these hosts) while reading.
NO_NETWORK_ENVIRONMENT = {"no_proxy": None, "NO_PROXY": None, "PROJ_NETWORK": "OFF", "SPATIALITE_SECURITY": "strict"}


@dataclass(frozen=True)
class StagedFile:
    """A boundary file in its private folder: the path GDAL opens (with its driver's prefix) and its own name."""

    path: Path
    driver: str
    name: str

    @property
    def gdal_path(self) -> str:
        return f"{self.driver}:{self.path}" if self.driver in (GEOJSON, GEOPACKAGE) else str(self.path)


def _megabytes(count: int) -> str:
    return f"{count / 1024 / 1024:,.0f} MB" if count >= 1024 * 1024 else f"{count / 1000:,.0f} kB"


def _too_large(name: str, limit: int) -> IOCError:
    return IOCError(f"{name}: more than {_megabytes(limit)} unpacked; the most accepted is {_megabytes(limit)}")


def _copy(source: IO[bytes], target: Path, budget: int, name: str, limit: int) -> int:
    """Copy ``source`` into a new private file, at most ``budget`` bytes; the bytes copied."""
    copied = 0
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        while chunk := source.read(1024 * 1024):
            copied += len(chunk)
            if copied > budget:
                raise _too_large(name, limit)
            out.write(chunk)
    return copied


def _unsafe(member: str) -> bool:
    parts = member.replace("\\", "/").split("/")
    return member.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]


def _unpack_shapefile(archive: Path, folder: Path, name: str, limit: int) -> Path:
    """The zip's one shapefile, its parts unpacked once under fixed names; any unsafe name refuses the zip."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise IOCError(
                    f"{name}: the zip lists {len(members):,} files; the most accepted is {MAX_ZIP_MEMBERS:,}"
                )
            for member in members:
                if _unsafe(member.filename):
                    raise IOCError(f"{name}: the zip holds an unsafe path {member.filename[:100]!r}; refused")
            parts = [
                m
                for m in members
                if not m.is_dir()
                and PurePosixPath(m.filename).suffix.lower() in SHAPEFILE_PARTS
                and "__MACOSX" not in m.filename
            ]
            main = [m for m in parts if m.filename.lower().endswith(".shp")]
            if len(main) != 1:
                raise IOCError(f"{name}: the zip must hold one shapefile (.shp); it holds {len(main)}")
            stem = PurePosixPath(main[0].filename).with_suffix("")
            chosen = {
                PurePosixPath(m.filename).suffix.lower(): m
                for m in parts
                if PurePosixPath(m.filename).with_suffix("") == stem
            }
            if sum(m.file_size for m in chosen.values()) > limit:
                raise _too_large(name, limit)
            budget = limit
            for suffix, member in chosen.items():
                with zipped.open(member) as source:
                    budget -= _copy(source, folder / f"boundaries{suffix}", budget, name, limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        raise IOCError(f"{name}: not a readable zip ({error})") from None
    return folder / "boundaries.shp"


def _check_shapefile(shp: Path, name: str) -> None:
    for suffix in (".shx", ".dbf"):
        if not shp.with_suffix(suffix).exists():
            raise IOCError(f"{name}: the shapefile has no {suffix} part")
    for suffix in (".shp", ".shx"):
        with shp.with_suffix(suffix).open("rb") as part:
            if part.read(4) != SHAPE_MAGIC:
                raise IOCError(f"{name}: {NOT_ACCEPTED}")


def _check_geopackage(path: Path, name: str) -> None:
    """A GeoPackage by its header, holding no virtual table but its spatial indexes (spatialite's VirtualText,
    VirtualShape … would read files of the server)."""
    with path.open("rb") as database:
        header = database.read(100)
    if len(header) < 100 or int.from_bytes(header[68:72], "big") not in GEOPACKAGE_IDS:
        raise IOCError(f"{name}: an SQLite file that is not a GeoPackage")
    try:
        with sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True) as database:
            rows = database.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    except sqlite3.Error as error:
        raise IOCError(f"{name}: not a readable GeoPackage ({error})") from None
    for table, sql in rows:
        if "virtual" in (sql or "").lower() and not RTREE.fullmatch(sql):
            raise IOCError(
                f"{name}: the GeoPackage has a virtual table {str(table)[:60]!r}; only spatial indexes are accepted"
            )


def _check_geojson(path: Path, name: str) -> None:
    """Every "crs" member of a GeoJSON is a named CRS (never a link or a URL GDAL would fetch), and none is hidden."""
    if path.stat().st_size == 0:
        raise IOCError(f"{name}: the file is empty")
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as text:
        if ESCAPED_LETTER.search(text):
            raise IOCError(f"{name}: the GeoJSON writes letters as \\u escapes; refused")
        for found in CRS_MEMBER.finditer(text):
            window = text[found.end() : found.end() + 65536].decode("utf-8", errors="replace")
            try:
                value, _ = json.JSONDecoder().raw_decode(window)
            except ValueError:
                raise IOCError(f"{name}: a GeoJSON crs member that cannot be read") from None
            if isinstance(value, dict) and not _named_crs(value):
                raise IOCError(
                    f"{name}: the GeoJSON's crs must be named (such as urn:ogc:def:crs:EPSG::32648); "
                    "a linked or URL crs is refused"
                )


def _named_crs(crs: dict[str, Any]) -> bool:
    kind = str(crs.get("type", "")).lower()
    properties = crs.get("properties")
    if not isinstance(properties, dict):
        return False
    if kind == "epsg":
        return isinstance(properties.get("code"), int)
    return kind == "name" and isinstance(properties.get("name"), str) and bool(CRS_NAME.fullmatch(properties["name"]))


def _stage(path: Path, folder: Path, limit: int) -> StagedFile:
    name = path.name
    copy = folder / "upload"
    with path.open("rb") as source:
        _copy(source, copy, limit, name, limit)
    with copy.open("rb") as staged:
        head = staged.read(100)
    if head.startswith(ZIP_MAGIC):
        shp = _unpack_shapefile(copy, folder, name, limit)
        copy.unlink()
        _check_shapefile(shp, name)
        return StagedFile(shp, SHAPEFILE, name)
    if head.startswith(SQLITE_MAGIC):
        target = copy.rename(folder / "boundaries.gpkg")
        _check_geopackage(target, name)
        return StagedFile(target, GEOPACKAGE, name)
    if head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"{"):
        target = copy.rename(folder / "boundaries.geojson")
        _check_geojson(target, name)
        return StagedFile(target, GEOJSON, name)
    if head.startswith(SHAPE_MAGIC) and path.suffix.lower() == ".shp":
        copy.unlink()
        budget = limit
        for sibling in sorted(path.parent.iterdir()):
            suffix = sibling.suffix.lower()
            if (
                sibling.stem == path.stem
                and suffix in SHAPEFILE_PARTS
                and not (folder / f"boundaries{suffix}").exists()
            ):
                with sibling.open("rb") as source:
                    budget -= _copy(source, folder / f"boundaries{suffix}", budget, name, limit)
        _check_shapefile(folder / "boundaries.shp", name)
        return StagedFile(folder / "boundaries.shp", SHAPEFILE, name)
    raise IOCError(f"{name}: {NOT_ACCEPTED}")


@contextmanager
def staged(path: Path, max_bytes: int = MAX_BYTES) -> Iterator[StagedFile]:
    """``path`` copied (a zip: its shapefile unpacked) into a private temporary folder and checked; the folder is
    removed afterwards, whatever happens."""
    if not path.is_file():
        raise IOCError(f"{path}: no such file")
    folder = Path(tempfile.mkdtemp(prefix="ioc-boundary-read-"))
    try:
        yield _stage(path, folder, max_bytes)
    except OSError as error:
        raise IOCError(f"{path.name}: cannot read the file ({error.strerror or error})") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def no_network() -> Iterator[None]:
    """GDAL and PROJ without network for the time of a read; the previous settings come back afterwards."""
    if "pyogrio" not in sys.modules:  # GDAL reads GDAL_SKIP once, as it registers its drivers
        os.environ["GDAL_SKIP"] = f"{os.environ.get('GDAL_SKIP', '')} {SKIPPED_DRIVERS}".strip()
    import pyogrio

    previous = {key: pyogrio.get_gdal_config_option(key) for key in NO_NETWORK}
    environment = {key: os.environ.get(key) for key in NO_NETWORK_ENVIRONMENT}
    for key, value in NO_NETWORK_ENVIRONMENT.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    pyogrio.set_gdal_config_options(NO_NETWORK)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's warnings would quote the file; the errors say what matters
            yield
    finally:
        pyogrio.set_gdal_config_options(previous)
        for key, value in environment.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _gdal_error(name: str, error: Exception) -> IOCError:
    line = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
    return IOCError(f"{name}: cannot read boundaries ({line})")


def layer_fields(file: StagedFile) -> list[str]:
    """The attribute fields of the file's first layer, once GDAL has opened it with the expected driver and found
    geometry in it."""
    import pyogrio

    try:
        with no_network():
            info = pyogrio.read_info(file.gdal_path)
    except Exception as error:  # GDAL's errors have many types; report them in one line
        raise _gdal_error(file.name, error) from None
    if info.get("driver") != file.driver:
        raise IOCError(f"{file.name}: {NOT_ACCEPTED}")
    if not info.get("geometry_type"):
        raise IOCError(f"{file.name}: the layer has no geometry")
    return [str(field) for field in info["fields"]]


def read_layer(file: StagedFile, columns: list[str]) -> Any:
    """The file's first layer with ``columns`` and its geometry, as a GeoDataFrame."""
    import pyogrio

    try:
        with no_network():
            return pyogrio.read_dataframe(file.gdal_path, columns=columns)
    except Exception as error:  # GDAL's errors have many types; report them in one line
        raise _gdal_error(file.name, error) from None
