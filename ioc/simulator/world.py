"""The simulated province: its units and agencies from ``ioc.units``, the catalogue, and what differs between them.

Communes are weighted by kind (urban phường bigger than rural xã) with a random spread; each agency has its own
chance of finishing late: a few are chronically late (20–35 %), most are late 2–8 % of the time.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ioc.simulator.catalogue import (
    AGENCY_SHARE,
    BUSINESS_SHARE,
    DEFAULT_AGENCY_SHARE,
    DEFAULT_BUSINESS_SHARE,
    DEFAULT_FINANCIAL_SHARE,
    DEFAULT_SUPPLEMENT_SHARE,
    FINANCIAL_SHARE,
    SUPPLEMENT_SHARE,
    Procedure,
    load_catalogue,
)
from ioc.units import COMMUNE_LEVEL, Agency, all_agencies, communes, province_unit

#: Relative size of a commune by its division type.
DIVISION_WEIGHT = {"phường": 2.5, "xã": 1.0, "đặc khu": 0.6}
#: Relative chance of an online submission, by the procedure's online service level.
ONLINE_WEIGHT = {"full": 1.0, "partial": 0.6, "none": 0.0}
CHRONICALLY_LATE_PROVINCIAL = 3
CHRONICALLY_LATE_COMMUNE_SHARE = 0.1


def stream(seed: int, province: str, *labels: int | str) -> np.random.Generator:
    """An independent, reproducible random stream for (seed, province, labels)."""
    words = [int(seed) & 0xFFFFFFFF, int(province)]
    words += [label if isinstance(label, int) else zlib.crc32(label.encode()) for label in labels]
    return np.random.default_rng(np.random.SeedSequence(words))


@dataclass(frozen=True)
class World:
    """Units, agencies and procedures as arrays the generator indexes."""

    province: str
    other_province: str
    agencies: tuple[Agency, ...]
    agency_codes: tuple[str, ...]
    agency_units: tuple[str, ...]
    commune_agencies: np.ndarray
    commune_weights: np.ndarray
    late_share: np.ndarray
    procedures: tuple[Procedure, ...]
    procedure_commune: np.ndarray
    procedure_agency: np.ndarray
    legal_days: np.ndarray
    has_fee: np.ndarray
    fully_online: np.ndarray
    online_weights: np.ndarray
    desk_weights: np.ndarray
    business_share: np.ndarray
    state_agency_share: np.ndarray
    supplement_share: np.ndarray
    financial_share: np.ndarray


def _normalised(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _late_shares(agencies: list[Agency], rng: np.random.Generator) -> np.ndarray:
    provincial = np.array([a.level != COMMUNE_LEVEL for a in agencies])
    shares = rng.uniform(0.02, 0.08, size=len(agencies))
    chronic = rng.uniform(0.20, 0.35, size=len(agencies))
    chosen = np.zeros(len(agencies), dtype=bool)
    candidates = np.flatnonzero(provincial)
    chosen[rng.choice(candidates, size=min(CHRONICALLY_LATE_PROVINCIAL, len(candidates)), replace=False)] = True
    chosen |= ~provincial & (rng.random(len(agencies)) < CHRONICALLY_LATE_COMMUNE_SHARE)
    return np.where(chosen, chronic, shares)


def build_world(province: str, seed: int) -> World:
    """The province as the simulator sees it, for this seed."""
    agencies = all_agencies(province)
    index = {agency.code: i for i, agency in enumerate(agencies)}
    units = communes(province)
    rng = stream(seed, province, "world")
    spread = rng.lognormal(0.0, 0.35, size=len(units))
    commune_weights = np.array([DIVISION_WEIGHT.get(u.division_type, 1.0) for u in units]) * spread
    procedures = load_catalogue()
    missing = sorted({p.agency for p in procedures if p.agency and p.agency not in index})
    if missing:
        raise ValueError(f"the catalogue names agencies the province lacks: {', '.join(missing)}")
    fields = [p.field_code for p in procedures]
    weights = np.array([p.weight for p in procedures])
    online = np.array([ONLINE_WEIGHT[p.online] for p in procedures])
    others = [code for code in ("01", "79", "48", "46") if code != province]
    return World(
        province=province_unit(province).code,
        other_province=others[0],
        agencies=tuple(agencies),
        agency_codes=tuple(a.code for a in agencies),
        agency_units=tuple(a.unit_code for a in agencies),
        commune_agencies=np.array([index[f"UBND-{u.code}"] for u in units], dtype=np.int16),
        commune_weights=_normalised(commune_weights),
        late_share=_late_shares(agencies, rng),
        procedures=procedures,
        procedure_commune=np.array([p.level == COMMUNE_LEVEL for p in procedures]),
        procedure_agency=np.array([index.get(p.agency or "", -1) for p in procedures], dtype=np.int16),
        legal_days=np.array([p.legal_days for p in procedures], dtype=np.int64),
        has_fee=np.array([p.has_fee for p in procedures]),
        fully_online=np.array([p.online == "full" for p in procedures]),
        online_weights=_normalised(weights * online),
        desk_weights=_normalised(weights),
        business_share=np.array([BUSINESS_SHARE.get(f, DEFAULT_BUSINESS_SHARE) for f in fields]),
        state_agency_share=np.array([AGENCY_SHARE.get(f, DEFAULT_AGENCY_SHARE) for f in fields]),
        supplement_share=np.array([SUPPLEMENT_SHARE.get(f, DEFAULT_SUPPLEMENT_SHARE) for f in fields]),
        financial_share=np.array([FINANCIAL_SHARE.get(f, DEFAULT_FINANCIAL_SHARE) for f in fields]),
    )
