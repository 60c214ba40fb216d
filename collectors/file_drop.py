"""``file-drop``: CSV and XLSX reports dropped in a folder (or uploaded on the admin page), as indicator values.

The folder is option ``path``; ``processed/`` and ``failed/`` are made inside it. A run reads the files waiting at
the top of the folder, oldest first (hidden files, sub-folders and files changed in the last ``settle_seconds`` are
left for later), in the long template or the collector's wide one (``collectors.file_templates``).

- **Once by content**: the cursor is JSON holding the sha256 (its first 128 bits) of the files loaded (and failed),
  the latest ``remembered_files`` of each (some 17 KB each at most: the cursor is written with every page); a file
  dropped again with the same content goes to ``processed/`` unread. Forgetting an old hash is harmless: a reload
  replaces values by their key, never adds to them.
- **Row-level quarantine**: a bad row is a rejection whose raw record keeps the file, the row number and the row's
  cells; its reason starts ``"<file> row <n>: "``.
- **A file that cannot be read** (not CSV/XLSX, not UTF-8, binary, a symbolic link, over a cap, a zip bomb, a header
  of neither template) is one quarantined record with the reason and goes to ``failed/``; the run goes on with the
  other files and succeeds. Every file is read through once before its first page, so such a file loads nothing.
- **Moves after commit**: a file goes to ``processed/`` (or ``failed/``) only once the runner has committed its last
  page (``committed``), so a crash mid-file leaves it in the folder and the next run reads it again (idempotent).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from collectors.file_reading import MEGABYTE, Limits, UnreadableFileError, file_format, read_file, rows
from collectors.file_templates import LONG_HEADER, WideMapping, WideReader, fields_of, is_long, long_raws
from collectors.file_templates import missing_columns as wide_missing
from ioc.collecting.kind import Page, Source, SourceError
from ioc.indicators.model import IndicatorValue, value_from_fields
from ioc.records import InvalidRecordError, Rejection

PROCESSED = "processed"
FAILED = "failed"
CURSOR_VERSION = 1
#: A file's sha256 as the cursor keeps it: its first 128 bits, as safe against a collision and half the size.
HASH_CHARS = 32


class FileDropOptions(BaseModel):
    """Options of a ``file-drop`` collector (``--option KEY=VALUE``)."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, max_length=1000, description="the folder watched (absolute)")
    wide: WideMapping | None = Field(None, description="the wide template's mapping (collectors.file_templates)")
    sheet: str | None = Field(None, min_length=1, max_length=100, description="an XLSX's sheet (default: first)")
    header_row: int = Field(1, ge=1, le=100, description="the row holding the header (rows above it are skipped)")
    page_rows: int = Field(1000, ge=1, le=50000, description="values per page (one transaction each)")
    max_file_mb: float = Field(50, gt=0, le=1024, description="largest file read")
    max_inflated_mb: float = Field(200, gt=0, le=4096, description="largest an XLSX may inflate to")
    max_rows: int = Field(1_000_000, ge=1, le=20_000_000, description="most rows a file may have")
    max_cell_chars: int = Field(1000, ge=10, le=100_000, description="longest text cell")
    settle_seconds: float = Field(2, ge=0, le=3600, description="a file changed more recently is left for later")
    remembered_files: int = Field(500, ge=10, le=100_000, description="file hashes kept in the cursor, of each")

    @field_validator("path")
    @classmethod
    def _absolute(cls, path: str) -> str:
        if "\x00" in path or not Path(path).is_absolute():
            raise ValueError("give the folder as an absolute path")
        return path

    def limits(self) -> Limits:
        return Limits(
            max_bytes=int(self.max_file_mb * MEGABYTE),
            max_inflated_bytes=int(self.max_inflated_mb * MEGABYTE),
            max_rows=self.max_rows,
            max_cell_chars=self.max_cell_chars,
        )


def folders(options: FileDropOptions) -> tuple[Path, Path, Path]:
    """The watched folder, its ``processed/`` and its ``failed/``."""
    folder = Path(options.path)
    return folder, folder / PROCESSED, folder / FAILED


