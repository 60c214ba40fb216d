"""Names for codes (units, agencies, fields, procedures), read from the warehouse and kept for a few minutes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from ioc.config import now_local
from ioc.geometry import map_layer
from ioc.warehouse.reference import reference_rows
from layouts import warehouse

KEEP_SECONDS = 300
CHANNELS = (1, 2, 3)
APPLICANT_TYPES = (1, 2, 3, 4)


@dataclass(frozen=True)
class Names:
    """Display names by code; the province first among units."""

    province_code: str
    province: str
    units: dict[str, str]
    agencies: dict[str, str]
    agencies_en: dict[str, str]
    provincial_agencies: frozenset[str]  # departments and offices at province level (not commune committees)
    fields: dict[str, str]
    procedures: dict[str, str]

    def of(self, by: str, lang: str) -> dict[str, str]:
        """Names for the keys of a breakdown."""
        if by == "agency":  # in English, the English name where the agency list has one
            return self.agencies | self.agencies_en if lang == "en" else self.agencies
        return {"unit": self.units, "field": self.fields, "procedure": self.procedures}.get(by, {})


_cache: dict[str, tuple[float, object]] = {}


def forget() -> None:
    """Drop what this process keeps, after a change the pages must show at once (other workers follow within
    :data:`KEEP_SECONDS`)."""
    _cache.clear()


def _kept(key: str, make):  # type: ignore[no-untyped-def]
    """``make()``, kept per warehouse for :data:`KEEP_SECONDS`."""
    key = f"{warehouse.engine().url}|{key}"
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is None or now - hit[0] > KEEP_SECONDS:
        hit = (now, make())
        _cache[key] = hit
    return hit[1]


def names() -> Names:
    return _kept("names", _read_names)  # type: ignore[no-any-return]


def commune_layer() -> tuple[dict, bool]:
    """The commune map's features (imported outlines or the schematic grid) and whether they are geographic."""

    def read() -> tuple[dict, bool]:
        with warehouse.engine().connect() as connection:
            return map_layer(connection, "commune")

    return _kept("commune_layer", read)  # type: ignore[no-any-return]


def _read_names() -> Names:
    with warehouse.engine().connect() as connection:
        rows = reference_rows(connection)
    units, agencies, procedures = rows.units, rows.agencies, rows.procedures
    province = next((row for row in units if row.level == "province"), None)
    return Names(
        province_code=province.code if province else "",
        province=province.name if province else "",
        units={row.code: row.name for row in units},
        agencies={row.code: row.name for row in agencies},
        agencies_en={row.code: row.name_en for row in agencies if row.name_en},
        provincial_agencies=frozenset(row.code for row in agencies if row.level == "province"),
        fields={row.field_code: row.field_name or row.field_code for row in procedures if row.field_code},
        procedures={row.code: row.name for row in procedures},
    )


def today() -> date:
    return now_local().date()
