"""The daily brief: its figures are the KPI functions' own on a hand-built warehouse; the PDF is one A4 page whose
title and figures read back (pdftotext exactly, tesseract's Vietnamese OCR from the PNG pdftoppm draws); the HTML
is mail-client safe (no script, no class, nothing external, inline styles); ``ioc brief -o`` writes it."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import provincial_dossier, run_ioc
from ioc.alerts import Alert, alerts
from ioc.brief.figures import Block, Brief, DataHealth, IndexFigure, gather
from ioc.brief.html import render_html, render_text
from ioc.brief.pdf import render_pdf
from ioc.collecting.store import add_collector
from ioc.kpi.display_period import shown
from ioc.kpi.overview import summary
from ioc.kpi.periods import Period
from ioc.kpi.service_index import index_rows
from ioc.records import DossierRecord
from ioc.risk import LIKELY, RiskRow, at_risk
from ioc.warehouse.load import load_page

DAY = date(2026, 12, 10)  # a Thursday: yesterday is Wednesday 9 December
LOADED = datetime(2026, 12, 10, 6, 0)


def dossier(key: str, received: datetime, due: datetime, finished: datetime | None = None, **more) -> DossierRecord:
    return provincial_dossier(key, received, due, finished, LOADED, **more)


def hand_built() -> list[DossierRecord]:
    """9 Dec: 5 received and resolved that day (3 on time, 2 late; 2 online). 2 Dec (a week before): 10 received
    (desk), resolved on time on 4 Dec. 1 Dec: 3 received, due 5 Dec, still pending (overdue from 5 Dec on).
    November: 6 received on 2 and 3 Nov (3 each), resolved on time the next day (two days with received dossiers,
    enough for December's three to be compared with: ioc.kpi.coverage)."""
    at = datetime
    records = []
    for i in range(5):
        late = i >= 3
        finished = at(2026, 12, 9, 15, 0)
        due = finished - timedelta(hours=1) if late else finished + timedelta(hours=2)
        records.append(dossier(f"Y{i}", at(2026, 12, 9, 8, 0), due, finished, channel=2 if i < 2 else 1))
    records += [dossier(f"W{i}", at(2026, 12, 2, 9), at(2026, 12, 8, 17), at(2026, 12, 4, 10)) for i in range(10)]
    records += [dossier(f"P{i}", at(2026, 12, 1, 9), at(2026, 12, 5, 17)) for i in range(3)]
    records += [
        dossier(f"N{i}", at(2026, 11, 2 + i % 2, 9), at(2026, 11, 6, 17), at(2026, 11, 3 + i % 2, 10)) for i in range(6)
    ]
    return records


def load(engine, records: list[DossierRecord]) -> None:
    with engine.begin() as connection:
        collector_id = add_collector(connection, "dossiers", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, records, [], LOADED)


def test_the_briefs_figures_are_the_kpi_functions_own(warehouse) -> None:
    load(warehouse, hand_built())
    with warehouse.connect() as connection:
        found = gather(connection, DAY, datetime(2026, 12, 10, 9, 30))
        yesterday = summary(
            connection, Period.containing(date(2026, 12, 9), "day"), Period.containing(date(2026, 12, 2), "day")
        )
        month = shown("month", "working_days", date(2026, 12, 9))
        to_date = summary(connection, month.current, month.comparison.period)
        index_now = index_rows(connection, month.current)[0]
        index_then = index_rows(connection, month.comparison.period)[0]
        raised = alerts(connection, DAY, datetime(2026, 12, 10, 7, 0))
        risks = at_risk(connection, datetime(2026, 12, 10), horizon_days=7)
    # By hand first: the figures a reader checks.
    assert found.yesterday.values == {
        "received": 5, "resolved": 5, "on_time_rate": 60.0, "online_rate": 40.0, "pending_overdue": 3
    }  # fmt: skip
    assert found.yesterday.change == {
        "received": -5, "resolved": 5, "on_time_rate": None, "online_rate": 40.0, "pending_overdue": 3
    }  # fmt: skip
    assert found.month.period == Period.inclusive(date(2026, 12, 1), date(2026, 12, 9))
    assert found.month.values == {
        "received": 18, "resolved": 15, "on_time_rate": 86.67, "online_rate": 11.11, "pending_overdue": 3
    }  # fmt: skip
    assert found.month.change["received"] == 12 and found.month.change["on_time_rate"] == -13.33
    # Then exactly what the KPI functions say.
    assert found.yesterday.values == {k: yesterday[k] for k in found.yesterday.values}
    assert found.yesterday.change == {k: yesterday["change"][k] for k in found.yesterday.change}
    assert found.month.compared == month.comparison.period
    assert found.month.values == {k: to_date[k] for k in found.month.values}
    assert found.month.change == {k: to_date["change"][k] for k in found.month.change}
    assert found.index == IndexFigure(
        index_now["points"],
        index_now["computable_points"],
        index_then["points"],
        round(index_now["points"] - index_then["points"], 2),
    )
    assert found.moment == datetime(2026, 12, 10, 7, 0)
    assert list(found.alerts) == raised and any(a.kind == "overdue_backlog" for a in raised)
    assert list(found.risks) == sorted(risks.rows, key=lambda r: (-r.probability, r.due))[:5]
    assert found.refused == risks.refused
    assert found.health.collectors == 1 and found.health.updated_at == LOADED
    assert found.province == "Thành phố Huế"


def with_history() -> list[DossierRecord]:
    """Forty dossiers of the procedure received in October and resolved within 2 to 15 days of a 10-day allowance
    (late from day 11 on); eight pending ones received 3–9 December, due 11–16 December; and two of an agency,
    field and procedure with no history at all, which cannot be predicted."""
    at = datetime
    records = []
    for i in range(40):
        received = at(2026, 10, 1, 8) + timedelta(days=i % 20)
        finished = received + timedelta(days=2 + (i * 7) % 14, hours=1)
        records.append(dossier(f"H{i}", received, received + timedelta(days=10), finished))
    for i in range(8):
        received = at(2026, 12, 3 + i % 7, 9)
        records.append(dossier(f"R{i}", received, at(2026, 12, 11 + i % 6, 17)))
    records += [
        dossier(f"U{i}", at(2026, 12, 8, 9), at(2026, 12, 14, 17), procedure_code="9.999999", field_code="ZZ",
                agency_code="SO-Z")
        for i in range(2)
    ]  # fmt: skip
    return records


def test_the_five_largest_risks_are_at_risks_own(warehouse) -> None:
    load(warehouse, hand_built() + with_history())
    with warehouse.connect() as connection:
        found = gather(connection, DAY, datetime(2026, 12, 10, 9, 30))
        report = at_risk(connection, datetime(2026, 12, 10), horizon_days=7)
    assert len(report.rows) == 8 and report.refused == 2
    assert list(found.risks) == sorted(report.rows, key=lambda r: (-r.probability, r.due))[:5]
    assert [r.probability for r in found.risks] == sorted((r.probability for r in report.rows), reverse=True)[:5]
    assert found.likely == sum(1 for r in report.rows if r.probability >= LIKELY)
    assert found.refused == 2


# Rendering: a brief built by hand, so each figure's printed form is known. ------------------------------------------

ONE_DAY = Period.containing(date(2026, 12, 1), "day")
SAMPLE = Brief(
    day=date(2026, 12, 2),
    moment=datetime(2026, 12, 2, 7, 0),
    province="Thành phố Huế",
    yesterday=Block(
        ONE_DAY,
        Period.containing(date(2026, 11, 24), "day"),
        {"received": 1234, "resolved": 987, "on_time_rate": 92.7, "online_rate": 45.5, "pending_overdue": 17},
        {"received": 56, "resolved": -12, "on_time_rate": -1.25, "online_rate": 2.0, "pending_overdue": 3},
    ),
    month=Block(
        ONE_DAY,
        Period.inclusive(date(2026, 11, 1), date(2026, 11, 2)),
        {"received": 1234, "resolved": 987, "on_time_rate": 92.7, "online_rate": 45.5, "pending_overdue": 17},
        {"received": 100, "resolved": None, "on_time_rate": None, "online_rate": None, "pending_overdue": -4},
    ),
    index=IndexFigure(61.25, 80, 58.0, 3.25),
    risks=(
        RiskRow(
            "H46.001",
            "SO-A",
            "46",
            "1.001234",
            "HT",
            datetime(2026, 11, 20, 9),
            datetime(2026, 12, 4, 17),
            0.8771,
            "procedure",
            120,
        ),
    ),
    likely=1,
    refused=2,
    alerts=(Alert("overdue_backlog", "red", "province", "46", 17, 14),),
    health=DataHealth(2, ("dossiers",), (), datetime(2026, 12, 2, 6, 45), datetime(2026, 12, 2, 6, 46)),
    agencies={"SO-A": "Sở Tư pháp"},
    units={"46": "Thành phố Huế"},
)
TITLE = "Bản tin điều hành ngày 02/12/2026"


def _pdf(tmp_path: Path, brief: Brief = SAMPLE) -> Path:
    path = tmp_path / "brief.pdf"
    path.write_bytes(render_pdf(brief))
    return path


def test_the_pdf_is_one_a4_page_with_its_fonts_embedded(tmp_path: Path) -> None:
    path = _pdf(tmp_path)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    assert "595.276 x 841.89 pts (A4)" in info
    assert f"Title:           {TITLE}" in info
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    dejavu = [line.split() for line in fonts.splitlines() if "DejaVuSans" in line]
    assert len(dejavu) == 2 and all(row[-5] == "yes" for row in dejavu)  # the "emb" column


def test_the_pdf_says_its_title_and_figures_exactly(tmp_path: Path) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(_pdf(tmp_path)), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        TITLE,
        "Thành phố Huế",
        "Ngày hôm qua (01/12/2026)",
        "Thay đổi so với 24/11/2026",
        "1.234",
        "+56",
        "92,70 %",
        "−1,25 điểm %",
        "61,25 / 80 điểm",
        "+3,25 điểm",
        "H46.001",
        "Sở Tư pháp",
        "17:00 04/12/2026",
        "87,7 %",
        "2 hồ sơ chưa đủ lịch sử để dự báo",
        "[Đỏ] Thành phố Huế: 17 hồ sơ đang giải quyết đã quá hạn (hôm trước 14)",
        "Lỗi (đỏ): dossiers",
        "Số liệu tính đến 07:00 02/12/2026",
    ):
        assert expected in text, expected


