"""``/wall/health`` and the admin overview's health table on the hand-built warehouse of ``test_health``: a row per
source, worst first, with its lights and figures in Vietnamese, links to the runs and the quarantine, no personal
data, and a refresh that sends nothing while neither the data nor the time slot changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dash.exceptions import PreventUpdate
from sqlalchemy import select
from test_health import NOW, sources  # noqa: F401  (the fixture)

from ioc.collecting.store import add_collector
from ioc.warehouse import schema
from ioc.warehouse.aggregates import bump_version
from layouts import health_view, lookups
from layouts import warehouse as dashboard_warehouse
from layouts.admin.health_table import health_table
from layouts.wall_health import content, refresh

OPTIONS = {"lang": "vi", "date": None, "map": "on_time_rate", "rotate": None, "page": "/wall/health"}
UNIT = schema.Unit.__table__
AGENCY = schema.Agency.__table__
INDICATOR = schema.Indicator.__table__


def _descendants(component: object):  # type: ignore[no-untyped-def]
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            yield from _descendants(child)


def _text(component: object) -> str:
    """Every string under ``component``, joined by " | "."""
    parts = []
    for node in _descendants(component):
        children = getattr(node, "children", None)
        for child in children if isinstance(children, (list, tuple)) else [children]:
            if isinstance(child, str) and child:
                parts.append(child)
    return " | ".join(parts)


def _rows(component: object) -> dict[str, str]:
    return {
        node.id["collector"]: _text(node)
        for node in _descendants(component)
        if isinstance(getattr(node, "id", None), dict) and "collector" in node.id
    }


@pytest.fixture
def screen(sources, monkeypatch):  # noqa: F811
    engine, communes = sources
    monkeypatch.setattr(health_view, "now_local", lambda: NOW)
    monkeypatch.setattr(health_view, "_cache", type(health_view._cache)())
    dashboard_warehouse.use(engine)
    lookups.forget()
    return engine, communes


def test_the_wall_shows_a_row_per_source_worst_first_with_lights_and_figures(screen):
    engine, (_c1, c2, c3) = screen
    with engine.connect() as connection:
        second = connection.execute(select(UNIT.c.name).where(UNIT.c.code == c2)).scalar_one()
        outgoing = connection.execute(
            select(INDICATOR.c.name_vi).where(INDICATOR.c.code == "docs_outgoing")
        ).scalar_one()
        commune = connection.execute(select(UNIT.c.name).where(UNIT.c.code == c3)).scalar_one()
        agency = connection.execute(select(AGENCY.c.name).where(AGENCY.c.code == f"UBND-{c3}")).scalar_one()
    shown = content(OPTIONS)
    rows = _rows(shown["table"])
    assert list(rows) == [
        *("gap", "never", "rejects", "reports", "second", "stale"),  # red, by name
        *("daily", "first", "late"),  # amber
        "fresh",
        "disabled",  # no light
    ]
    assert rows["fresh"] == (
        "fresh | Tốt | Tốt | 0,5 giờ trước | lúc 11:30 02/12/2026 | Không đánh giá | Chưa đủ lịch sử để đánh giá"
        " | Tốt | 0,50 % | 1/200 bản ghi, 1 lần chạy gần nhất | Không đánh giá | Không có hồ sơ"
    )
    assert rows["gap"] == (
        "gap | Báo động | Không đánh giá | 2,0 giờ trước | lúc 10:00 02/12/2026 · chạy thủ công"
        f" | Báo động | Thiếu 2/6 | {commune}, {agency} | Tốt | 0,00 % | 0/11 bản ghi, 1 lần chạy gần nhất"
        " | Tốt | Không trùng"
    )
    assert "Báo động | 10,00 % | 10/100 bản ghi, 1 lần chạy gần nhất" in rows["rejects"]
    assert "Cần chú ý | Trùng 40,00 % với second | 2/5 hồ sơ" in rows["first"]
    assert "Báo động | Trùng 100,00 % với first | 2/2 hồ sơ" in rows["second"]
    assert f"Báo động | Thiếu 1/2 | {outgoing}: {second} | Tốt" in rows["reports"]  # named, never by code
    assert "never | Báo động | Báo động | Chưa chạy thành công" in rows["never"]
    assert "disabled | Không đánh giá | Không đánh giá | Đã tắt" in rows["disabled"]
    assert shown["summary"] == "6 báo động, 3 cần chú ý, 1 tốt"
    assert "Nguyễn Văn An" not in _text(shown["table"])  # no applicant on the wall
    english = content(OPTIONS | {"lang": "en"})
    assert english["summary"] == "6 alarm, 3 needing attention, 1 good"
    assert "Good | 0.50 % | 1/200 records, last 1 runs" in _rows(english["table"])["fresh"]


def test_the_wall_refreshes_only_when_the_data_or_the_slot_changed(screen, monkeypatch):
    engine, _ = screen
    state = content(OPTIONS)["state"]
    with pytest.raises(PreventUpdate):
        refresh(1, OPTIONS, state)
    with engine.begin() as connection:
        add_collector(connection, "added", "dossier-sync", "http://127.0.0.1:9/", actor="test", every="1h")
        bump_version(connection, NOW)
    table, summary, _freshness, new_state = refresh(2, OPTIONS, state)
    assert "added" in _rows(table) and summary == "7 báo động, 3 cần chú ý, 1 tốt"
    with pytest.raises(PreventUpdate):
        refresh(3, OPTIONS, new_state)
    monkeypatch.setattr(health_view, "now_local", lambda: NOW + timedelta(minutes=health_view.SLOT_MINUTES))
    *_, later = refresh(4, OPTIONS, new_state)  # the ages moved on: a new slot redraws
    assert later["slot"] != new_state["slot"]


def test_the_admin_overview_links_each_source_to_its_runs_and_quarantine(screen):
    title, subtitle, table = health_table("vi")
    assert _text(title) == "Sức khỏe dữ liệu"
    assert _text(subtitle).endswith("6 báo động, 3 cần chú ý, 1 tốt")
    rows = _rows(table)
    assert list(rows)[:2] == ["gap", "never"] and len(rows) == 11
    links = {node.href for node in _descendants(table) if getattr(node, "href", None)}
    assert {"/admin/runs?collector=rejects&lang=vi", "/admin/quarantine?collector=rejects&lang=vi"} <= links
    assert "Báo động | 10,00 % | 10/100 bản ghi" in rows["rejects"]
