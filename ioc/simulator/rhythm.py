"""How many dossiers arrive on a day, and the slow trends: online share, digitisation, online payment, growth.

Trends are piecewise linear in time between anchor years (``np.interp``): online dossiers rise from about 30 % in
2023 to about 65 % by late 2026; digitisation at reception and online payment rise alongside.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ioc.simulator.work_calendar import HOLIDAY, NO_TET, SUNDAY, TET, WorkCalendar, day_date, day_number

REFERENCE_DAY = day_number(date(2023, 1, 1))
YEAR_DAYS = 365.25
ANNUAL_GROWTH = 1.05
#: Anchor (years after 1/1/2023, value) pairs of the trends.
ONLINE_SHARE = ((-4.0, 0.08), (0.0, 0.30), (3.9, 0.65), (8.0, 0.80), (13.0, 0.85))
DIGITISED_SHARE = ((-2.0, 0.05), (0.0, 0.35), (2.0, 0.70), (4.0, 0.90), (13.0, 0.95))
ONLINE_PAYMENT_ONLINE = ((-2.0, 0.20), (0.0, 0.45), (3.5, 0.80), (13.0, 0.90))
ONLINE_PAYMENT_DESK = ((-2.0, 0.02), (0.0, 0.06), (3.5, 0.20), (13.0, 0.35))
POSTAL_SHARE = 0.035
#: Relative volume by weekday (Monday first): online arrivals continue at weekends, desks open Saturday mornings only.
ONLINE_BY_WEEKDAY = (1.08, 1.02, 1.0, 0.98, 0.92, 0.35, 0.22)
DESK_BY_WEEKDAY = (1.12, 1.02, 1.0, 0.97, 0.90, 0.12, 0.0)
ONLINE_ON_HOLIDAY = 0.25
ONLINE_AT_TET = 0.08
#: Online arrivals by hour of day (relative), for dossiers submitted on the portal.
ONLINE_HOURS = np.array(
    [
        [0.15, 0.08, 0.05, 0.04, 0.05, 0.12, 0.35, 0.8, 1.3, 1.5, 1.5, 1.3],
        [0.9, 0.8, 1.2, 1.4, 1.4, 1.2, 0.9, 0.8, 0.9, 0.9, 0.7, 0.4],
    ]
).ravel()


def years_since_reference(day: int) -> float:
    return (day - REFERENCE_DAY) / YEAR_DAYS


def _trend(anchors: tuple[tuple[float, float], ...], day: int) -> float:
    xs, ys = zip(*anchors, strict=True)
    return float(np.interp(years_since_reference(day), xs, ys))


def online_share(day: int) -> float:
    """Share of a day's dossiers submitted online (KenhThucHien 2), before weekday effects."""
    return _trend(ONLINE_SHARE, day)


def digitised_share(day: int) -> float:
    return _trend(DIGITISED_SHARE, day)


def online_payment_share(day: int, online: bool) -> float:
    """Share of fee-bearing dossiers paid online (ThanhToanTrucTuyen 1)."""
    return _trend(ONLINE_PAYMENT_ONLINE if online else ONLINE_PAYMENT_DESK, day)


def _tet_factor(offset: int) -> float:
    if offset == NO_TET:
        return 1.0
    if -14 <= offset <= -3:
        return 1.15  # the rush to finish papers before Tết
    if 5 <= offset <= 12:
        return 0.8  # the slow restart after it
    return 1.0


def expected_arrivals(calendar: WorkCalendar, day: int, daily_volume: int) -> tuple[float, float]:
    """Mean numbers of (online, desk or postal) dossiers arriving on ``day``."""
    base = daily_volume * ANNUAL_GROWTH ** years_since_reference(day)
    base *= 1.08 if day_date(day).month == 12 else 1.0  # the year-end rush
    base *= _tet_factor(calendar.tet_offset(day))
    share = online_share(day)
    weekday = (day + 3) % 7
    online = base * share * ONLINE_BY_WEEKDAY[weekday]
    desk = base * (1.0 - share) * DESK_BY_WEEKDAY[weekday]
    kind = int(calendar.kind(day))
    if kind == HOLIDAY:
        online, desk = online * ONLINE_ON_HOLIDAY, 0.0
    elif kind == TET:
        online, desk = online * ONLINE_AT_TET, 0.0
    elif kind == SUNDAY:
        desk = 0.0
    return online, desk


def online_hour_weights() -> np.ndarray:
    return ONLINE_HOURS / ONLINE_HOURS.sum()
