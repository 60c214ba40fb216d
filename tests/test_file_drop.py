"""The ``file-drop`` kind: CSV and XLSX reports dropped in a folder, loaded into SQLite and PostgreSQL warehouses.

Every file here is a real file in a real folder and every run goes through the real runner: the files' bad rows go
to quarantine with their file and row, unreadable files to ``failed/``, loaded ones to ``processed/``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector, get_collector
from ioc.config import now_local
from ioc.errors import IOCError
from ioc.indicators.model import Indicator
from ioc.indicators.registry import add_indicator
from ioc.reasons import in_vietnamese
from ioc.warehouse import schema

PROVINCE, COMMUNE, OTHER = "46", "19753", "19774"
LONG = ["indicator", "unit", "agency", "period", "value", "numerator", "denominator"]
VALUE = schema.IndicatorValue.__table__
QUARANTINE = schema.Quarantine.__table__
WIDE = {
    "unit": "Mã ĐVHC",
    "agency": {"value": ""},
    "period": "Kỳ báo cáo",
    "columns": {"Số cuộc họp": "meetings_held", "Số điểm cầu": "meeting_points"},
    "ratios": {"meetings_online": {"numerator": "Họp trực tuyến", "denominator": "Số cuộc họp"}},
}
WIDE_HEADER = ["Mã ĐVHC", "Tên đơn vị", "Kỳ báo cáo", "Số cuộc họp", "Họp trực tuyến", "Số điểm cầu"]


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def add(engine, folder: Path, name: str = "files", **options):
    with engine.begin() as connection:
        return add_collector(
            connection, name, "file-drop", None, options={"path": str(folder), "settle_seconds": 0, **options}
        )


def run(engine, name: str = "files", **kwargs):
    return run_collector(engine, name, PROVINCE, **kwargs)


def write_csv(path: Path, rows: list[list], delimiter: str = ",", bom: bool = False) -> Path:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.getvalue().encode())
    return path


def write_xlsx(path: Path, rows: list[list], title: str = "Báo cáo") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def values(engine) -> dict[str, tuple]:
    """Every stored value: key → (value, numerator, denominator)."""
    columns = (VALUE.c.value_key, VALUE.c.value, VALUE.c.numerator, VALUE.c.denominator)
    with engine.connect() as connection:
        return {key: (value, n, d) for key, value, n, d in connection.execute(select(*columns))}


def quarantined(engine) -> list[tuple[str, dict]]:
    with engine.connect() as connection:
        rows = connection.execute(select(QUARANTINE.c.reason, QUARANTINE.c.raw).order_by(QUARANTINE.c.id)).all()
    return [(reason, json.loads(raw)) for reason, raw in rows]


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if not path.is_dir())


def test_long_csv_with_bom_semicolons_and_decimal_commas(warehouse, drop):
    add(warehouse, drop)
    write_csv(
        drop / "thang-08.csv",
        [
            LONG,
            ["cashless_value", PROVINCE, "", "2026-08", "1.234,5", "", ""],
            ["meetings_held", COMMUNE, "", "2026-08", "12", "", ""],
            ["meetings_online", COMMUNE, "", "2026-08", "", "9", "12"],
            ["budget_revenue", PROVINCE, "", "2026-Q3", "2.500,25", "", ""],
        ],
        delimiter=";",
        bom=True,
    )
    result = run(warehouse)
    assert result.status == "succeeded", result.error
    assert values(warehouse) == {
        f"cashless_value|{PROVINCE}||2026-08": (1234.5, None, None),
        f"meetings_held|{COMMUNE}||2026-08": (12.0, None, None),
        f"meetings_online|{COMMUNE}||2026-08": (None, 9.0, 12.0),
        f"budget_revenue|{PROVINCE}||2026-Q3": (2500.25, None, None),
    }
    assert listing(drop) == []
    assert listing(drop / "processed") == ["thang-08.csv"]
    assert quarantined(warehouse) == []


def test_long_xlsx_numbers_and_codes_as_cells(warehouse, drop):
    add(warehouse, drop)
    write_xlsx(
        drop / "bao-cao.xlsx",
        [
            LONG,
            ["docs_outgoing", int(COMMUNE), None, "2026-08-15", 40, None, None],
            ["docs_sent_electronic", int(COMMUNE), "", "2026-08", None, 38, 40.0],
        ],
    )
    assert run(warehouse).status == "succeeded"
    assert values(warehouse) == {
        f"docs_outgoing|{COMMUNE}||2026-08-15": (40.0, None, None),
        f"docs_sent_electronic|{COMMUNE}||2026-08": (None, 38.0, 40.0),
    }
    assert listing(drop / "processed") == ["bao-cao.xlsx"]


def test_wide_xlsx_mapped_by_the_collector(warehouse, drop):
    add(warehouse, drop, wide=WIDE, sheet="Họp", header_row=2)
    workbook = openpyxl.Workbook()
    workbook.active.title = "Ghi chú"
    sheet = workbook.create_sheet("Họp")
    sheet.append(["BÁO CÁO HỌP KHÔNG GẶP MẶT THÁNG 8/2026"])
    sheet.append(WIDE_HEADER)
    sheet.append([PROVINCE, "Thành phố Huế", "2026-08", 120, 90, 35])
    sheet.append([COMMUNE, "Phường Phú Xuân", "2026-08", 8, None, None])  # no online figure: nothing for it
    sheet.append([])
    workbook.save(drop / "hop-08.xlsx")
    assert run(warehouse).status == "succeeded"
    assert values(warehouse) == {
        f"meetings_held|{PROVINCE}||2026-08": (120.0, None, None),
        f"meeting_points|{PROVINCE}||2026-08": (35.0, None, None),
        f"meetings_online|{PROVINCE}||2026-08": (None, 90.0, 120.0),
        f"meetings_held|{COMMUNE}||2026-08": (8.0, None, None),
    }


def test_a_file_dropped_again_with_the_same_content_is_not_loaded_again(warehouse, drop):
    add(warehouse, drop)
    rows = [LONG, ["meetings_held", COMMUNE, "", "2026-08", "12", "", ""]]
    write_csv(drop / "a.csv", rows)
    assert run(warehouse).progress.records == 1
    write_csv(drop / "a-copy.csv", rows)
    write_csv(drop / "a.csv", rows)  # the same name again, too
    again = run(warehouse)
    assert again.status == "succeeded"
    assert again.progress.records == 0
    assert listing(drop) == []
    assert len(listing(drop / "processed")) == 3  # the second a.csv beside the first, renamed
    with warehouse.connect() as connection:
        cursor = json.loads(get_collector(connection, "files").cursor)
    assert len(cursor["loaded"]) == 1


def test_a_corrected_file_replaces_values_and_never_adds_to_them(warehouse, drop):
    add(warehouse, drop)
    write_csv(drop / "t8.csv", [LONG, ["meetings_held", COMMUNE, "", "2026-08", "12", "", ""]])
    run(warehouse)
    write_csv(
        drop / "t8-sua.csv",
        [LONG, ["meetings_held", COMMUNE, "", "2026-08", "15", "", ""], ["meetings_held", OTHER, "", "2026-08", "3"]],
    )
    corrected = run(warehouse)
    assert (corrected.progress.inserted, corrected.progress.updated) == (1, 1)
    assert values(warehouse) == {
        f"meetings_held|{COMMUNE}||2026-08": (15.0, None, None),
        f"meetings_held|{OTHER}||2026-08": (3.0, None, None),
    }


BAD_ROWS = [
    LONG,
    ["meetings_held", COMMUNE, "", "2026-08", "12", "", ""],
    ["meetings_held", "99999", "", "2026-08", "5", "", ""],
    ["trees_planted", COMMUNE, "", "2026-08", "5", "", ""],
    ["meetings_held", COMMUNE, "", "08/2026", "5", "", ""],
    ["meetings_online", COMMUNE, "", "2026-08", "", "13", "12"],
    ["meetings_held", OTHER, "", "2026-08", "-3", "", ""],
    ["meetings_held", OTHER, "", "2026-07", "1.234", "", ""],
    ["meetings_held", OTHER, "", "2026-06", "", "", ""],
    ["meetings_online", OTHER, "", "2026-08", "50", "", ""],
    ["docs_outgoing", OTHER, "x" * 65, "2026-08", "1", "", ""],
    ["meetings_held", OTHER, "", "2026-05", "9" * 2000, "", ""],
]


def test_bad_rows_are_quarantined_with_file_row_and_cells(warehouse, drop):
    add(warehouse, drop)
    write_csv(drop / "report-08.csv", BAD_ROWS)
    result = run(warehouse)
    assert result.status == "succeeded"
    assert (result.progress.inserted, result.progress.rejected) == (1, 10)
    assert list(values(warehouse)) == [f"meetings_held|{COMMUNE}||2026-08"]
    kept = quarantined(warehouse)
    assert [raw["row"] for _, raw in kept] == list(range(3, 13))
    reason, raw = kept[0]
    assert reason == f"report-08.csv row 3: unit '99999' is not province {PROVINCE} or one of its communes"
    assert raw["file"] == "report-08.csv"
    assert raw["cells"] == {**dict(zip(LONG, BAD_ROWS[2], strict=True)), "numerator": None, "denominator": None}
    assert kept[1][0].startswith("report-08.csv row 4: indicator 'trees_planted' is not registered")
    assert "numerator 13 is above denominator 12" in kept[3][0]
    assert kept[-1][0] == "report-08.csv row 12: cell 'value' is longer than 1000 characters"
    assert listing(drop / "processed") == ["report-08.csv"]


def test_a_wide_rows_bad_value_names_its_column(warehouse, drop):
    add(warehouse, drop, wide=WIDE)
    write_xlsx(drop / "hop.xlsx", [WIDE_HEADER, [PROVINCE, "Huế", "2026-08", 10, 12, 3]])
    run(warehouse)
    [(reason, raw)] = quarantined(warehouse)
    assert reason == (
        "hop.xlsx row 2, column 'Họp trực tuyến / Số cuộc họp': meetings_online: numerator 12 is above denominator 10"
    )
    assert raw["cells"]["Tên đơn vị"] == "Huế"


def hostile_files(folder: Path, outside: Path) -> dict[str, str]:
    """Files that cannot be read at all, each with the start of its reason."""
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    (folder / "bomb.xlsx").write_bytes(bomb.getvalue())
    (folder / "huge.csv").write_bytes(b"indicator,unit,agency,period,value,numerator,denominator\n" * 40_000)
    (folder / "junk.csv").write_bytes(bytes(range(256)) * 40)
    (folder / "junk.xlsx").write_bytes(os.urandom(4096))
    (folder / "latin1.csv").write_bytes("indicator,unit\nhọp,46\n".encode("cp1258", errors="replace") + b"\xe9\xff")
    (folder / "notes.txt").write_text("hello")
    write_csv(folder / "wrong-header.csv", [["chỉ tiêu", "đơn vị"], ["a", "b"]])
    write_csv(folder / "long.csv", [LONG] + [["meetings_held", COMMUNE, "", f"2026-{d:03d}", "1"] for d in range(30)])
    (folder / "header-only.csv").write_text("")
    outside.write_text("indicator,unit,agency,period,value,numerator,denominator\nmeetings_held,46,,2026-08,1,,\n")
    (folder / "link.csv").symlink_to(outside)
    return {
        "bomb.xlsx": "bomb.xlsx inflates to more than 1 MB (option max_inflated_mb)",
        "huge.csv": "huge.csv is larger than 1 MB (option max_file_mb)",
        "junk.csv": "junk.csv holds binary data, not CSV text",
        "junk.xlsx": "junk.xlsx is not an XLSX workbook (not a zip archive)",
        "latin1.csv": "latin1.csv is not UTF-8 text",
        "notes.txt": "notes.txt is not a .csv or .xlsx file",
        "wrong-header.csv": "wrong-header.csv does not have the long template's header",
        "long.csv": "long.csv has more than 20 rows (option max_rows)",
        "header-only.csv": "header-only.csv is empty",
        "link.csv": "link.csv is a symbolic link: drop the file itself",
    }


def test_files_that_cannot_be_read_go_to_failed_with_a_reason(warehouse, drop, tmp_path):
    add(warehouse, drop, max_file_mb=1, max_inflated_mb=1, max_rows=20)
    outside = tmp_path / "outside.csv"
    expected = hostile_files(drop, outside)
    result = run(warehouse)
    assert result.status == "succeeded", result.error
    assert values(warehouse) == {}
    reasons = {raw["file"]: reason for reason, raw in quarantined(warehouse)}
    assert set(reasons) == set(expected)
    for name, start in expected.items():
        assert reasons[name].startswith(start), reasons[name]
    assert listing(drop) == []
    assert listing(drop / "failed") == sorted(expected)
    assert (drop / "failed" / "link.csv").is_symlink()  # the link moved, never followed
    assert outside.read_text().startswith("indicator")
    assert listing(drop / "processed") == []


def test_every_reason_the_kind_gives_has_a_vietnamese_text(warehouse, drop, tmp_path):
    add(warehouse, drop, wide=WIDE, max_file_mb=1, max_inflated_mb=1, max_rows=20)
    write_csv(drop / "rows.csv", BAD_ROWS)
    write_xlsx(drop / "wide.xlsx", [WIDE_HEADER, [PROVINCE, "Huế", "2026-08", 10, 12, "x"], ["", "", "2026"]])
    hostile_files(drop, tmp_path / "outside.csv")
    (drop / "wide-missing.csv").write_text("Mã ĐVHC,Kỳ báo cáo\n46,2026-08\n")
    run(warehouse)
    reasons = [reason for reason, _ in quarantined(warehouse)]
    assert len(reasons) >= 20
    for reason in reasons:
        vietnamese = in_vietnamese(reason)
        assert vietnamese != reason
        assert " row " not in vietnamese and " is not " not in vietnamese, vietnamese
    assert in_vietnamese("a.csv row 3: meetings_held: value is empty") == "a.csv dòng 3: meetings_held: thiếu giá trị"


def test_a_run_stopped_mid_file_is_resumed_without_loss_or_duplicates(warehouse, drop):
    add(warehouse, drop, page_rows=2)
    rows = [LONG] + [["meetings_held", COMMUNE, "", f"2026-{m:02d}", str(m), "", ""] for m in range(1, 8)]
    rows.insert(3, ["meetings_held", "99999", "", "2026-01", "1", "", ""])
    write_csv(drop / "year.csv", rows)
    stop = threading.Event()
    stopped = run(warehouse, stop=stop, on_page=lambda _progress: stop.set())
    assert stopped.status == "stopped"
    assert stopped.progress.pages == 1
    assert len(values(warehouse)) == 2
    assert listing(drop) == ["year.csv"]  # its last page was not committed: it waits for the next run
    resumed = run(warehouse)
    assert resumed.status == "succeeded"
    assert values(warehouse) == {f"meetings_held|{COMMUNE}||2026-{m:02d}": (float(m), None, None) for m in range(1, 8)}
    assert len(quarantined(warehouse)) == 1
    assert listing(drop) == []
    assert listing(drop / "processed") == ["year.csv"]


def test_an_indicator_registered_by_an_admin_loads_from_a_dropped_file(warehouse, drop):
    tree = Indicator("trees_planted", "Cây xanh trồng mới", "Trees planted", "cây", "count")
    with warehouse.begin() as connection:
        add_indicator(connection, tree, "admin", now_local())
    add(warehouse, drop)
    write_csv(drop / "cay.csv", [LONG, ["trees_planted", OTHER, "", "2026", "1500", "", ""]])
    assert run(warehouse).status == "succeeded"
    with warehouse.connect() as connection:
        row = connection.execute(select(VALUE.c.indicator_code, VALUE.c.period_kind, VALUE.c.value)).one()
    assert tuple(row) == ("trees_planted", "year", 1500.0)


def test_a_backfill_is_refused_with_a_clear_error(warehouse, drop):
    from datetime import date

    add(warehouse, drop)
    result = run(warehouse, since=date(2026, 1, 1), until=date(2026, 1, 31))
    assert result.status == "failed"
    assert result.error == "file-drop reads the files in its folder: run it without --since/--until"


def test_files_changed_within_the_settle_time_wait(warehouse, drop):
    add(warehouse, drop, settle_seconds=600)
    write_csv(drop / "writing.csv", [LONG, ["meetings_held", COMMUNE, "", "2026-08", "1", "", ""]])
    assert run(warehouse).progress.records == 0
    assert listing(drop) == ["writing.csv"]
    os.utime(drop / "writing.csv", (0, 0))
    assert run(warehouse).progress.records == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"path": "relative/folder"}, "option path: Value error, give the folder as an absolute path"),
        ({"path": "/srv/drop", "wide": {"unit": "A", "period": "B"}}, "option wide: Value error, map at least one"),
        ({"path": "/srv/drop", "wide": {"unit": "A", "period": "B", "columns": {"C": "Bad Code"}}}, "is not an"),
        ({"path": "/srv/drop", "wide": {"period": "B", "columns": {"C": "x"}}}, "option wide.unit: Field required"),
        ({"path": "/srv/drop", "colour": "red"}, "option colour: Extra inputs are not permitted"),
    ],
)
def test_options_are_checked_when_the_collector_is_added(warehouse, options, message):
    with warehouse.begin() as connection, pytest.raises(IOCError) as error:
        add_collector(connection, "files", "file-drop", None, options=options)
    assert message in str(error.value)


def lying_bomb() -> bytes:
    """An XLSX-looking zip whose sheet says it inflates to 1,000 bytes and inflates to 8 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    content = bytearray(buffer.getvalue())
    local, central = content.find(b"PK\x03\x04"), content.find(b"PK\x01\x02")
    content[local + 22 : local + 26] = (1000).to_bytes(4, "little")
    content[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    return bytes(content)


def test_an_xlsx_that_lies_about_its_inflated_size_is_refused_unread(warehouse, drop):
    add(warehouse, drop, max_inflated_mb=1)
    (drop / "liar.xlsx").write_bytes(lying_bomb())
    assert run(warehouse).status == "succeeded"
    [(reason, raw)] = quarantined(warehouse)
    assert reason.startswith("liar.xlsx is a damaged XLSX workbook"), reason
    assert raw["sha256"] and listing(drop / "failed") == ["liar.xlsx"]
