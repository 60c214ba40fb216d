"""Numbers and dates as the users read them: ``1.234,5`` and ``dd/mm/yyyy`` in Vietnamese, ``1,234.5`` in English.

Pure functions, so the core (the daily brief) and the pages (:mod:`layouts.formatting`) show one figure alike."""

from __future__ import annotations

from datetime import date, datetime

from babel.numbers import format_decimal

LOCALES = {"vi": "vi_VN", "en": "en_US"}


def number(value: float | None, lang: str, decimals: int = 0) -> str:
    """A count or a rate with exactly ``decimals`` decimals; an en dash for no value."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALES.get(lang, "vi_VN"))


def percent(value: float | None, lang: str, decimals: int = 2) -> str:
    """A rate as computed (two decimals, as ``ioc kpi`` and the API give it), so every surface shows one figure."""
    return "–" if value is None else f"{number(value, lang, decimals)} %"


def signed(value: float | None, lang: str, decimals: int = 0) -> str:
    """A change with its sign: ``+1.234``, ``−2,5``; an en dash for no value."""
    if value is None:
        return "–"
    text = number(abs(value), lang, decimals)
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def day(value: date | None) -> str:
    return "–" if value is None else value.strftime("%d/%m/%Y")


def moment(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%H:%M %d/%m/%Y")
