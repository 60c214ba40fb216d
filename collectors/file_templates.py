"""The two templates a dropped file may follow (``domain/indicators.md``, "Files"), and the wide template's mapping.

- **Long**: the header ``indicator,unit,agency,period,value,numerator,denominator``, one value a row.
- **Wide**: one column per indicator, mapped by the collector's option ``wide``::

      {"unit": "Mã ĐVHC",                      # a column header, or {"value": "46"} for a constant
       "agency": {"value": ""},                # optional, like unit (default: no agency)
       "period": "Kỳ báo cáo",                  # like unit
       "columns": {"Số cuộc họp": "meetings_held"},            # column header → indicator code (its value)
       "ratios": {"meetings_online": {"numerator": "Họp trực tuyến", "denominator": "Số cuộc họp"}}}

Headers are matched after Unicode NFC, with runs of spaces as one and case ignored. A row becomes raw records (one a
value) that keep the file name, row number and the row's cells; :func:`fields_of` turns one into the named fields
``ioc.indicators.model.value_from_fields`` reads.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ioc.indicators.model import CODE_MAX, CODE_PATTERN

LONG_HEADER = ("indicator", "unit", "agency", "period", "value", "numerator", "denominator")
HEADER_CHARS = 200


def header_key(text: Any) -> str:
    """A header as compared: NFC, spaces collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFC", str(text if text is not None else "")).split()).casefold()


class Constant(BaseModel):
    """A value every row shares (``{"value": "46"}``)."""

    model_config = ConfigDict(extra="forbid")
    value: str = Field(max_length=HEADER_CHARS)


class RatioColumns(BaseModel):
    """The two columns of a ratio indicator."""

    model_config = ConfigDict(extra="forbid")
    numerator: str = Field(min_length=1, max_length=HEADER_CHARS)
    denominator: str = Field(min_length=1, max_length=HEADER_CHARS)


Place = str | Constant


def _check_code(code: str) -> str:
    if not CODE_PATTERN.fullmatch(code) or len(code) > CODE_MAX:
        raise ValueError(f"{code[:70]!r} is not an indicator code (lower-case letters, digits, '_' and '.')")
    return code


class WideMapping(BaseModel):
    """How a wide file's columns map to indicator values (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid")
    unit: Place
    agency: Place | None = None
    period: Place
    columns: dict[str, str] = Field(default_factory=dict, max_length=500)
    ratios: dict[str, RatioColumns] = Field(default_factory=dict, max_length=500)

    @field_validator("unit", "agency", "period")
    @classmethod
    def _place(cls, place: Place | None) -> Place | None:
        if isinstance(place, str) and not 0 < len(place.strip()) <= HEADER_CHARS:
            raise ValueError(f"a column header is 1 to {HEADER_CHARS} characters (or give {{'value': CONSTANT}})")
        return place

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: dict[str, str]) -> dict[str, str]:
        for header, code in columns.items():
            if not 0 < len(header.strip()) <= HEADER_CHARS:
                raise ValueError(f"a column header is 1 to {HEADER_CHARS} characters")
            _check_code(code)
        return columns

    @field_validator("ratios")
    @classmethod
    def _ratios(cls, ratios: dict[str, RatioColumns]) -> dict[str, RatioColumns]:
        for code in ratios:
            _check_code(code)
        return ratios

    @model_validator(mode="after")
    def _some_indicator(self) -> WideMapping:
        if not self.columns and not self.ratios:
            raise ValueError("map at least one column in 'columns' (header → indicator) or 'ratios'")
        codes = list(self.columns.values()) + list(self.ratios)
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"indicator {twice[0]!r} is mapped twice")
        return self

    def headers(self) -> list[str]:
        """Every column header the mapping reads."""
        places = [p for p in (self.unit, self.agency, self.period) if isinstance(p, str)]
        pairs = [header for ratio in self.ratios.values() for header in (ratio.numerator, ratio.denominator)]
        return list(dict.fromkeys([*places, *self.columns, *pairs]))


def is_long(header: list[Any]) -> bool:
    """Whether a header row is exactly the long template's."""
    return tuple(header_key(name) for name in header) == LONG_HEADER


def missing_columns(header: list[Any], mapping: WideMapping) -> list[str]:
    """The mapped headers a header row lacks."""
    present = {header_key(name) for name in header}
    return [name for name in mapping.headers() if header_key(name) not in present]


def long_raws(file: str, number: int, cells: list[Any]) -> Iterator[dict[str, Any]]:
    """A long row's one raw record."""
    padded = cells + [None] * (len(LONG_HEADER) - len(cells))
    yield {"file": file, "row": number, "cells": dict(zip(LONG_HEADER, padded, strict=False))}


def _empty(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value.strip())


class WideReader:
    """Turns a wide file's rows into raw records, one for each mapped indicator the row has a figure for."""

    def __init__(self, header: list[Any], mapping: WideMapping) -> None:
        self.names = [str(name) if name is not None else "" for name in header]
        index = {header_key(name): i for i, name in reversed(list(enumerate(self.names)))}
        self.mapping = mapping
        self.values = [(code, header, index[header_key(header)]) for header, code in mapping.columns.items()]
        self.ratios = [
            (code, ratio, index[header_key(ratio.numerator)], index[header_key(ratio.denominator)])
            for code, ratio in mapping.ratios.items()
        ]

    def raws(self, file: str, number: int, cells: list[Any]) -> Iterator[dict[str, Any]]:
        padded = cells + [None] * (len(self.names) - len(cells))
        row: dict[str, Any] = {}
        for i, name in enumerate(self.names):
            if name:
                row.setdefault(name, padded[i])
        base = {"file": file, "row": number, "cells": row}
        for code, header, at in self.values:
            if not _empty(padded[at]):
                yield {**base, "indicator": code, "column": header}
        for code, ratio, numerator_at, denominator_at in self.ratios:
            if not (_empty(padded[numerator_at]) and _empty(padded[denominator_at])):
                yield {**base, "indicator": code, "column": f"{ratio.numerator} / {ratio.denominator}"}


def _cell(cells: dict[str, Any], header: str) -> Any:
    if header in cells:
        return cells[header]
    wanted = header_key(header)
    return next((value for name, value in cells.items() if header_key(name) == wanted), None)


def _place(cells: dict[str, Any], place: Place | None) -> Any:
    if place is None:
        return None
    return place.value if isinstance(place, Constant) else _cell(cells, place)


def fields_of(raw: dict[str, Any], mapping: WideMapping | None) -> dict[str, Any]:
    """The named fields of one raw record (long: its cells; wide: through ``mapping``)."""
    cells = raw["cells"]
    if "indicator" not in raw or mapping is None:
        return dict(cells)
    code = raw["indicator"]
    fields = {
        "indicator": code,
        "unit": _place(cells, mapping.unit),
        "agency": _place(cells, mapping.agency),
        "period": _place(cells, mapping.period),
    }
    if code in mapping.ratios:
        ratio = mapping.ratios[code]
        fields["numerator"] = _cell(cells, ratio.numerator)
        fields["denominator"] = _cell(cells, ratio.denominator)
    else:
        header = next(header for header, mapped in mapping.columns.items() if mapped == code)
        fields["value"] = _cell(cells, header)
    return fields
