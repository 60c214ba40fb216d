"""Playlists per display link: the wall pages a wall-screen turns through, in order, the seconds on each, and the period
and comparison its wall shows; and explorer views saved by name, which a playlist may show on the wall.

A link without a playlist plays :data:`DEFAULT`. Saving checks every entry (a known wall page or a saved view, 5 to
3600 seconds, at most :data:`MAX_ENTRIES`) and is audited with the admin and the address. The screen finds its place
in the cycle from the clock (:func:`position`), so two screens, and a screen reloaded, agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import Connection, Engine, delete, select

from ioc.errors import IOCError
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction

#: The wall pages a playlist may name; a page added later is named with :func:`register_page`.
WALL_PAGES: list[str] = ["/wall", "/wall/rankings", "/wall/index", "/wall/digital", "/wall/health", "/wall/risk"]
#: A saved explorer view on the wall: ``/wall/view?name=…``.
VIEW_PAGE = "/wall/view"
#: The page that shows the alerts: a new red alert brings it forward once.
ALERT_PAGE = "/wall"
PERIODS = ("month", "last_month", "rolling_30", "quarter", "year")
COMPARISONS = ("working_days", "weekday", "year")
MIN_SECONDS, MAX_SECONDS = 5, 3600
MAX_ENTRIES = 20
MAX_VIEW_QUERY = 2000
#: A saved view's name: letters (Vietnamese too), digits, spaces and a few signs.
VIEW_NAME = re.compile(r"[\w .,()-]{1,100}")
#: A saved view's query string: what a URL query may hold, nothing else.
VIEW_QUERY = re.compile(r"[A-Za-z0-9_.~%&=+-]*")


class PlaylistError(IOCError):
    """A playlist or a saved view refused: ``reason`` names it (the translation key is ``playlist.<reason>``)."""

    def __init__(self, reason: str, message: str, **params: object) -> None:
        super().__init__(message, key=f"playlist.{reason}", **params)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    page: str
    seconds: int


@dataclass(frozen=True)
class Playlist:
    entries: tuple[Entry, ...]
    period: str | None = None
    compare: str | None = None

    @property
    def total_seconds(self) -> int:
        return sum(entry.seconds for entry in self.entries)

    def href(self, entry: Entry) -> str:
        """The entry's address with the link's period and comparison (the wall reads ``?period=`` and ``?compare=``)."""
        parts = urlsplit(entry.page)
        query = parse_qs(parts.query)
        extra = {key: value for key, value in (("period", self.period), ("compare", self.compare)) if value}
        merged = {key: values[0] for key, values in query.items()} | extra
        return parts.path + (f"?{urlencode(merged)}" if merged else "")


#: What a link without a playlist of its own plays.
DEFAULT = Playlist(
    (
        Entry("/wall", 60),
        Entry("/wall/rankings", 60),
        Entry("/wall/digital", 60),
        Entry("/wall/index", 60),
        Entry("/wall/risk", 60),
    )
)


def register_page(path: str) -> None:
    """Let playlists name a wall page added later (a path under ``/wall/``)."""
    if not path.startswith("/wall/") or "?" in path:
        raise ValueError(f"not a wall page: {path!r}")
    if path not in WALL_PAGES:
        WALL_PAGES.append(path)


def view_page(name: str) -> str:
    """The playlist page that shows the saved view ``name`` on the wall."""
    return f"{VIEW_PAGE}?{urlencode({'name': name})}"


def _view_name(page: str) -> str | None:
    """The saved view a ``/wall/view?name=…`` page names, or None for any other page."""
    parts = urlsplit(page)
    if parts.path != VIEW_PAGE:
        return None
    names = parse_qs(parts.query).get("name", [])
    return names[0] if len(names) == 1 and set(parse_qs(parts.query)) == {"name"} else ""


def _seconds(value: object) -> int:
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or len(text) > 5 or not MIN_SECONDS <= int(text) <= MAX_SECONDS:
        raise PlaylistError(
            "seconds",
            f"seconds on a page must be a whole number from {MIN_SECONDS} to {MAX_SECONDS}, not {value!r}",
            low=MIN_SECONDS,
            high=MAX_SECONDS,
        )
    return int(text)


def checked(
    entries: Iterable[tuple[object, object]], period: object, compare: object, views: Iterable[str] = ()
) -> Playlist:
    """A playlist from untrusted ``(page, seconds)`` pairs, a period and a comparison, or :class:`PlaylistError`.

    ``views`` are the saved views' names (a ``/wall/view?name=…`` page must name one)."""
    pairs = list(entries)
    if not pairs:
        raise PlaylistError("empty", "a playlist needs at least one page")
    if len(pairs) > MAX_ENTRIES:
        raise PlaylistError("too_many", f"a playlist holds at most {MAX_ENTRIES} pages", most=MAX_ENTRIES)
    known = set(views)
    result = []
    for page, seconds in pairs:
        page = page.strip() if isinstance(page, str) else ""
        name = _view_name(page)
        if (name is None and page not in WALL_PAGES) or (name is not None and name not in known):
            raise PlaylistError("page", f"not a wall page or a saved view: {page[:100]!r}", page=page[:100])
        result.append(Entry(page if name is None else view_page(name), _seconds(seconds)))
    period = period or None
    compare = compare or None
    if period is not None and period not in PERIODS:
        raise PlaylistError("period", f"the period must be one of {', '.join(PERIODS)}")
    if compare is not None and compare not in COMPARISONS:
        raise PlaylistError("compare", f"the comparison must be one of {', '.join(COMPARISONS)}")
    return Playlist(tuple(result), period, compare)  # type: ignore[arg-type]


