"""``/admin/subscribers``: an admin adds, changes and removes subscribers (audited with their name and address), a
non-admin changes nothing even when the callback is reached, and "send now" says why it cannot without SMTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ioc.subscribers import list_subscribers
from ioc.warehouse import schema
from layouts import warehouse as dashboard_warehouse
from layouts.access import Principal
from layouts.admin import subscribers as page
from tests.test_admin_settings import components

ADMIN = "quan.tri"
AUDIT = schema.AuditLog.__table__


@pytest.fixture
def signed_in(warehouse, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(dashboard_warehouse, "_engine", warehouse)
    monkeypatch.setattr(page, "current_username", lambda: ADMIN)
    monkeypatch.setattr(page, "current_principal", lambda: Principal(ADMIN, "admin"))
    monkeypatch.setattr(page, "current_ip", lambda: "10.0.0.9")
    return warehouse


def test_an_admin_adds_changes_and_removes_a_subscriber_audited(signed_in) -> None:
    text, color, hidden, rows, choices = page.save(1, " An@So.Example.VN ", "Nguyễn Văn An", True, False, True, "vi")
    assert (text, color, hidden) == ("Đã lưu người nhận an@so.example.vn.", "green", False)
    assert rows == [{"email": "an@so.example.vn", "name": "Nguyễn Văn An", "brief": "Có", "alerts": "Không",
                     "active": "Có"}]  # fmt: skip
    assert choices == [{"value": "an@so.example.vn", "label": "an@so.example.vn — Nguyễn Văn An"}]
    assert page.pick("an@so.example.vn") == ("an@so.example.vn", "Nguyễn Văn An", True, False, True)
    assert page.save(1, "an@so.example.vn", "Nguyễn Văn An", False, True, True, "en")[3][0]["brief"] == "No"
    with signed_in.connect() as connection:
        [stored] = list_subscribers(connection)
    assert (stored.brief, stored.alerts) == (False, True)
    text, color, _hidden, rows, _choices = page.remove(1, "an@so.example.vn", "en")
    assert (text, color, rows) == ("Subscriber an@so.example.vn removed.", "green", [])
    with signed_in.connect() as connection:
        entries = connection.execute(
            select(AUDIT.c.actor, AUDIT.c.action, AUDIT.c.target, AUDIT.c.source_ip).order_by(AUDIT.c.id)
        ).all()
    assert [tuple(e) for e in entries if e.action.startswith("subscriber.")] == [
        (ADMIN, "subscriber.add", "an@so.example.vn", "10.0.0.9"),
        (ADMIN, "subscriber.change", "an@so.example.vn", "10.0.0.9"),
        (ADMIN, "subscriber.remove", "an@so.example.vn", "10.0.0.9"),
    ]


def test_bad_input_is_refused_in_the_users_language(signed_in) -> None:
    assert page.save(1, "not-an-address", None, True, True, True, "vi")[:2] == (
        "not-an-address: không phải địa chỉ thư điện tử",
        "red",
    )
    assert page.remove(1, "nobody@so.example.vn", "en")[:2] == ("No subscriber nobody@so.example.vn", "red")


def test_a_non_admin_changes_nothing(signed_in, monkeypatch) -> None:
    monkeypatch.setattr(page, "current_principal", lambda: Principal("phan.tich", "analyst"))
    assert page.save(1, "an@so.example.vn", None, True, True, True, "en")[:2] == (
        "Only admins may manage subscribers.",
        "red",
    )
    assert page.send_now(1, "en")[:2] == ("Only admins may manage subscribers.", "red")
    with signed_in.connect() as connection:
        assert list_subscribers(connection) == []


def test_send_now_without_smtp_says_why(signed_in) -> None:
    text, color, hidden = page.send_now(1, "vi")
    assert (color, hidden) == ("red", False) and "IOC_SMTP_HOST" in text


def test_the_page_lists_subscribers_and_links_todays_brief(signed_in) -> None:
    page.save(1, "an@so.example.vn", None, True, True, True, "vi")
    layout = page.layout(lang="vi")
    ids = {c.id for c in components(layout) if isinstance(getattr(c, "id", None), str)}
    assert {"admin-subscribers-table", "admin-subscribers-save", "admin-subscribers-send"} <= ids
    links = [c.href for c in components(layout) if getattr(c, "href", None)]
    assert any(link.startswith("/brief/") and link.endswith(".pdf") for link in links)


def test_the_page_keeps_the_admin_contract_in_both_languages(signed_in) -> None:
    import json

    from layouts.i18n import FOLDER

    files = {
        lang: json.loads((FOLDER / f"admin_subscribers.{lang}.json").read_text(encoding="utf-8"))
        for lang in ("vi", "en")
    }
    assert set(files["vi"]) == set(files["en"]) and page.TITLE_KEY in files["vi"]
    assert all(text.strip() for texts in files.values() for text in texts.values())
    for lang in ("vi", "en"):
        ids = {c.id for c in components(page.layout(lang=lang)) if isinstance(getattr(c, "id", None), str)}
        mine = {i for i in ids if "subscribers" in i}
        assert mine and all(i.startswith("admin-subscribers-") for i in mine)
