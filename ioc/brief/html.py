"""The brief as mail clients render it: one page of tables with inline styles only (no script, no class, no
external image, font or style sheet), and its plain-text alternative. Every value is escaped."""

from __future__ import annotations

from html import escape

from ioc.brief import words
from ioc.brief.figures import Block, Brief

FONT = "font-family:Arial,Helvetica,sans-serif;"
CELL = "padding:4px 8px;border-bottom:1px solid #dddddd;"
HEAD = "padding:4px 8px;background:#0b3d6e;color:#ffffff;text-align:left;"
TABLE = 'width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:14px;"'


def _table(headers: list[str], rows: list[tuple[str, ...]], right_from: int = 1) -> str:
    head = "".join(f'<th style="{HEAD}">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="{CELL}{"text-align:right;" if i >= right_from else ""}">{escape(cell)}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table {TABLE}><tr>{head}</tr>{body}</table>"


def _heading(text: str) -> str:
    return f'<h2 style="{FONT}font-size:16px;color:#0b3d6e;margin:18px 0 6px 0;">{escape(text)}</h2>'


def _paragraph(text: str, extra: str = "") -> str:
    return f'<p style="{FONT}font-size:14px;margin:4px 0;{extra}">{escape(text)}</p>'


def _block(name: str, block: Block) -> str:
    return _heading(f"{name} ({words.span(block.period)})") + _table(
        ["Chỉ tiêu", "Số liệu", f"Thay đổi ({words.compared_with(block)})"], words.block_rows(block)
    )


def render_html(brief: Brief) -> str:
    """The brief as one HTML page for e-mail."""
    title = words.title(brief)
    points, moved = words.index_line(brief)
    risks = [words.risk_row(brief, row) for row in brief.risks]
    parts = [
        f'<h1 style="{FONT}font-size:20px;color:#0b3d6e;margin:0 0 4px 0;">{escape(title)}</h1>',
        _paragraph(brief.province, "color:#555555;") if brief.province else "",
        _block("Ngày hôm qua", brief.yesterday),
        _block("Lũy kế tháng", brief.month),
        _heading("Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766)"),
        _table(["Điểm", f"Thay đổi ({words.compared_with(brief.month)})"], [(points, moved)], right_from=0),
        _heading("Hồ sơ có nguy cơ trễ hạn"),
        _paragraph(words.risk_note(brief)),
        _table(["Mã hồ sơ", "Cơ quan", "Hạn xử lý", "Xác suất trễ"], risks, right_from=2)
        if risks
        else _paragraph("Không có hồ sơ nào được dự báo."),
        _heading("Cảnh báo"),
        "".join(_paragraph(line) for line in words.alert_lines(brief)) or _paragraph("Không có cảnh báo."),
        _heading("Tình trạng dữ liệu"),
        "".join(_paragraph(line) for line in words.health_lines(brief)),
        _paragraph(words.footer(brief), "color:#777777;font-size:12px;margin-top:16px;"),
    ]
    body = "".join(parts)
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{escape(title)}</title></head>'
        f'<body style="margin:0;padding:0;background:#f4f4f4;">'
        f'<table width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f4;">'
        '<tr><td style="padding:12px 0;">'
        f'<table width="640" align="center" cellpadding="0" cellspacing="0" border="0" '
        f'style="max-width:640px;background:#ffffff;"><tr><td style="{FONT}padding:16px;color:#222222;">'
        f"{body}</td></tr></table></td></tr></table></body></html>"
    )


def _text_block(name: str, block: Block) -> list[str]:
    lines = [f"{name} ({words.span(block.period)}; thay đổi {words.compared_with(block)})"]
    lines += [f"  {label}: {amount} ({moved})" for label, amount, moved in words.block_rows(block)]
    return lines


def render_text(brief: Brief) -> str:
    """The brief as plain text (the e-mail's alternative)."""
    points, moved = words.index_line(brief)
    lines = [words.title(brief), brief.province, ""]
    lines += [*_text_block("Ngày hôm qua", brief.yesterday), ""]
    lines += [*_text_block("Lũy kế tháng", brief.month), ""]
    lines += [f"Chỉ số phục vụ (Quyết định 766): {points} ({moved})", ""]
    lines += ["Hồ sơ có nguy cơ trễ hạn: " + words.risk_note(brief)]
    lines += [f"  {code} — {agency} — hạn {due} — {chance}" for code, agency, due, chance in
              (words.risk_row(brief, row) for row in brief.risks)]  # fmt: skip
    lines += ["", "Cảnh báo:"]
    lines += [f"  {line}" for line in words.alert_lines(brief)] or ["  Không có cảnh báo."]
    lines += ["", "Tình trạng dữ liệu:"] + [f"  {line}" for line in words.health_lines(brief)]
    lines += ["", words.footer(brief)]
    return "\n".join(lines) + "\n"
