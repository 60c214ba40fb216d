"""Two collector kinds of a third party, installed the way a package installs them: a folder holding their module
and a ``.dist-info`` whose ``entry_points.txt`` registers them in the ``ioc.collectors`` group. Put the folder on
``sys.path`` (or ``PYTHONPATH`` for a process) and ``ioc.collecting.registry.collector_kinds`` finds them."""

from __future__ import annotations

from pathlib import Path

#: A kind whose source is in its options (a folder), every option with a default and a description.
FOLDER_KIND = "test-folder"
#: A kind read from the collector's URL whose options model cannot be built without arguments.
NEEDS_KIND = "test-needs"
FOLDER_DEFAULTS = {"path": "data/drop", "pattern": "*.csv", "sheets": ["Sheet1"]}

MODULE = """
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class FolderOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field("data/drop", description="Thư mục theo dõi (the folder watched)")
    pattern: str = Field("*.csv", description="Which files are read")
    sheets: list[str] = Field(default_factory=lambda: ["Sheet1"], description="The sheets of a workbook")


class NeedsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str = Field(description="The table read (required)")
    limit: int = Field(100, ge=1, description="Rows a page")


class _Kind:
    record_type: ClassVar[str] = "indicator"

    def __init__(self, source):
        self.source = source

    def fetch(self, cursor, since, until):
        return iter(())

    def parse(self, raw):
        raise NotImplementedError

    def close(self):
        pass


class FolderKind(_Kind):
    kind: ClassVar[str] = "test-folder"
    description: ClassVar[str] = "Files in a folder (test)"
    location: ClassVar[str] = "options"
    Options = FolderOptions


class NeedsKind(_Kind):
    kind: ClassVar[str] = "test-needs"
    description: ClassVar[str] = "A table behind a URL (test)"
    location: ClassVar[str] = "url"
    Options = NeedsOptions
"""

ENTRY_POINTS = f"""[ioc.collectors]
{FOLDER_KIND} = ioc_test_kinds:FolderKind
{NEEDS_KIND} = ioc_test_kinds:NeedsKind
"""


def plant_kinds(folder: Path) -> Path:
    """Write the package into ``folder`` (returned, for ``sys.path`` or ``PYTHONPATH``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ioc_test_kinds.py").write_text(MODULE, encoding="utf-8")
    info = folder / "ioc_test_kinds-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ioc-test-kinds\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    return folder
