"""The brief as a one-page A4 PDF (reportlab), in DejaVu Sans, shipped in ``ioc/brief/fonts`` and embedded in the
file, so Vietnamese prints right with no system font and no network."""

from __future__ import annotations

from functools import cache
from importlib import resources
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from ioc.brief import words
from ioc.brief.figures import Block, Brief

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
BLUE = colors.HexColor("#0b3d6e")
MARGIN = 14 * mm
WIDTH = A4[0] - 2 * MARGIN


@cache
def register_fonts() -> None:
    """Register the shipped DejaVu Sans (regular and bold) with reportlab, once."""
    folder = resources.files("ioc.brief").joinpath("fonts")
    for name, file in ((FONT, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        with resources.as_file(folder.joinpath(file)) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, bulletFontName=FONT)
    return {
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=17, leading=21, textColor=BLUE),
        "sub": ParagraphStyle(
            "sub", base, fontName=FONT, fontSize=10, leading=13, textColor=colors.HexColor("#555555")
        ),
        "head": ParagraphStyle("head", base, fontName=BOLD, fontSize=11.5, leading=14, textColor=BLUE, spaceBefore=6),
        "body": ParagraphStyle("body", base, fontName=FONT, fontSize=9.5, leading=12),
        "foot": ParagraphStyle(
            "foot", base, fontName=FONT, fontSize=8, leading=10, textColor=colors.HexColor("#777777")
        ),
    }


def _table(rows: list[tuple[str | Flowable, ...]], widths: list[float], right_from: int | None = 1) -> Table:
    table = Table([list(row) for row in rows], colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9.5),
                ("FONT", (0, 0), (-1, 0), BOLD, 9.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("BACKGROUND", (0, 0), (-1, 0), BLUE),
                *([("ALIGN", (right_from, 0), (-1, -1), "RIGHT")] if right_from is not None else []),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#cccccc")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _block(name: str, block: Block, style: dict[str, ParagraphStyle]) -> list[Flowable]:
    rows = [("Chỉ tiêu", "Số liệu", "Thay đổi"), *words.block_rows(block)]
    return [
        Paragraph(escape(f"{name} ({words.span(block.period)})"), style["head"]),
        Paragraph(escape(f"Thay đổi {words.compared_with(block)}"), style["sub"]),
        _table(rows, [0.52 * WIDTH, 0.24 * WIDTH, 0.24 * WIDTH]),
    ]


#: The alerts listed at most, tried in turn until the brief fits one page (the rest are counted).
ALERT_LIMITS = (words.MAX_ALERTS, 5, 3, 1, 0)


def render_pdf(brief: Brief) -> bytes:
    """The brief as the bytes of a one-page A4 PDF: when the alerts would push it onto a second page, fewer are
    listed (and the others counted)."""
    register_fonts()
    for limit in ALERT_LIMITS:
        content, pages = _build(brief, limit)
        if pages == 1:
            break
    return content


def _build(brief: Brief, alert_limit: int) -> tuple[bytes, int]:
    """The PDF listing at most ``alert_limit`` alerts, and its number of pages."""
    style = _styles()
    points, moved = words.index_line(brief)
    story: list[Flowable] = [Paragraph(escape(words.title(brief)), style["title"])]
    if brief.province:
        story.append(Paragraph(escape(brief.province), style["sub"]))
    story += _block("Ngày hôm qua", brief.yesterday, style)
    story += _block("Lũy kế tháng", brief.month, style)
    story.append(Paragraph("Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766)", style["head"]))
    story.append(
        _table([("Điểm", f"Thay đổi ({words.compared_with(brief.month)})"), (points, moved)], [0.5 * WIDTH] * 2, None)
    )
    story.append(Paragraph("Hồ sơ có nguy cơ trễ hạn", style["head"]))
    story.append(Paragraph(escape(words.risk_note(brief)), style["body"]))
    if brief.risks:
        rows: list[tuple[str | Flowable, ...]] = [("Mã hồ sơ", "Cơ quan", "Hạn xử lý", "Xác suất trễ")]
        for code, agency, due, chance in (words.risk_row(brief, row) for row in brief.risks):
            rows.append((code, Paragraph(escape(agency), style["body"]), due, chance))  # a long name wraps
        story.append(_table(rows, [0.24 * WIDTH, 0.40 * WIDTH, 0.20 * WIDTH, 0.16 * WIDTH], 2))
    story.append(Paragraph("Cảnh báo", style["head"]))
    lines = words.alert_lines(brief, alert_limit) or ["Không có cảnh báo."]
    story += [Paragraph(escape(line), style["body"]) for line in lines]
    story.append(Paragraph("Tình trạng dữ liệu", style["head"]))
    story += [Paragraph(escape(line), style["body"]) for line in words.health_lines(brief)]
    story += [Spacer(1, 6), Paragraph(escape(words.footer(brief)), style["foot"])]
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=words.title(brief),
        author="IOC",
        initialFontName=FONT,
    )
    document.build(story)
    return out.getvalue(), document.page
