"""Dossiers at risk (hồ sơ có nguy cơ trễ hạn): for every pending dossier due soon, the probability that it finishes
after its due time, from Kaplan–Meier curves of its own procedure's, field's or agency's history (``model``), with
refusals where the history is too thin."""

from ioc.risk.model import MIN_HISTORY
from ioc.risk.report import at_risk
from ioc.risk.rows import LIKELY, RiskReport, RiskRow

__all__ = ["LIKELY", "MIN_HISTORY", "RiskReport", "RiskRow", "at_risk"]
