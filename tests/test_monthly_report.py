"""The simulator's monthly XLSX report, in the wide template, loaded by the demo's ``file-drop`` collector."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import func, select

from ioc.cli.demo_files import add_monthly_reports, ended_months
from ioc.config import load_settings
from ioc.simulator.monthly_report import monthly_workbook, report_name
from ioc.units import official_units
from ioc.warehouse import schema

VALUE = schema.IndicatorValue.__table__


def test_the_same_month_is_the_same_workbook_byte_for_byte():
    first, again = monthly_workbook("46", date(2026, 8, 1)), monthly_workbook("46", date(2026, 8, 1))
    assert hashlib.sha256(first).digest() == hashlib.sha256(again).digest()
    assert monthly_workbook("46", date(2026, 9, 1)) != first
    assert monthly_workbook("46", date(2026, 8, 1), seed=1) != first


def test_ended_months_stop_before_the_running_one():
    months = ended_months(date(2025, 11, 1), date(2026, 2, 14))
    assert months == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]


def test_the_demo_loads_every_monthly_report_without_a_rejection(warehouse):
    settings = load_settings()
    months = ended_months(date(2025, 1, 1), date(2025, 4, 1))
    add_monthly_reports(warehouse, settings, date(2025, 1, 1), today=date(2025, 4, 1))
    folder = settings.data_dir / "drop" / "monthly-report"
    assert sorted(p.name for p in (folder / "processed").iterdir()) == [report_name(month) for month in months]
    with warehouse.connect() as connection:
        by_indicator = dict(
            connection.execute(select(VALUE.c.indicator_code, func.count()).group_by(VALUE.c.indicator_code)).all()
        )
        rejected = connection.execute(select(func.count()).select_from(schema.Quarantine.__table__)).scalar_one()
    units = len(official_units(settings.province))
    assert rejected == 0
    assert by_indicator == {
        "meetings_held": units * 3,
        "meetings_online": units * 3,
        "meeting_points": units * 3,
        "budget_revenue": 3,
        "public_investment_disbursed": 3,
    }
    # a second start writes and loads nothing again
    add_monthly_reports(warehouse, settings, date(2025, 1, 1), today=date(2025, 4, 1))
    with warehouse.connect() as connection:
        runs = schema.CollectorRun.__table__
        last = connection.execute(select(runs.c.inserted).order_by(runs.c.id.desc()).limit(1)).scalar_one()
    assert last == 0
