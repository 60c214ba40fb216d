"""Numbers and dates as the users read them: the pure functions live in :mod:`ioc.formatting` (the daily brief uses
them too); Plotly's separators are the pages' own."""

from __future__ import annotations

from ioc.formatting import LOCALES, day, moment, number, percent, signed

__all__ = ["LOCALES", "PLOTLY_SEPARATORS", "day", "moment", "number", "percent", "signed"]

#: Plotly's ``separators``: the decimal mark, then the thousands mark.
PLOTLY_SEPARATORS = {"vi": ",.", "en": ".,"}
