"""A report uploaded on the admin page: saved into its collector's watched folder, as if dropped there; audited.

Only a kind that declares ``upload_target(options) -> (folder, max_bytes)`` and ``upload_suffixes`` takes uploads
(``file-drop``). The name must be a plain file name (no folder, no leading dot, no control characters) with one of
those suffixes; the content is written to a hidden temporary file in the folder and linked under its name at once,
so the collector never sees half a file and an upload never replaces a file waiting there. The collector loads it on
its next run (the admin may press "Run now"); web workers never run collectors.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ioc.collecting.registry import get_kind
from ioc.collecting.store import get_collector
from ioc.config import now_local
from ioc.errors import IOCError
from ioc.warehouse import audit
from ioc.warehouse.access import transaction

NAME_CHARS = 150


@dataclass(frozen=True)
class Upload:
    """A saved upload: where it waits, its size and its content hash."""

    path: Path
    size: int
    sha256: str


def safe_name(filename: str, suffixes: tuple[str, ...]) -> str:
    """``filename`` when it is a plain file name with an allowed suffix, else a one-line error."""
    name = unicodedata.normalize("NFC", filename or "").strip()
    shown = repr(name[:60])
    if not name or len(name) > NAME_CHARS:
        raise IOCError(f"file name {shown}: give a name of 1 to {NAME_CHARS} characters")
    if "/" in name or "\\" in name or name in (".", "..") or Path(name).name != name:
        raise IOCError(f"file name {shown} must be a plain name, without folders")
    if name.startswith(".") or any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name):
        raise IOCError(f"file name {shown} may not start with a dot or hold control characters")
    if Path(name).suffix.lower() not in suffixes:
        raise IOCError(f"file name {shown}: upload a {' or '.join(suffixes)} file")
    return name


def _write(folder: Path, name: str, content: bytes) -> Path:
    """Write ``content`` as ``folder/name`` atomically, never replacing an existing file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise IOCError(f"{name} is waiting in the folder already: run the collector first, or rename it") from None
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target


def save_upload(
    engine: Engine, collector_name: str, filename: str, content: bytes, actor: str, source_ip: str = audit.LOCAL
) -> Upload:
    """Save an uploaded report into ``collector_name``'s folder; audited as ``collector.upload``."""
    with transaction(engine) as connection:
        config = get_collector(connection, collector_name)
    kind = get_kind(config.kind)
    target = getattr(kind, "upload_target", None)
    if target is None:
        raise IOCError(f"collector {collector_name!r} is a {config.kind} collector: only a file-drop one takes files")
    folder, max_bytes = target(kind.Options.model_validate(config.options))
    name = safe_name(filename, tuple(getattr(kind, "upload_suffixes", ())))
    if not content:
        raise IOCError(f"{name} is empty")
    if len(content) > max_bytes:
        raise IOCError(f"{name} is larger than {max_bytes / (1024 * 1024):g} MB (the collector's max_file_mb)")
    digest = hashlib.sha256(content).hexdigest()
    try:
        path = _write(folder, name, content)
    except OSError as error:
        raise IOCError(f"cannot write {name} into {folder}: {error.strerror}") from None
    try:
        with transaction(engine) as connection:
            details = {"file": name, "bytes": len(content), "sha256": digest, "folder": str(folder)}
            audit.record(
                connection, actor, "collector.upload", collector_name, now_local(), details, source_ip=source_ip
            )
    except BaseException:
        path.unlink(missing_ok=True)  # an upload nobody can account for is not kept
        raise
    return Upload(path=path, size=len(content), sha256=digest)
