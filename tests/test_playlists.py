"""Playlists per display link: saved, read back in order, validated, audited; the default for a link without one; the
cycle's position from the clock; saved explorer views; the command line. Both engines."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from helpers import run_ioc
from ioc import playlists, tokens
from ioc.playlists import DEFAULT, Entry, Playlist, PlaylistError
from ioc.warehouse import schema

NOW = datetime(2026, 12, 1, 8, 0)


def _link(engine, name: str = "phong-hop") -> str:
    tokens.create_token(engine, tokens.DISPLAY, name, "admin1", NOW)
    return name


def _audit(engine, action: str) -> list:
    table = schema.AuditLog.__table__
    with engine.connect() as connection:
        return connection.execute(
            select(table.c.actor, table.c.target, table.c.details, table.c.source_ip).where(table.c.action == action)
        ).all()


def test_a_saved_playlist_is_read_back_in_order_with_its_period_and_audited(warehouse):
    link = _link(warehouse)
    pages = [("/wall/digital", 30), ("/wall", "45"), ("/wall/rankings", 120)]
    playlists.save_playlist(warehouse, link, pages, "last_month", "weekday", "admin1", NOW, "127.0.0.9")
    with warehouse.connect() as connection:
        read = playlists.playlist_named(connection, link)
        by_link = playlists.saved_playlists(connection)
    expected = Playlist(
        (Entry("/wall/digital", 30), Entry("/wall", 45), Entry("/wall/rankings", 120)), "last_month", "weekday"
    )
    assert read == expected and by_link == {link: expected}
    assert read.href(read.entries[0]) == "/wall/digital?period=last_month&compare=weekday"
    [(actor, target, details, ip)] = _audit(warehouse, "display_playlist.save")
    assert (actor, target, ip) == ("admin1", link, "127.0.0.9")
    assert details["pages"] == [["/wall/digital", 30], ["/wall", 45], ["/wall/rankings", 120]]
    # Saving again replaces the playlist (its entries too, none left over from the longer one).
    playlists.save_playlist(warehouse, link, [("/wall", 10)], None, None, "admin2", NOW)
    with warehouse.connect() as connection:
        assert playlists.playlist_named(connection, link) == Playlist((Entry("/wall", 10),))
    assert len(_audit(warehouse, "display_playlist.save")) == 2


def test_a_link_without_a_playlist_plays_the_default(warehouse):
    link = _link(warehouse)
    with warehouse.connect() as connection:
        assert playlists.playlist_named(connection, link) == DEFAULT
    assert [(e.page, e.seconds) for e in DEFAULT.entries] == [
        ("/wall", 60),
        ("/wall/rankings", 60),
        ("/wall/digital", 60),
        ("/wall/index", 60),
        ("/wall/risk", 60),
    ]


@pytest.mark.parametrize(
    ("pages", "period", "compare", "reason"),
    [
        ([], None, None, "empty"),
        ([("/wall", 60)] * (playlists.MAX_ENTRIES + 1), None, None, "too_many"),
        ([("/explore", 60)], None, None, "page"),
        ([("https://example.org/wall", 60)], None, None, "page"),
        ([("/wall/view?name=missing", 60)], None, None, "page"),
        ([("/wall", 4)], None, None, "seconds"),
        ([("/wall", 3601)], None, None, "seconds"),
        ([("/wall", "6O")], None, None, "seconds"),
        ([("/wall", "٦٠")], None, None, "seconds"),
        ([("/wall", True)], None, None, "seconds"),
        ([("/wall", 60)], "decade", None, "period"),
        ([("/wall", 60)], None, "day_for_day", "compare"),
    ],
)
def test_a_playlist_is_refused_with_its_reason_and_nothing_is_stored(warehouse, pages, period, compare, reason):
    link = _link(warehouse)
    with pytest.raises(PlaylistError) as refused:
        playlists.save_playlist(warehouse, link, pages, period, compare, "admin1", NOW)
    assert refused.value.reason == reason
    with warehouse.connect() as connection:
        assert playlists.playlist_named(connection, link) == DEFAULT
    assert _audit(warehouse, "display_playlist.save") == []


def test_only_an_active_link_has_a_playlist(warehouse):
    link = _link(warehouse)
    tokens.revoke_token(warehouse, tokens.DISPLAY, link, "admin1", NOW)
    for name in (link, "nobody"):
        with pytest.raises(PlaylistError) as refused:
            playlists.save_playlist(warehouse, name, [("/wall", 60)], None, None, "admin1", NOW)
        assert refused.value.reason == "no_link"


def test_a_wall_page_added_later_is_accepted_once_registered(warehouse):
    link = _link(warehouse)
    with pytest.raises(PlaylistError):
        playlists.save_playlist(warehouse, link, [("/wall/later", 60)], None, None, "admin1", NOW)
    playlists.register_page("/wall/later")
    try:
        saved = playlists.save_playlist(warehouse, link, [("/wall/later", 60)], None, None, "admin1", NOW)
        assert saved.entries == (Entry("/wall/later", 60),)
    finally:
        playlists.WALL_PAGES.remove("/wall/later")
    with pytest.raises(ValueError):
        playlists.register_page("/explore")


def test_a_saved_view_can_be_played_and_leaves_the_playlist_when_deleted(warehouse):
    link = _link(warehouse)
    playlists.save_view(warehouse, "Tỷ lệ đúng hạn", "kpi=on_time_rate&group=unit", "analyst1", NOW, "127.0.0.2")
    page = playlists.view_page("Tỷ lệ đúng hạn")
    playlists.save_playlist(warehouse, link, [(page, 30), ("/wall", 30)], None, None, "admin1", NOW)
    with warehouse.connect() as connection:
        assert playlists.saved_views(connection) == {"Tỷ lệ đúng hạn": "kpi=on_time_rate&group=unit"}
        assert playlists.playlist_named(connection, link).entries == (Entry(page, 30), Entry("/wall", 30))
    [(actor, target, _details, _ip)] = _audit(warehouse, "saved_view.save")
    assert (actor, target) == ("analyst1", "Tỷ lệ đúng hạn")
    for name, query in (
        ("", "kpi=x"),
        ("a" * 101, "kpi=x"),
        ("<b>", "kpi=x"),
        ("ok", "kpi=<script>"),
        ("ok", "k" * 2001),
    ):
        with pytest.raises(PlaylistError):
            playlists.save_view(warehouse, name, query, "analyst1", NOW)
    with warehouse.begin() as connection:
        connection.execute(schema.SavedView.__table__.delete())
    with warehouse.connect() as connection:
        assert playlists.playlist_named(connection, link).entries == (Entry("/wall", 30),)


def test_the_cycle_position_comes_from_the_clock():
    playlist = Playlist((Entry("/wall", 5), Entry("/wall/rankings", 10), Entry("/wall/digital", 5)))
    assert playlists.position(playlist, 0) == (0, 5)
    assert playlists.position(playlist, 4.5) == (0, 0.5)
    assert playlists.position(playlist, 5) == (1, 10)
    assert playlists.position(playlist, 19) == (2, 1)
    assert playlists.position(playlist, 20 * 1000 + 7) == (1, 8)


def test_the_command_line_sets_and_prints_a_playlist(warehouse, warehouse_env):
    assert run_ioc("display-token", "create", "sanh", env=warehouse_env).returncode == 0
    saved = run_ioc(
        "display-token",
        "playlist",
        "sanh",
        "--page",
        "/wall=30",
        "--page",
        "/wall/digital=15",
        "--period",
        "year",
        env=warehouse_env,
    )
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.split() == ["/wall?period=year=30", "/wall/digital?period=year=15"]
    assert run_ioc("display-token", "playlist", "sanh", env=warehouse_env).stdout == saved.stdout
    refused = run_ioc("display-token", "playlist", "sanh", "--page", "/wall=2", env=warehouse_env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr and "5 to 3600" in refused.stderr
