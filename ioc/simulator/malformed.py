"""Malformed records: each breaks exactly one validation rule of the dossier-source contract.

Which records are malformed, and how, is drawn with the dossier (``Dossiers.malformed`` and ``variant``), so the same
configuration serves the same broken records. NgayCapNhat always stays a valid time, so a broken record still sorts
into its window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

TIME_FORMAT = "%Y%m%d%H%M%S"
BAD_DATES = ("2024-13-45", "abc", "20241345250000", "31/02/2024")
BAD_CHANNELS = (0, 4, 7, 9)
BAD_STATUSES = (0, 11, 12, 99)


def _shifted(text: str, days: int) -> str:
    return (datetime.strptime(text, TIME_FORMAT) + timedelta(days=days)).strftime(TIME_FORMAT)


def corrupt(record: dict[str, Any], kind: str, variant: int, other_province: str) -> dict[str, Any]:
    """A copy of ``record`` broken in the way ``kind`` names (see ``generate.MALFORMED_KINDS``)."""
    broken = dict(record)
    if kind == "missing_key":
        if variant % 2:
            broken["MaHoSo"] = ""
        else:
            del broken["MaHoSo"]
    elif kind == "bad_date":
        field = "NgayHenTra" if variant % 2 else "NgayTiepNhan"
        broken[field] = BAD_DATES[variant]
    elif kind == "due_before_received":
        broken["NgayHenTra"] = _shifted(record["NgayTiepNhan"], -1 - variant)
    elif kind == "finished_before_received":
        broken["NgayKetThucXuLy"] = _shifted(record["NgayTiepNhan"], -1 - variant)
        if broken["TrangThaiHoSo"] not in (9, 10):
            broken["TrangThaiHoSo"], broken["NgayTra"] = 9, None
    elif kind == "bad_channel":
        broken["KenhThucHien"] = BAD_CHANNELS[variant]
    elif kind == "bad_status":
        broken["TrangThaiHoSo"] = BAD_STATUSES[variant]
    elif kind == "unknown_unit":
        broken["MaDVHC"] = ("99999", "00000", other_province, "ABCDE")[variant]
    elif kind == "finished_without_end":
        broken["TrangThaiHoSo"] = 10 if variant % 2 and record["NgayTra"] else 9
        broken["NgayKetThucXuLy"] = None
    else:
        raise ValueError(f"unknown malformed kind {kind!r}")
    return broken
