"""Official administrative units (after the 1/7/2025 reorganisation) and the province's agencies.

The 34 provinces come from PyPI ``vietnam-provinces``; their 3,321 communes (xã, phường, đặc khu) from the shipped
table ``ioc/reference/communes.csv``, which carries the statistics office's official codes and names and, for mapping,
each commune's code in ``vietnam-provinces`` 2025.10.1 (taken from the draft decision; 123 differ). Codes are kept as
the official zero-padded strings: two digits for a province (``"46"``), five for a commune. Agencies (cơ quan giải
quyết) are the provincial departments listed in a data file, plus one People's Committee per commune.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from vietnam_provinces import Province

from ioc.errors import IOCError

PROVINCE_LEVEL = "province"
COMMUNE_LEVEL = "commune"
AGENCIES_FILE = "agencies.csv"
AGENCY_COLUMNS = ("code", "name", "name_en", "kind")
COMMUNES_FILE = "communes.csv"


@dataclass(frozen=True)
class Unit:
    """An administrative unit: the province or one of its communes."""

    code: str
    name: str
    level: str
    division_type: str
    parent_code: str | None


@dataclass(frozen=True)
class CommuneCode:
    """A commune of the shipped table: its official code and name, and its code and name in the draft."""

    province_code: str
    code: str
    name: str
    division_type: str
    draft_code: str
    draft_name: str


@dataclass(frozen=True)
class Agency:
    """An agency that receives and resolves dossiers."""

    code: str
    name: str
    name_en: str
    kind: str
    level: str
    unit_code: str


def province_code(code: int) -> str:
    """The official two-digit string of a province code."""
    return f"{int(code):02d}"


def commune_code(code: int) -> str:
    """The official five-digit string of a commune code."""
    return f"{int(code):05d}"


def normalise_province_code(value: str | int) -> str:
    """Validate a province code (``"46"``, ``46`` or ``"046"``) and return its official form."""
    text = str(value).strip()
    valid = sorted(province_code(p.code) for p in Province.iter_all())
    if text.isdigit() and province_code(int(text)) in valid:
        return province_code(int(text))
    raise ValueError(f"unknown province code {text!r}; the official codes are {', '.join(valid)}")


def province_unit(code: str) -> Unit:
    """The province itself, as a unit."""
    province = Province.from_code(int(code))
    return Unit(
        code=province_code(province.code),
        name=province.name,
        level=PROVINCE_LEVEL,
        division_type=province.division_type.value,
        parent_code=None,
    )


@cache
def _commune_table() -> tuple[CommuneCode, ...]:
    text = resources.files("ioc.reference").joinpath(COMMUNES_FILE).read_text(encoding="utf-8")
    return tuple(CommuneCode(**row) for row in csv.DictReader(text.splitlines()))


def commune_codes(code: str) -> list[CommuneCode]:
    """The province's communes in the shipped table, ordered by official code."""
    province = province_code(int(code))
    return [commune for commune in _commune_table() if commune.province_code == province]


def draft_codes(code: str) -> dict[str, str]:
    """Each commune's code in ``vietnam-provinces`` 2025.10.1 (the draft decision's) → its official code."""
    return {commune.draft_code: commune.code for commune in commune_codes(code)}


def communes(code: str) -> list[Unit]:
    """The province's communes with their official codes and names, ordered by code."""
    return [
        Unit(
            code=commune.code,
            name=commune.name,
            level=COMMUNE_LEVEL,
            division_type=commune.division_type,
            parent_code=commune.province_code,
        )
        for commune in commune_codes(code)
    ]


def official_units(code: str) -> list[Unit]:
    """The province followed by its communes."""
    return [province_unit(code), *communes(code)]


def _read_agency_rows(path: Path | None) -> Iterator[dict[str, str]]:
    if path is not None:
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)
        return
    text = resources.files("ioc.reference").joinpath(AGENCIES_FILE).read_text(encoding="utf-8")
    yield from csv.DictReader(text.splitlines())


def provincial_agencies(code: str, data_dir: Path | None = None) -> list[Agency]:
    """The province's departments: ``agencies.csv`` in the data folder if there is one, else the shipped list."""
    override = data_dir / AGENCIES_FILE if data_dir is not None else None
    path = override if override is not None and override.is_file() else None
    agencies = []
    for line, row in enumerate(_read_agency_rows(path), start=2):
        missing = [column for column in AGENCY_COLUMNS if not (row.get(column) or "").strip()]
        if missing:
            source = path or f"the shipped {AGENCIES_FILE}"
            raise IOCError(f"{source}, line {line}: missing {', '.join(missing)}")
        agencies.append(
            Agency(
                code=row["code"].strip(),
                name=row["name"].strip(),
                name_en=row["name_en"].strip(),
                kind=row["kind"].strip(),
                level=PROVINCE_LEVEL,
                unit_code=code,
            )
        )
    codes = [agency.code for agency in agencies]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise IOCError(f"{AGENCIES_FILE}: duplicate agency codes {', '.join(duplicates)}")
    return agencies


def commune_committee_code(unit_code: str) -> str:
    """The agency code of a commune's People's Committee (UBND xã/phường)."""
    return f"UBND-{unit_code}"


def commune_committees(code: str) -> list[Agency]:
    """One People's Committee per commune of the province."""
    return [
        Agency(
            code=commune_committee_code(unit.code),
            name=f"UBND {unit.name}",
            name_en=f"People's Committee of {unit.name}",
            kind="commune_committee",
            level=COMMUNE_LEVEL,
            unit_code=unit.code,
        )
        for unit in communes(code)
    ]


def all_agencies(code: str, data_dir: Path | None = None) -> list[Agency]:
    """Provincial departments followed by the commune People's Committees."""
    return [*provincial_agencies(code, data_dir), *commune_committees(code)]
