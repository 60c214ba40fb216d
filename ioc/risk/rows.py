"""What ``at_risk`` answers: one row per predicted dossier, and the report around them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: Rows with a probability at least this are "likely to miss their due time" (the wall, the brief, ``ioc risk``).
LIKELY = 0.5


@dataclass(frozen=True)
class RiskRow:
    """A pending dossier due within the horizon, and the probability that it finishes after its due time."""

    ma_ho_so: str  # dossier.source_key
    agency: str | None  # agency_code
    unit: str  # unit_code
    procedure: str | None  # procedure_code
    field: str | None  # field_code
    received_at: datetime
    due: datetime  # due_at
    probability: float  # 0..1, P(finishes after due | still pending at as_of)
    basis: str  # "procedure" | "field" | "agency": whose history gave the estimate
    history: int  # how many past dossiers that history had


@dataclass(frozen=True)
class RiskReport:
    """The pending dossiers due in (as_of, as_of + horizon]: the predicted ones and how many were refused."""

    as_of: datetime
    horizon_days: int
    rows: list[RiskRow]  # predicted, probability desc, then due
    refused: int  # pending dossiers due in the horizon with too little history to predict (never guessed)
    min_history: int

    @property
    def likely(self) -> list[RiskRow]:
        """The rows likely to miss their due time (probability ≥ ``LIKELY``)."""
        return [row for row in self.rows if row.probability >= LIKELY]
