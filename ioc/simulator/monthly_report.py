"""The simulated monthly XLSX report (báo cáo tháng) a provincial office drops into a folder, in the wide template.

One workbook a month, one row a unit (the province, then its communes), one column a figure: meetings held, of them
online, connection points (``meetings_*``, ``meeting_points``); and for the province only, budget revenue year to
date (``budget_revenue``, a level) and public investment allocated and disbursed (``public_investment_disbursed``, a
ratio). :data:`WIDE_MAPPING` is the ``file-drop`` collector's ``wide`` option for it.

Deterministic: the figures come from (seed, province, month), and the workbook's bytes are the same every time
(fixed zip times and document dates), so the same month written twice has the same content hash.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import date
from pathlib import Path

from ioc.units import official_units

UNIT, NAME, PERIOD = "Mã ĐVHC", "Tên đơn vị", "Kỳ báo cáo"
HELD, ONLINE, POINTS = "Số cuộc họp", "Số cuộc họp trực tuyến", "Số điểm cầu trực tuyến"
REVENUE = "Thu ngân sách lũy kế (tỷ đồng)"
ALLOCATED, DISBURSED = "Vốn đầu tư công được giao (tỷ đồng)", "Vốn đầu tư công đã giải ngân lũy kế (tỷ đồng)"
HEADER = [UNIT, NAME, PERIOD, HELD, ONLINE, POINTS, REVENUE, ALLOCATED, DISBURSED]
TITLE_ROWS = 2
WIDE_MAPPING = {
    "unit": UNIT,
    "period": PERIOD,
    "columns": {HELD: "meetings_held", POINTS: "meeting_points", REVENUE: "budget_revenue"},
    "ratios": {
        "meetings_online": {"numerator": ONLINE, "denominator": HELD},
        "public_investment_disbursed": {"numerator": DISBURSED, "denominator": ALLOCATED},
    },
}
#: Where the header is in :func:`write_monthly_report`'s workbooks (the collector's ``header_row``).
HEADER_ROW = TITLE_ROWS + 1
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
_DOCUMENT_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)")


def report_name(month: date) -> str:
    return f"bao-cao-thang-{month:%Y-%m}.xlsx"


def monthly_rows(province: str, month: date, seed: int = 0) -> list[list]:
    """The month's rows, the province first: figures drawn from (seed, province, month)."""
    rows = []
    for unit in official_units(province):
        draw = random.Random(f"{seed}:{province}:{unit.code}:{month:%Y-%m}")
        is_province = unit.level == "province"
        held = draw.randint(40, 80) if is_province else draw.randint(3, 14)
        share = min(0.95, 0.45 + 0.03 * month.month + draw.uniform(-0.08, 0.08))
        row = [unit.code, unit.name, f"{month:%Y-%m}", held, round(held * share), draw.randint(1, 3)]
        if is_province:
            row[5] = draw.randint(20, 45)
            plan = random.Random(f"{seed}:{province}:plan:{month.year}")
            annual, allocated = plan.randint(9000, 14000), plan.randint(5000, 9000)
            ytd = month.month / 12
            revenue = round(annual * ytd * draw.uniform(0.9, 1.05), 1)
            disbursed = round(allocated * min(1.0, ytd * draw.uniform(0.7, 0.95)), 1)
            row += [revenue, allocated, disbursed]
        rows.append(row)
    return rows


def _fixed(content: bytes) -> bytes:
    """The workbook with fixed zip entry times and document dates (openpyxl writes the current time)."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "docProps/core.xml":
                data = _DOCUMENT_DATES.sub(rb"\g<1>2026-01-01T00:00:00Z\g<3>", data)
            target.writestr(zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return output.getvalue()


def monthly_workbook(province: str, month: date, seed: int = 0) -> bytes:
    """The month's report as XLSX bytes: two title rows, the header, one row a unit."""
    import openpyxl  # here: `ioc demo` imports this module, and only the demo's file source needs a workbook

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Báo cáo tháng"
    sheet.append([f"BÁO CÁO THÁNG {month:%m/%Y}: HỌP KHÔNG GẶP MẶT VÀ CHỈ TIÊU KINH TẾ – XÃ HỘI"])
    sheet.append(["Văn phòng UBND tỉnh (dữ liệu mô phỏng)"])
    sheet.append(HEADER)
    for row in monthly_rows(province, month, seed):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed(buffer.getvalue())


def write_monthly_reports(folder: Path, province: str, months: list[date], seed: int = 0) -> list[Path]:
    """Write each month's report into ``folder`` (atomically: a hidden file renamed), unless it is there already or
    was processed; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for month in months:
        name = report_name(month)
        if (folder / name).exists() or (folder / "processed" / name).exists():
            continue
        temporary = folder / f".{name}.part"
        temporary.write_bytes(monthly_workbook(province, month, seed))
        temporary.replace(folder / name)
        written.append(folder / name)
    return written