def parse_entry(text: str) -> tuple[str, str]:
    """``PAGE=SECONDS`` (the command line's ``--page /wall=60``) as a pair, checked later by :func:`checked`."""
    page, separator, seconds = text.rpartition("=")
    if not separator:
        raise PlaylistError("format", f"a page is PAGE=SECONDS, e.g. /wall=60, not {text[:100]!r}")
    return page, seconds


def position(playlist: Playlist, epoch_seconds: float) -> tuple[int, float]:
    """Where the cycle is at ``epoch_seconds``: the entry's index and the seconds it has left (now mod the total)."""
    into = epoch_seconds % playlist.total_seconds
    for index, entry in enumerate(playlist.entries):
        if into < entry.seconds:
            return index, entry.seconds - into
        into -= entry.seconds
    return len(playlist.entries) - 1, 0.0  # not reached: into < total


def _token_id(connection: Connection, name: str) -> int:
    table = schema.DisplayToken.__table__
    found = connection.execute(
        select(table.c.id).where(table.c.name == name, table.c.revoked_at.is_(None))  # type: ignore[attr-defined]
    ).scalar()
    if found is None:
        raise PlaylistError("no_link", f"no active display link named {name[:100]!r}", name=name[:100])
    return int(found)


def playlist_of(connection: Connection, token_id: int) -> Playlist:
    """The playlist of the display token ``token_id``, or :data:`DEFAULT` when it has none. An entry naming a saved
    view deleted since is left out (and the default plays if nothing is left)."""
    head = connection.execute(
        select(schema.DisplayPlaylist.period, schema.DisplayPlaylist.compare).where(
            schema.DisplayPlaylist.token_id == token_id
        )
    ).first()
    if head is None:
        return DEFAULT
    views = set(saved_views(connection))
    rows = connection.execute(
        select(schema.DisplayPlaylistEntry.page, schema.DisplayPlaylistEntry.seconds)
        .where(schema.DisplayPlaylistEntry.token_id == token_id)
        .order_by(schema.DisplayPlaylistEntry.position)
    ).all()
    entries = tuple(Entry(page, seconds) for page, seconds in rows if _view_name(page) in (None, *views))
    return Playlist(entries, head.period, head.compare) if entries else DEFAULT