def test_the_pdf_drawn_as_an_image_reads_back_its_title_and_figures(tmp_path: Path) -> None:
    """What a printer would put on paper: pdftoppm at 150 dpi, read by tesseract's Vietnamese model."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(_pdf(tmp_path)), str(tmp_path / "page")], check=True)
    [image] = sorted(tmp_path.glob("page*.png"))
    text = subprocess.run(
        ["tesseract", str(image), "stdout", "-l", "vie"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert "Bản tin điều hành ngày 02/12/2026" in text
    for figure in ("1.234", "92,70", "61,25", "H46.001"):
        assert figure in text, figure


def test_a_brief_with_many_alerts_stays_one_page(tmp_path: Path) -> None:
    many = tuple(Alert("collector_failing", "red", "collector", f"collector-{i}") for i in range(40))
    path = _pdf(tmp_path, replace(SAMPLE, alerts=many, risks=SAMPLE.risks * 5))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "… và 32 cảnh báo khác" in text


def test_long_names_and_many_long_alerts_still_fit_one_page(tmp_path: Path) -> None:
    """Eight alerts that each wrap onto two lines, and five risks of an agency with a three-line name, would take a
    second page: fewer alerts are listed, the rest counted."""
    name = "Ủy ban nhân dân phường Thuận Hóa, thành phố Huế — Bộ phận tiếp nhận và trả kết quả"
    many = tuple(Alert("on_time_drop", "red", "agency", "SO-A", 55.5, 80.25) for _ in range(40))
    path = _pdf(tmp_path, replace(SAMPLE, agencies={"SO-A": name}, risks=SAMPLE.risks * 5, alerts=many))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    shown = re.search(r"… và (\d+) cảnh báo khác", text)
    assert shown and 0 < int(shown.group(1)) < 40
    assert "tỷ lệ đúng hạn 30 ngày qua 55,50 %" in " ".join(text.split())  # a wrapped line joined


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_html_is_safe_for_mail_clients() -> None:
    parsed = _Elements()
    parsed.feed(render_html(SAMPLE))
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"script", "style", "link", "img", "iframe", "object", "form", "input", "svg"}
    for tag, attributes in parsed.tags:
        assert "class" not in attributes and "id" not in attributes, tag
        assert not any(name.startswith("on") for name in attributes), tag
        assert "src" not in attributes and "href" not in attributes, tag
    styled = [attributes["style"] for tag, attributes in parsed.tags if tag in ("h1", "h2", "td", "th", "p")]
    assert styled and all(style for style in styled)
    text = " ".join(parsed.text)
    for expected in (TITLE, "1.234", "92,70 %", "−1,25 điểm %", "61,25 / 80 điểm", "H46.001", "87,7 %"):
        assert expected in text, expected


def test_the_html_escapes_what_the_warehouse_holds() -> None:
    hostile = replace(SAMPLE, agencies={"SO-A": "<script>alert(1)</script>"}, province="<b>x</b>")
    page = render_html(hostile)
    assert "<script>" not in page and "<b>x</b>" not in page and "&lt;script&gt;" in page


def test_the_plain_text_alternative_carries_the_same_figures() -> None:
    text = render_text(SAMPLE)
    assert text.startswith(TITLE + "\n")
    for expected in ("Hồ sơ tiếp nhận: 1.234 (+56)", "61,25 / 80 điểm (+3,25 điểm)", "H46.001 — Sở Tư pháp"):
        assert expected in text, expected


def test_ioc_brief_writes_the_pdf_and_the_html(warehouse, warehouse_env, tmp_path: Path) -> None:
    load(warehouse, hand_built())
    pdf, page = tmp_path / "brief.pdf", tmp_path / "brief.html"
    done = run_ioc("brief", "--date", "10/12/2026", "-o", str(pdf), env=warehouse_env)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Bản tin điều hành ngày 10/12/2026" in text and "86,67 %" in text
    done = run_ioc("brief", "--date", "2026-12-10", "--format", "html", "-o", str(page), env=warehouse_env)
    assert done.returncode == 0, done.stderr
    assert "Bản tin điều hành ngày 10/12/2026" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("brief", "--date", "2026-12-10"), "give -o FILE"),
        (("brief", "--date", "2026-12-10", "-o", "/nonexistent/folder/brief.pdf"), "cannot write it"),
    ],
)
def test_ioc_brief_refuses_in_one_line(warehouse, warehouse_env, args, message) -> None:
    done = run_ioc(*args, env=warehouse_env)
    assert done.returncode == 1 and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
