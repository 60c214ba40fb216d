"""The brief's words, in Vietnamese, and its figures as text (``1.234,5``, ``dd/mm/yyyy``): one place, so the HTML,
the plain text and the PDF say the same thing."""

from __future__ import annotations

from ioc.alerts import Alert
from ioc.brief.figures import Block, Brief
from ioc.formatting import day, moment, number, percent, signed
from ioc.kpi.periods import Period
from ioc.risk import RiskRow

LANG = "vi"
TITLE = "Bản tin điều hành ngày {day}"
LABELS = {
    "received": "Hồ sơ tiếp nhận",
    "resolved": "Hồ sơ đã giải quyết",
    "on_time_rate": "Tỷ lệ giải quyết đúng hạn",
    "online_rate": "Tỷ lệ hồ sơ trực tuyến",
    "pending_overdue": "Đang giải quyết quá hạn",
}
RATES = ("on_time_rate", "online_rate")
ALERTS = {
    "overdue_backlog": "{subject}: {value} hồ sơ đang giải quyết đã quá hạn (hôm trước {previous})",
    "on_time_drop": "{subject}: tỷ lệ đúng hạn 30 ngày qua {value} %, giảm từ {previous} %",
    "received_drop": "{subject}: hồ sơ tiếp nhận 7 ngày qua {value}, giảm mạnh so với {previous} (kiểm tra thu thập)",
    "collector_failing": "Bộ thu thập {subject}: lần chạy gần nhất bị lỗi",
    "collector_stale": "Bộ thu thập {subject}: dữ liệu chưa được cập nhật đúng lịch",
}
SEVERITY = {"red": "Đỏ", "amber": "Vàng"}
#: Alerts listed in the brief at most.
MAX_ALERTS = 8


def title(brief: Brief) -> str:
    return TITLE.format(day=day(brief.day))


def subject(brief: Brief) -> str:
    """The e-mail's subject."""
    return f"{title(brief)} — {brief.province}" if brief.province else title(brief)


def span(period: Period) -> str:
    if period.days == 1:
        return day(period.start)
    return f"{day(period.start)} – {day(period.last_day)}"


def value(key: str, amount: int | float | None) -> str:
    return percent(amount, LANG) if key in RATES else number(amount, LANG)


def change(key: str, amount: int | float | None) -> str:
    """A change with its sign: percentage points for rates, dossiers for counts."""
    if amount is None:
        return "–"
    return f"{signed(amount, LANG, 2)} điểm %" if key in RATES else signed(amount, LANG)


def block_rows(block: Block) -> list[tuple[str, str, str]]:
    """(label, value, change) per measure."""
    return [(LABELS[key], value(key, block.values[key]), change(key, block.change[key])) for key in LABELS]


def compared_with(block: Block) -> str:
    return "so với " + span(block.compared) if block.compared else "không có kỳ so sánh"


def index_line(brief: Brief) -> tuple[str, str]:
    """The index's points (of those IOC could compute) and its change."""
    figure = brief.index
    points = f"{number(figure.points, LANG, 2)} / {number(figure.computable, LANG, 0)} điểm"
    moved = "–" if figure.change is None else f"{signed(figure.change, LANG, 2)} điểm"
    return points, moved


def risk_row(brief: Brief, row: RiskRow) -> tuple[str, str, str, str]:
    """(dossier, agency, due, probability)."""
    agency = brief.agencies.get(row.agency or "", row.agency or "–")
    return row.ma_ho_so, agency, moment(row.due), percent(100 * row.probability, LANG, 1)


def alert_line(brief: Brief, alert: Alert) -> str:
    if alert.subject_kind == "agency":
        who = brief.agencies.get(alert.subject_code, alert.subject_code)
    elif alert.subject_kind in ("province", "unit"):
        who = brief.units.get(alert.subject_code, alert.subject_code) or "Toàn tỉnh"
    else:
        who = alert.subject_code
    decimals = 2 if alert.kind == "on_time_drop" else 0
    text = ALERTS.get(alert.kind, alert.kind + ": {subject}").format(
        subject=who, value=number(alert.value, LANG, decimals), previous=number(alert.previous, LANG, decimals)
    )
    return f"[{SEVERITY[alert.severity]}] {text}"


def alert_lines(brief: Brief, limit: int = MAX_ALERTS) -> list[str]:
    """The alerts, red first, at most ``limit`` (then how many more), so the brief stays one page."""
    lines = [alert_line(brief, alert) for alert in brief.alerts[:limit]]
    if len(brief.alerts) > limit:
        lines.append(f"… và {number(len(brief.alerts) - limit, LANG)} cảnh báo khác")
    return lines


def health_lines(brief: Brief) -> list[str]:
    found = brief.health
    lines = [f"Bộ thu thập đang hoạt động: {number(found.collectors, LANG)}"]
    lines.append("Lỗi (đỏ): " + (", ".join(found.red) if found.red else "không có"))
    lines.append("Cần chú ý (vàng): " + (", ".join(found.amber) if found.amber else "không có"))
    lines.append(f"Lần thu thập thành công gần nhất: {moment(found.last_success)}")
    lines.append(f"Số liệu cập nhật lúc: {moment(found.updated_at)}")
    return lines


def risk_note(brief: Brief) -> str:
    text = f"{number(brief.likely, LANG)} hồ sơ có khả năng trễ hạn trong 7 ngày tới"
    if brief.refused:
        text += f"; {number(brief.refused, LANG)} hồ sơ chưa đủ lịch sử để dự báo"
    return text


def footer(brief: Brief) -> str:
    return f"Số liệu tính đến {moment(brief.moment)} — IOC, Trung tâm giám sát, điều hành thông minh"
