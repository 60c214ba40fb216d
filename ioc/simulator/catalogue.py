"""The catalogue of administrative procedures (thủ tục hành chính) the simulated province handles.

The list lives in ``procedures.csv`` beside this module: code in the national style (``1.00xxxx`` for procedures
handled at province level, ``2.00xxxx`` at commune level), name, field (lĩnh vực), level, handling agency (a provincial
agency code; empty at commune level, where each commune's People's Committee handles it), legal processing time in
working days, whether a fee is charged, the online service level (full: toàn trình, partial: một phần, none), and a
relative volume weight.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

CATALOGUE_FILE = "procedures.csv"
LEVELS = ("province", "commune")
ONLINE_LEVELS = ("full", "partial", "none")
#: Share of dossiers filed by businesses (LoaiDoiTuong 2), by field; other fields use ``DEFAULT_BUSINESS_SHARE``.
BUSINESS_SHARE = {
    "DKKD": 0.55,
    "DT": 0.9,
    "CTH": 0.6,
    "XD": 0.2,
    "DD": 0.06,
    "MT": 0.8,
    "KS": 0.95,
    "TNN": 0.75,
    "DL": 0.7,
    "YT": 0.4,
    "KHCN": 0.7,
    "GT": 0.15,
    "LDVL": 0.25,
    "NN": 0.35,
    "BTTP": 0.4,
    "VH": 0.3,
}
DEFAULT_BUSINESS_SHARE = 0.01
#: Share filed by state agencies (LoaiDoiTuong 3), by field.
AGENCY_SHARE = {"TDKT": 0.7, "LLTP": 0.04, "GDDT": 0.05, "TG": 0.1}
DEFAULT_AGENCY_SHARE = 0.005
OTHER_ORGANISATION_SHARE = 0.01
#: Probability that a dossier needs a supplement (yêu cầu bổ sung), by field.
SUPPLEMENT_SHARE = {"DD": 0.12, "XD": 0.12, "DT": 0.1, "KS": 0.1, "MT": 0.1, "TNN": 0.1, "HT": 0.015, "CT": 0.005}
DEFAULT_SUPPLEMENT_SHARE = 0.05
#: Probability that a fee-bearing dossier waits on a financial obligation (nghĩa vụ tài chính), by field.
FINANCIAL_SHARE = {"DD": 0.4, "XD": 0.15}
DEFAULT_FINANCIAL_SHARE = 0.03


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure. ``agency`` is None at commune level (the commune's People's Committee)."""

    code: str
    name: str
    field_code: str
    field_name: str
    level: str
    agency: str | None
    legal_days: int
    has_fee: bool
    online: str
    weight: float


def _parse(row: dict[str, str], line: int) -> Procedure:
    try:
        procedure = Procedure(
            code=row["code"].strip(),
            name=row["name"].strip(),
            field_code=row["field_code"].strip(),
            field_name=row["field_name"].strip(),
            level=row["level"].strip(),
            agency=row["agency"].strip() or None,
            legal_days=int(row["legal_days"]),
            has_fee=row["has_fee"].strip() == "1",
            online=row["online"].strip(),
            weight=float(row["weight"]),
        )
    except (KeyError, ValueError) as error:
        raise ValueError(f"{CATALOGUE_FILE}, line {line}: {error}") from None
    problems = [
        procedure.level not in LEVELS and "level",
        procedure.online not in ONLINE_LEVELS and "online",
        procedure.legal_days < 1 and "legal_days",
        procedure.weight <= 0 and "weight",
        (procedure.level == "province") != (procedure.agency is not None) and "agency",
        any(c in procedure.name for c in '"\\') and "name",
    ]
    bad = [problem for problem in problems if problem]
    if bad:
        raise ValueError(f"{CATALOGUE_FILE}, line {line}: bad {', '.join(bad)}")
    return procedure


@cache
def load_catalogue() -> tuple[Procedure, ...]:
    """The shipped procedures, in file order."""
    text = resources.files("ioc.simulator").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    procedures = tuple(_parse(row, line) for line, row in enumerate(csv.DictReader(text.splitlines()), start=2))
    codes = [p.code for p in procedures]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{CATALOGUE_FILE}: duplicate procedure codes")
    return procedures
