"""The Indicators admin page (register one through the core, audited with the admin's address; then it loads and the
explorer shows it) and the quarantine page's reasons in the reader's language, on both engines."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from ioc.collecting.status import QuarantineFilters
from ioc.collecting.store import add_collector
from ioc.indicators.load import load_values
from ioc.indicators.model import IndicatorValue, parse_period
from ioc.indicators.registry import registered
from ioc.records import Rejection
from ioc.warehouse import schema
from ioc.warehouse.load import quarantine
from layouts import explore_indicator
from layouts import warehouse as dashboard_warehouse
from layouts.admin import indicators as page
from layouts.admin import quarantine as quarantine_page
from layouts.view import View, stored

NOW = datetime(2026, 11, 25, 8, 0)
ACTOR = "admin.test"
FORM = {
    "code": "docs_digitised",
    "name_vi": "Văn bản được số hóa",
    "name_en": "Documents digitised",
    "unit": "văn bản",
    "aggregation": "count",
    "direction": "higher",
}
UNREGISTERED = (
    "indicator 'tiles_laid' is not registered (add it with `ioc indicator add` or on the Indicators admin page)"
)


@pytest.fixture
def pages(warehouse, monkeypatch):  # type: ignore[no-untyped-def]
    dashboard_warehouse.use(warehouse)
    monkeypatch.setattr(page, "current_username", lambda: ACTOR)
    monkeypatch.setattr(page, "current_ip", lambda: "192.0.2.10")
    return warehouse


def test_an_indicator_added_on_the_page_is_registered_audited_loaded_and_explored(pages) -> None:
    error, indicator = page.added(FORM, "vi")
    assert error is None and indicator is not None and indicator.origin == "custom"
    with pages.connect() as connection:
        assert registered(connection)["docs_digitised"].name_en == "Documents digitised"
        audit = connection.execute(
            select(schema.AuditLog.actor, schema.AuditLog.action, schema.AuditLog.target, schema.AuditLog.source_ip)
        ).all()
    assert [tuple(row) for row in audit] == [(ACTOR, "indicator.add", "docs_digitised", "192.0.2.10")]
    assert "docs_digitised" in [row["code"] for row in page.table_rows("vi")]
    # With no code change it loads through the sink and the explorer offers and shows it.
    with pages.begin() as connection:
        collector = add_collector(connection, "so-hoa", "dossier-sync", "http://127.0.0.1:9/api/sohoa")
        value = IndicatorValue("docs_digitised", "46", "", parse_period("2026-10"), 1234)
        load_values(connection, collector.id, None, [value], NOW)
    with pages.connect() as connection:
        groups = explore_indicator.picker_data(registered(connection), "vi")
    assert "Văn bản được số hóa (docs_digitised)" in [i["label"] for g in groups for i in g["items"]]
    view = View(preset="custom", first=date(2026, 10, 1), last=date(2026, 10, 31), indicator="docs_digitised")
    summary, *_ = explore_indicator.render(stored(view))
    assert "Văn bản được số hóa: 1.234 văn bản" in summary


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "Bad Code"}, "indicator code 'Bad Code'"),
        ({"code": "docs_outgoing"}, "already registered"),
        ({"name_vi": "  "}, "Cần điền: Tên tiếng Việt"),
        ({"unit": "x" * 51}, "Cần điền: Đơn vị tính"),
        ({"aggregation": "average"}, "Chọn cách cộng dồn"),
        ({"code": ["not", "text"]}, "Cần điền: Mã"),
    ],
)
def test_a_refused_indicator_says_why_and_changes_nothing(pages, changes: dict, message: str) -> None:
    with pages.connect() as connection:
        before = registered(connection)
    error, indicator = page.added(FORM | changes, "vi")
    assert indicator is None and error is not None and message in error
    with pages.connect() as connection:
        assert registered(connection) == before
        assert connection.execute(select(schema.AuditLog.id)).first() is None


def test_the_quarantine_page_shows_each_reason_in_the_readers_language(pages) -> None:
    with pages.begin() as connection:
        collector = add_collector(connection, "tep", "dossier-sync", "http://127.0.0.1:9/api/tep")
        quarantine(connection, collector.id, None, [Rejection({"indicator": "tiles_laid"}, UNREGISTERED)], NOW)
    (row,), _ = quarantine_page.table_rows(QuarantineFilters("tep"), 0, "vi")
    assert row["reason"].startswith("Chỉ tiêu 'tiles_laid' chưa được đăng ký")
    (english,), _ = quarantine_page.table_rows(QuarantineFilters("tep"), 0, "en")
    assert english["reason"] == UNREGISTERED
    detail, _ = quarantine_page.show_record({"rowId": row["id"]}, "vi")
    assert "Chỉ tiêu 'tiles_laid' chưa được đăng ký" in str(detail)
