"""The dashboard's pure parts: translations, number and date formats, the explorer's URL view, period comparisons."""

from __future__ import annotations

import ast
from datetime import date, datetime
from pathlib import Path

import pytest

from ioc.kpi.overview import month_to_date, same_days_before, trend_period
from ioc.kpi.periods import Period
from layouts import formatting
from layouts.i18n import LANGUAGES, catalogue, t
from layouts.view import View, parse

LAYOUTS = Path(__file__).resolve().parents[1] / "layouts"


def test_every_language_has_every_string():
    keys = {lang: set(catalogue(lang)) for lang in LANGUAGES}
    assert keys["vi"] == keys["en"]
    for lang in LANGUAGES:
        assert all(text.strip() for text in catalogue(lang).values())


def test_every_literal_key_the_pages_use_exists():
    used = set()
    for path in LAYOUTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_t = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "t"
            if is_t and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                used.add(node.args[1].value)
    assert len(used) > 30
    assert used - set(catalogue("vi")) == set()


def test_a_missing_key_is_an_error_not_a_blank():
    with pytest.raises(KeyError):
        t("vi", "no.such.key")
    assert t("fr", "filter.clear") == "Xóa bộ lọc"  # an unknown language falls back to Vietnamese


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1234.5, "vi", 1, "1.234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (1234567, "vi", 0, "1.234.567"),
        (0, "vi", 0, "0"),
        (None, "vi", 0, "–"),
    ],
)
def test_numbers(value, lang, decimals, expected):
    assert formatting.number(value, lang, decimals) == expected


def test_rates_changes_and_dates():
    assert formatting.percent(92.7, "vi") == "92,70 %"
    assert formatting.percent(None, "vi") == "–"
    assert formatting.signed(-2.5, "vi", 2) == "−2,50"
    assert formatting.signed(1234, "vi") == "+1.234"
    assert formatting.signed(0, "vi") == "0"
    assert formatting.day(date(2026, 3, 9)) == "09/03/2026"
    assert formatting.moment(datetime(2026, 3, 9, 7, 5)) == "07:05 09/03/2026"


def test_a_view_survives_the_url():
    view = View(
        lang="en",
        preset="custom",
        first=date(2026, 10, 1),
        last=date(2026, 10, 31),
        unit="46001",
        channel=2,
        applicant_type=1,
        by="field",
        kpi="online_rate",
    )
    query = view.query()
    params = dict(pair.split("=") for pair in query.lstrip("?").split("&"))
    assert parse(params) == view
    assert View().query() == ""  # the default view is the bare page


@pytest.mark.parametrize(
    "params",
    [
        {"unit": "1' OR '1'='1"},
        {"agency": "<script>alert(1)</script>"},
        {"channel": "9"},
        {"channel": "2; DROP TABLE dossier"},
        {"by": "password"},
        {"kpi": "__class__"},
        {"preset": "custom", "from": "2026-13-01", "to": "2026-10-31"},
        {"preset": "custom", "from": "2026-10-31", "to": "2026-10-01"},
    ],
)
def test_invalid_url_values_fall_back_to_the_default(params):
    assert parse(params) == View()


def test_presets_and_their_comparisons():
    today = date(2026, 11, 26)
    assert View(preset="month").period(today) == Period(date(2026, 11, 1), date(2026, 11, 27))
    # Comparisons line up on working days (ioc.kpi.display_period): 1–26 November 2026 holds 19 working days, as
    # do 1–27 October (the same days of October would hold 18).
    assert View(preset="month").compare_with(today) == Period(date(2026, 10, 1), date(2026, 10, 28))
    assert View(preset="last_month").period(today) == Period(date(2026, 10, 1), date(2026, 11, 1), "month")
    # October's 22 working days against all of September's 20 (1 and 2 September are holidays).
    assert View(preset="last_month").compare_with(today) == Period(date(2026, 9, 1), date(2026, 10, 1), "month")
    assert View(preset="quarter").compare_with(today) == Period(date(2026, 7, 1), date(2026, 8, 27))  # 41 each
    assert View(preset="year").compare_with(today) == Period(date(2025, 1, 1), date(2025, 11, 27))
    assert View(preset="last_30").period(today) == Period(date(2026, 10, 28), date(2026, 11, 27))
    # The 30 days to 26 November (22 working days) against the 22 working days just before, not 30 raw days.
    assert View(preset="last_30").compare_with(today) == Period(date(2026, 9, 28), date(2026, 10, 28))
    assert View(preset="custom", first=date(2026, 11, 2), last=date(2026, 11, 8)).compare_with(today) is None


def test_month_to_date_compares_with_the_same_days_of_last_month():
    assert month_to_date(date(2026, 3, 31)) == (
        Period(date(2026, 3, 1), date(2026, 4, 1), "month"),
        Period(date(2026, 2, 1), date(2026, 3, 1), "month"),  # cut at February's end
    )
    assert month_to_date(date(2026, 3, 1)) == (
        Period(date(2026, 3, 1), date(2026, 3, 2)),
        Period(date(2026, 2, 1), date(2026, 2, 2)),
    )
    # The thirty days of May 1–30 compare with the thirty days of April: all of it; May 1–29 with April 1–29.
    may_1_to_30, may_1_to_29 = Period(date(2026, 5, 1), date(2026, 5, 31)), Period(date(2026, 5, 1), date(2026, 5, 30))
    assert same_days_before(may_1_to_30, 1) == Period(date(2026, 4, 1), date(2026, 5, 1), "month")
    assert same_days_before(may_1_to_29, 1) == Period(date(2026, 4, 1), date(2026, 4, 30))
    assert trend_period(date(2026, 11, 26)) == Period(date(2025, 12, 1), date(2026, 11, 27))
