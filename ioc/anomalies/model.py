"""What an anomaly is: a day whose figure for one measure and scope falls far from its trend and weekly rhythm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: The daily measures watched: dossiers received, dossiers resolved, and the on-time rate of those resolved (%).
MEASURES = ("received", "resolved", "on_time_rate")
#: The scopes watched: the whole province, each unit (``unit_code``) and each agency (``agency_code``).
SCOPES = ("province", "unit", "agency")
DIRECTIONS = ("above", "below")


@dataclass(frozen=True)
class Anomaly:
    """One flagged day of one series."""

    day: date
    measure: str  # one of MEASURES
    scope: str  # "province" | "unit" | "agency"
    code: str  # province code, unit code or agency code
    value: float  # the day's observed value
    expected: float  # trend + season
    score: float  # residual / (1.4826 * MAD), signed
    direction: str  # "above" | "below"
