"""The explorer's "save this view" (both engines): the view on screen is kept under its name, re-serialised from the
checked store (junk in the store is not kept), audited with the analyst and address, and then playable on a wall."""

from __future__ import annotations

from sqlalchemy import select

from ioc import playlists
from ioc.warehouse import schema
from layouts import explore_save as page
from layouts import warehouse as dashboard_warehouse
from layouts.view import View, stored


def test_an_analyst_saves_the_view_on_screen_for_the_playlists(warehouse, monkeypatch):
    monkeypatch.setattr(dashboard_warehouse, "_engine", warehouse)
    monkeypatch.setattr(page, "current_username", lambda: "phan.tich")
    monkeypatch.setattr(page, "current_ip", lambda: "10.0.0.7")
    view = View(preset="last_month", by="unit", kpi="online_rate")
    client = stored(view) | {"query": "?evil=<script>", "kpi": "online_rate", "unknown": "x"}
    message, color, hidden = page.save(1, "  Trực tuyến theo xã ", client)
    assert (color, hidden) == ("green", False) and "Trực tuyến theo xã" in message
    with warehouse.connect() as connection:
        views = playlists.saved_views(connection)
        log = schema.AuditLog.__table__
        entries = connection.execute(
            select(log.c.actor, log.c.target, log.c.source_ip).where(log.c.action == "saved_view.save")
        ).all()
    assert views == {"Trực tuyến theo xã": "preset=last_month&by=unit&kpi=online_rate"}
    assert entries == [("phan.tich", "Trực tuyến theo xã", "10.0.0.7")]
    assert playlists.view_page("Trực tuyến theo xã").startswith("/wall/view?name=")


def test_a_bad_name_is_refused_in_the_pages_language_and_nothing_is_kept(warehouse, monkeypatch):
    monkeypatch.setattr(dashboard_warehouse, "_engine", warehouse)
    monkeypatch.setattr(page, "current_username", lambda: "phan.tich")
    monkeypatch.setattr(page, "current_ip", lambda: None)
    message, color, _ = page.save(1, "<b>x</b>", stored(View()))
    assert color == "red" and message.startswith("Tên góc nhìn dài 1 đến 100 ký tự")
    message, color, _ = page.save(1, None, "not a store")
    assert color == "red"
    with warehouse.connect() as connection:
        assert playlists.saved_views(connection) == {}
