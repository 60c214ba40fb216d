"""The indicators IOC ships: the dossier KPIs (computed from dossiers) and the catalogue of ``domain/indicators.md``
(``ioc/reference/indicators.csv``: the "4 không", citizen feedback, socio-economic headlines, the portal's scores).

Their targets are the province's own: none is shipped; an admin sets them (``kpi_target``), until then "chưa đặt".
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from ioc.indicators.model import Indicator, check_indicator
from ioc.kpi.registry import KPIS

#: The screen group of each dossier KPI that belongs to one of the "4 không".
DOSSIER_PILLARS = {"online_rate": "procedures", "online_payment_rate": "payments"}


def dossier_indicators() -> tuple[Indicator, ...]:
    """The dossier KPIs as indicators: counts and ratios computed from the dossier aggregates."""
    return tuple(
        Indicator(
            code=kpi.key,
            name_vi=kpi.name_vi,
            name_en=kpi.name_en,
            unit="hồ sơ" if kpi.unit == "dossiers" else "%",
            aggregation="ratio" if kpi.is_rate else "count",
            direction="higher" if kpi.higher_is_better else "lower",
            origin="dossier",
            pillar=DOSSIER_PILLARS.get(kpi.key),
        )
        for kpi in KPIS
    )


@cache
def shipped_indicators() -> tuple[Indicator, ...]:
    """Every indicator IOC ships, the dossier KPIs first."""
    text = resources.files("ioc.reference").joinpath("indicators.csv").read_text(encoding="utf-8")
    listed = []
    for row in csv.DictReader(text.splitlines()):
        indicator = Indicator(
            code=row["code"],
            name_vi=row["name_vi"],
            name_en=row["name_en"],
            unit=row["unit"],
            aggregation=row["aggregation"],
            direction=row["direction"],
            units_add=row["units_add"] == "1",
            bounded=row["bounded"] == "1",
            origin="catalogue",
            pillar=row["pillar"] or None,
        )
        check_indicator(indicator)
        listed.append(indicator)
    shipped = (*dossier_indicators(), *listed)
    codes = [indicator.code for indicator in shipped]
    if len(codes) != len(set(codes)):
        raise ValueError("indicators.csv repeats a code or a dossier KPI's key")
    return shipped