def _state(cursor: str | None) -> dict[str, list[str]]:
    try:
        state = json.loads(cursor) if cursor else {}
    except json.JSONDecodeError:
        state = {}
    if not isinstance(state, dict):
        state = {}
    return {key: [h for h in state.get(key, []) if isinstance(h, str)] for key in ("loaded", "failed")}


def _remember(hashes: list[str], digest: str, keep: int) -> None:
    if digest in hashes:
        hashes.remove(digest)
    hashes.append(digest)
    del hashes[:-keep]


def move_aside(path: Path, destination: Path, digest: str | None) -> Path | None:
    """Move ``path`` (a file or a link, never followed) into ``destination``, renamed if the name is taken; None when
    it is gone or cannot be moved (the next run tries again)."""
    target = destination / path.name
    for attempt in range(100):
        if not os.path.lexists(target):
            break
        tag = (digest or "x")[:12] + ("" if attempt == 0 else f"-{attempt}")
        target = destination / f"{path.stem}.{tag}{path.suffix}"
    try:
        destination.mkdir(exist_ok=True)
        path.replace(target)
    except OSError:
        return None
    return target


class FileDrop:
    """The ``file-drop`` kind (see the module's docstring)."""

    kind: ClassVar[str] = "file-drop"
    description: ClassVar[str] = "CSV/XLSX reports dropped in a folder or uploaded (long or wide template)"
    Options: ClassVar[type[BaseModel]] = FileDropOptions
    record_type: ClassVar[str] = "indicator"
    location: ClassVar[str] = "options"
    #: What an upload on the admin page may be (``ioc.collecting.uploads``).
    upload_suffixes: ClassVar[tuple[str, ...]] = (".csv", ".xlsx")

    def __init__(self, source: Source) -> None:
        self.source = source
        self.options: FileDropOptions = source.options
        self.limits = self.options.limits()
        #: Page number → the moves to make once that page is committed; pages are numbered from 0 in yield order.
        self._moves: dict[int, list[tuple[Path, Path, str | None]]] = {}
        self._yielded = 0
        self._committed = 0

    @classmethod
    def upload_target(cls, options: BaseModel) -> tuple[Path, int]:
        """Where an upload goes and its size cap."""
        assert isinstance(options, FileDropOptions)
        return Path(options.path), int(options.max_file_mb * MEGABYTE)

    # -- the runner's side ------------------------------------------------------------------------------------------

    def fetch(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        if since is not None or until is not None:
            raise SourceError("file-drop reads the files in its folder: run it without --since/--until")
        folder, processed, failed = folders(self.options)
        try:
            for place in (folder, processed, failed):
                place.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SourceError(f"folder {folder}: {error.strerror}") from None
        state = _state(cursor)
        for path in self._waiting(folder):
            if self.source.abort.is_set():
                return
            yield from self._file(path, state, processed, failed)

    def committed(self, cursor: str) -> None:
        """The runner committed the next page: make the moves that waited on it."""
        for path, destination, digest in self._moves.pop(self._committed, []):
            move_aside(path, destination, digest)
        self._committed += 1

    def parse(self, raw: dict[str, Any]) -> IndicatorValue | Rejection:
        if "error" in raw:
            return Rejection(raw=raw, reason=str(raw["error"]), source_key=raw.get("file"))
        key = f"{raw['file']}#{raw['row']}" + (f"#{raw['indicator']}" if "indicator" in raw else "")
        try:
            cap = self.limits.max_cell_chars
            for name, value in raw["cells"].items():
                if value.__class__ is str and len(value) > cap:
                    raise InvalidRecordError(f"cell {str(name)[:40]!r} is longer than {cap} characters")
            fields = fields_of(raw, self.options.wide)
            fields["source_key"] = key[:200]
            source = self.source
            return value_from_fields(fields, source.indicators, source.unit_codes, source.province)
        except InvalidRecordError as error:
            where = f"{raw['file']} row {raw['row']}"
            if "column" in raw:
                where += f", column {raw['column']!r}"
            return Rejection(raw=raw, reason=f"{where}: {error}", source_key=key[:100])

    def close(self) -> None:
        self._moves.clear()

    # -- the folder -------------------------------------------------------------------------------------------------

    def _waiting(self, folder: Path) -> list[Path]:
        """The files waiting at the top of the folder, oldest first; links are listed (and refused), never followed."""
        settled_before = time.time() - self.options.settle_seconds
        found: list[tuple[float, str]] = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.is_dir(follow_symlinks=False):
                    continue
                try:
                    changed = entry.stat(follow_symlinks=False).st_mtime
                except OSError:
                    continue
                if changed <= settled_before:
                    found.append((changed, entry.name))
        return [folder / name for _, name in sorted(found)]

    def _page(self, raw: list[dict[str, Any]], state: dict[str, list[str]]) -> Page:
        page = Page(raw=raw, cursor=json.dumps({"v": CURSOR_VERSION, **state}, separators=(",", ":")))
        self._yielded += 1
        return page

    def _after(self, path: Path, destination: Path, digest: str | None) -> None:
        """Move ``path`` once the page about to be yielded is committed."""
        self._moves.setdefault(self._yielded, []).append((path, destination, digest))

    def _file(self, path: Path, state: dict[str, list[str]], processed: Path, failed: Path) -> Iterator[Page]:
        """The pages of one file (or its one rejection), each move waiting on the commit of the file's last page."""
        name, digest, full = path.name, None, None
        keep = self.options.remembered_files
        if not os.path.lexists(path):  # gone since the folder was listed (moved away by hand, say)
            return
        try:
            format_ = file_format(name)
            if path.is_symlink():
                raise UnreadableFileError("is a symbolic link: drop the file itself")
            if format_ is None:
                raise UnreadableFileError("is not a .csv or .xlsx file")
            content = read_file(path, self.limits.max_bytes)
            full = hashlib.sha256(content).hexdigest()
            digest = full[:HASH_CHARS]
            if digest in state["loaded"]:
                move_aside(path, processed, digest)  # its values are in the warehouse already
                return
            if digest in state["failed"]:
                move_aside(path, failed, digest)
                return
            reader = self._reader(content, format_)
        except UnreadableFileError as error:
            if digest is not None:
                _remember(state["failed"], digest, keep)
            self._after(path, failed, digest)
            yield self._page([{"file": name, "sha256": full, "error": f"{name} {error}"}], state)
            return
        batch: list[dict[str, Any]] = []
        try:
            for raw in reader(name):
                batch.append(raw)
                if len(batch) >= self.options.page_rows:
                    yield self._page(batch, state)
                    batch = []
        except UnreadableFileError as error:  # read through once already: only a reader's inconsistency gets here
            raise SourceError(f"{name} {error}") from None
        _remember(state["loaded"], digest, keep)
        self._after(path, processed, digest)
        yield self._page(batch, state)

    def _reader(self, content: bytes, format_: str):  # type: ignore[no-untyped-def]
        """Read the file through once (structure, caps, header) and return how to read its raw records again."""
        options, limits = self.options, self.limits
        header: list[Any] | None = None
        count = 0
        for number, row in enumerate(rows(content, format_, limits, options.sheet), start=1):
            if number < options.header_row:
                continue
            if header is None:
                header = row
                continue
            count += 1
            if count > limits.max_rows:
                raise UnreadableFileError(f"has more than {limits.max_rows} rows (option max_rows): split it")
        if header is None:
            raise UnreadableFileError("is empty: it has no header row")
        if is_long(header):
            make = long_raws
        elif options.wide is not None and not wide_missing(header, options.wide):
            make = WideReader(header, options.wide).raws
        else:
            missing = wide_missing(header, options.wide) if options.wide is not None else []
            wide = f"; this collector's wide columns missing: {', '.join(missing[:5])}" if missing else ""
            raise UnreadableFileError(f"does not have the long template's header {','.join(LONG_HEADER)}{wide}")

        def raws(name: str) -> Iterator[dict[str, Any]]:
            for number, row in enumerate(rows(content, format_, limits, options.sheet), start=1):
                if number > options.header_row and row:
                    yield from make(name, number, row)

        return raws
