"""A complete small collector kind, as a third party would write one (README, "Writing a collector kind").

``tiny-json`` reads indicator values from a JSON file named in its options: a list of objects with ``indicator``,
``unit``, ``agency``, ``period``, ``value``, ``numerator`` and ``denominator``. Its cursor is the file's sha256, so an
unchanged file is not read again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from ioc.collecting.kind import Page, Source, SourceError
from ioc.indicators.model import IndicatorValue, value_from_fields
from ioc.records import InvalidRecordError, Rejection


class TinyJsonOptions(BaseModel):
    path: str = Field(description="The JSON file to read.")
    max_bytes: int = Field(1_000_000, gt=0, le=50_000_000, description="Largest file read.")


class TinyJson:
    kind: ClassVar[str] = "tiny-json"
    description: ClassVar[str] = "Indicator values from a JSON file"
    Options: ClassVar[type[BaseModel]] = TinyJsonOptions
    record_type: ClassVar[str] = "indicator"
    location: ClassVar[str] = "options"

    def __init__(self, source: Source) -> None:
        self.source = source
        self.options: TinyJsonOptions = source.options

    def fetch(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        path = Path(self.options.path)
        if not path.is_file() or path.stat().st_size > self.options.max_bytes:
            raise SourceError(f"{path}: no such file, or larger than {self.options.max_bytes} bytes")
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        if digest == cursor:
            return
        try:
            records = json.loads(content)
        except ValueError as error:
            raise SourceError(f"{path}: not JSON ({error})") from None
        if not isinstance(records, list):
            raise SourceError(f"{path}: expected a JSON list of values")
        yield Page(raw=[r if isinstance(r, dict) else {"value": r} for r in records], cursor=digest)

    def parse(self, raw: dict[str, Any]) -> IndicatorValue | Rejection:
        try:
            return value_from_fields(raw, self.source.indicators, self.source.unit_codes, self.source.province)
        except InvalidRecordError as error:
            return Rejection(raw=raw, reason=str(error))

    def close(self) -> None:
        pass