def playlist_named(connection: Connection, name: str) -> Playlist:
    """The playlist of the active display link ``name`` (:class:`PlaylistError` when there is no such link)."""
    return playlist_of(connection, _token_id(connection, name))


def saved_playlists(connection: Connection) -> dict[str, Playlist]:
    """Every active display link's playlist, by the link's name (the default for a link without one)."""
    table = schema.DisplayToken.__table__
    links = connection.execute(
        select(table.c.id, table.c.name).where(table.c.revoked_at.is_(None)).order_by(table.c.name)  # type: ignore[attr-defined]
    ).all()
    return {name: playlist_of(connection, token_id) for token_id, name in links}


def save(
    connection: Connection,
    link: str,
    entries: Iterable[tuple[object, object]],
    period: object,
    compare: object,
    actor: str,
    now: datetime,
    source_ip: str = audit.LOCAL,
) -> Playlist:
    """Check and store the playlist of the display link named ``link``, replacing its old one; audited."""
    token_id = _token_id(connection, link)
    playlist = checked(entries, period, compare, saved_views(connection))
    connection.execute(delete(schema.DisplayPlaylistEntry).where(schema.DisplayPlaylistEntry.token_id == token_id))
    connection.execute(delete(schema.DisplayPlaylist).where(schema.DisplayPlaylist.token_id == token_id))
    connection.execute(
        schema.DisplayPlaylist.__table__.insert().values(
            token_id=token_id, period=playlist.period, compare=playlist.compare, updated_at=now, updated_by=actor
        )
    )
    connection.execute(
        schema.DisplayPlaylistEntry.__table__.insert(),
        [
            {"token_id": token_id, "position": index, "page": entry.page, "seconds": entry.seconds}
            for index, entry in enumerate(playlist.entries)
        ],
    )
    details = {
        "pages": [[entry.page, entry.seconds] for entry in playlist.entries],
        "period": playlist.period,
        "compare": playlist.compare,
    }
    audit.record(connection, actor, "display_playlist.save", link, now, details, source_ip=source_ip)
    return playlist


def save_playlist(
    engine: Engine,
    link: str,
    entries: Iterable[tuple[object, object]],
    period: object,
    compare: object,
    actor: str,
    now: datetime,
    source_ip: str = audit.LOCAL,
) -> Playlist:
    """:func:`save`, committed (the admin page, ``ioc display-token playlist``)."""
    with transaction(engine) as connection:
        return save(connection, link, entries, period, compare, actor, now, source_ip)


def saved_views(connection: Connection) -> dict[str, str]:
    """Every saved explorer view: its name → its query string."""
    rows = connection.execute(select(schema.SavedView.name, schema.SavedView.query).order_by(schema.SavedView.name))
    return {row.name: row.query for row in rows}


def save_view(engine: Engine, name: str, query: str, actor: str, now: datetime, source_ip: str = audit.LOCAL) -> None:
    """Save (or replace) the explorer view ``name``; ``query`` must come from the explorer's own serialisation
    (``layouts.view``), so this only bounds it. Audited, committed."""
    name = name.strip() if isinstance(name, str) else ""
    if not VIEW_NAME.fullmatch(name):
        raise PlaylistError("view_name", "a view's name is 1 to 100 letters, digits, spaces or . , ( ) -")
    if not isinstance(query, str) or len(query) > MAX_VIEW_QUERY or not VIEW_QUERY.fullmatch(query):
        raise PlaylistError("view_query", "not an explorer view")
    table = schema.SavedView.__table__
    with transaction(engine) as connection:
        connection.execute(delete(table).where(table.c.name == name))  # type: ignore[attr-defined]
        connection.execute(table.insert().values(name=name, query=query, created_at=now, created_by=actor))
        audit.record(connection, actor, "saved_view.save", name, now, {"query": query}, source_ip=source_ip)
