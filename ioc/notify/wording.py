"""An alert's e-mail, in Vietnamese, worded from the notification's payload (numbers ``1.234,5``, days
``dd/mm/yyyy``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ioc.kpi.registry import KPI_BY_KEY

SCOPES = {"province": "toàn tỉnh", "unit": "đơn vị hành chính", "agency": "cơ quan"}
DIRECTIONS = {"above": "cao hơn", "below": "thấp hơn"}


def vi_number(value: float | int | None, decimals: int = 2) -> str:
    """``1234.5`` as ``1.234,5`` (trailing zeros of the decimals dropped); "—" for None."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}" if isinstance(value, float) else f"{value:,}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _subject_name(payload: dict[str, Any]) -> str:
    kpi = KPI_BY_KEY.get(payload.get("subject", ""))
    return kpi.name_vi if kpi else str(payload.get("subject", ""))


def _where(payload: dict[str, Any]) -> str:
    scope = SCOPES.get(payload.get("scope", ""), "")
    code = payload.get("code") or ""
    return f"{scope} {code}".strip()


def title(payload: dict[str, Any]) -> str:
    return f"[IOC] Cảnh báo: {payload.get('rule', '')}"


def text(payload: dict[str, Any]) -> str:
    """The e-mail's plain text."""
    day = date.fromisoformat(payload["day"])
    subject = _subject_name(payload)
    side = DIRECTIONS.get(payload.get("direction", ""), payload.get("direction", ""))
    if payload.get("condition") == "anomaly":
        what = (
            f"{subject} ({_where(payload)}) ngày {day:%d/%m/%Y} bất thường: {vi_number(payload.get('value'))}, "
            f"{side} mức dự kiến {vi_number(payload.get('expected'))}."
        )
    else:
        what = (
            f"{subject} ({_where(payload)}) đến ngày {day:%d/%m/%Y}: {vi_number(payload.get('value'))}, "
            f"{side} ngưỡng {vi_number(payload.get('threshold'))}."
        )
    return "\n".join(
        [
            f"Quy tắc cảnh báo «{payload.get('rule', '')}»:",
            what,
            "",
            f"Xem trên bảng điều khiển: {payload.get('url', '')}",
            "",
            "— IOC, Trung tâm giám sát, điều hành thông minh",
        ]
    )
