"""Running a collector: pages from its kind, each loaded with its cursor in one transaction, and a run row.

A crash loses at most the page in flight: the next incremental run starts from the collector's cursor, and a
backfill of the same range resumes where the unfinished one stopped. Loads are upserts, so overlaps are harmless.

A backfill moves the cursor too, when it reads on from where incremental runs stopped (no cursor yet, or a window
starting at or before the cursor): each page past the cursor becomes the cursor, in the page's transaction, so the
next incremental run reads at most the page at that instant instead of the whole history again. A backfill that
starts after the cursor leaves it alone (the records between were never read), and none moves it back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from ioc.collecting.kind import CollectorKind, Page, Source, SourceError
from ioc.collecting.prefetch import GaveUpError, prefetched
from ioc.collecting.registry import get_kind
from ioc.collecting.runs import claim_run, finish_run, record_page, resumable_backfill_cursor
from ioc.collecting.secrets import resolve_secrets
from ioc.collecting.sinks import load_sorted, sort_page
from ioc.collecting.store import CollectorConfig, get_collector
from ioc.config import now_local
from ioc.errors import IOCError
from ioc.indicators.registry import registered
from ioc.records import Rejection
from ioc.units import draft_codes
from ioc.warehouse import schema
from ioc.warehouse.access import transaction
from ioc.warehouse.load import KEPT_REASON_CHARS, PageCounts, kept_text

#: Seconds a stop request waits for the page in flight before the run abandons it (and ends ``failed``).
STOP_GRACE_SECONDS = 2.0
#: Largest record count a source's total is believed up to; beyond it (or negative, or not an integer) it is unknown.
PLAUSIBLE_TOTAL = 10**12


class StopRequest(threading.Event):
    """A stop request that says what asked (``reason``, e.g. ``"SIGTERM"``) for the run's error line."""

    reason: str = "request"


def plausible_total(value: object) -> int | None:
    """A source's record count when it can be one (an int in ``[0, PLAUSIBLE_TOTAL]``), else None."""
    return value if value.__class__ is int and 0 <= value <= PLAUSIBLE_TOTAL else None  # type: ignore[return-value]


@dataclass
class RunProgress:
    """Running totals of a run, handed to a progress callback after every committed page."""

    run_id: int
    mode: str
    pages: int = 0
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: Records whose unit code was read as a draft code and mapped to the official one (``ioc.unit_codes``).
    codes_mapped: int = 0
    expected: int | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def add(self, counts: PageCounts, page: ParsedPage) -> None:
        self.pages += 1
        self.records += page.size
        self.inserted += counts.inserted
        self.updated += counts.updated
        self.unchanged += counts.unchanged
        self.rejected += counts.rejected
        self.codes_mapped += page.codes_mapped
        if self.expected is None and plausible_total(page.remaining) is not None:
            self.expected = page.remaining


@dataclass(frozen=True)
class RunResult:
    """How a run ended."""

    run_id: int
    status: str
    progress: RunProgress
    error: str | None = None


def backfill_window(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole days, both included: ``[since 00:00, until + 1 day 00:00)``."""
    if since is None and until is None:
        return None, None
    if since is None or until is None:
        raise IOCError("a backfill needs both --since and --until", key="backfill_both")
    if until < since:
        raise IOCError(
            f"--until {until:%d/%m/%Y} is before --since {since:%d/%m/%Y}",
            key="backfill_order",
            since=f"{since:%d/%m/%Y}",
            until=f"{until:%d/%m/%Y}",
        )
    return datetime.combine(since, clock()), datetime.combine(until + timedelta(days=1), clock())


def parse_page(kind: CollectorKind, raw_records: list[dict]) -> tuple[list[Any], list[Rejection]]:
    """Parse every raw record; a record the kind cannot even read is rejected, never fatal."""
    records: list[Any] = []
    rejections: list[Rejection] = []
    for raw in raw_records:
        try:
            parsed = kind.parse(raw)
        except Exception as error:  # a bug or an unforeseen shape must not stop the run
            parsed = Rejection(
                raw=raw if isinstance(raw, dict) else {"value": raw}, reason=f"unreadable record: {error}"
            )
        (rejections if isinstance(parsed, Rejection) else records).append(parsed)
    return records, rejections


@dataclass(frozen=True)
class ParsedPage:
    """A page parsed: what the warehouse needs of it, without the raw records (rejections keep theirs as the
    quarantine's bounded text)."""

    cursor: str
    remaining: int | None
    size: int
    records: list[Any]
    rejections: list[Rejection]
    codes_mapped: int = 0


def _kept(rejection: Rejection) -> Rejection:
    """The rejection as the quarantine will keep it, its raw record let go."""
    return replace(rejection, raw={}, reason=rejection.reason[:KEPT_REASON_CHARS], kept=kept_text(rejection.raw))


def _parsed(kind: CollectorKind, pages: Iterator[Page]) -> Iterator[ParsedPage]:
    """Pages with their records parsed; run in the prefetch thread, parsing overlaps the warehouse's writes.

    The raw records are let go before a parsed page waits in the queue, so however much a source puts in its pages,
    one raw page at a time is in memory.
    """
    for page in pages:
        records, rejections = parse_page(kind, page.raw)
        mapped = sum(getattr(record, "unit_code_mapped", False) for record in records)
        parsed = ParsedPage(page.cursor, page.remaining, len(page.raw), records, [_kept(r) for r in rejections], mapped)
        del page, rejections
        yield parsed


def build_source(connection: Connection, config: CollectorConfig, province: str, secrets: Mapping[str, str]) -> Source:
    """What collector ``config``'s kind is given: its options validated, the province's units and agencies by name, the
    indicator registry and the names an admin mapped for it (runs and quarantine re-processing alike)."""
    kind = get_kind(config.kind)
    unit, agency, alias = schema.Unit.__table__, schema.Agency.__table__, schema.NameAlias.__table__
    unit_names = dict(connection.execute(select(unit.c.code, unit.c.name)).all())
    agency_names = dict(connection.execute(select(agency.c.code, agency.c.name)).all())
    mapped = select(alias.c.name, alias.c.unit_code, alias.c.agency_code).where(alias.c.collector_id == config.id)
    aliases = {name: (unit_code, agency_code) for name, unit_code, agency_code in connection.execute(mapped)}
    return Source(
        name=config.name,
        url=config.url,
        auth=config.auth,
        secrets=secrets,
        options=kind.Options.model_validate(config.options),
        province=province,
        unit_codes=frozenset(unit_names),
        draft_codes=draft_codes(province),
        now=now_local(),
        indicators=registered(connection),
        unit_names=unit_names,
        agency_names=agency_names,
        aliases=aliases,
    )


def _source(engine: Engine, config: CollectorConfig, province: str) -> Source:
    secrets = resolve_secrets(config.name, config.secret_envs)
    with transaction(engine) as connection:
        return build_source(connection, config, province, secrets)


def run_collector(
    engine: Engine,
    name: str,
    province: str,
    since: date | None = None,
    until: date | None = None,
    on_page: Callable[[RunProgress], None] | None = None,
    stop: threading.Event | None = None,
    transport: Any = None,
) -> RunResult:
    """Run collector ``name`` once: incremental, or a backfill of ``[since, until]`` (whole days).

    ``transport`` (tests): an ``httpx`` transport the kind uses instead of the network (``Source.transport``).

    ``stop`` ends the run after the page in flight (``stopped``); when that page has not come
    :data:`STOP_GRACE_SECONDS` after the request, its request is abandoned and the run ends ``failed``.
    """
    window_start, window_end = backfill_window(since, until)
    mode = "incremental" if window_start is None else "backfill"
    with transaction(engine) as connection:
        config = get_collector(connection, name)
    source = replace(_source(engine, config, province), transport=transport)
    with transaction(engine) as connection:
        cursor = config.cursor
        if window_start is not None and window_end is not None:
            cursor = resumable_backfill_cursor(connection, config.id, window_start, window_end)
        run_id = claim_run(connection, config.id, mode, window_start, window_end, cursor)
    progress = RunProgress(run_id=run_id, mode=mode)
    moves_cursor, committed = mode == "incremental", config.cursor
    kind: CollectorKind | None = None
    give_up = _grace(stop, source) if stop is not None else None
    try:
        kind = get_kind(config.kind)(source)
        if window_start is not None:
            moves_cursor = backfill_moves_cursor(kind, config.cursor, window_start)
        pages = _parsed(kind, kind.fetch(cursor, window_start, window_end))
        committed_hook = getattr(kind, "committed", None)
        for page in prefetched(pages, give_up=give_up):
            sorted_page = sort_page(engine.dialect.name, page.records, page.rejections)  # before the write lock
            with transaction(engine) as connection:
                counts = load_sorted(connection, config.id, run_id, sorted_page, now_local())
                total = plausible_total(page.remaining)
                record_page(connection, run_id, counts, page.cursor, total, page.codes_mapped, page.size)
                if moves_cursor and (mode == "incremental" or committed is None or page.cursor > committed):
                    collector = schema.Collector.__table__
                    connection.execute(update(collector).where(collector.c.id == config.id).values(cursor=page.cursor))
                    committed = page.cursor
            progress.add(counts, page)
            if committed_hook is not None:
                committed_hook(page.cursor)
            if on_page is not None:
                on_page(progress)
            if stop is not None and stop.is_set():
                return _finish(engine, run_id, progress, "stopped", "stopped on request after a committed page")
    except GaveUpError:
        why = f"stopped by {stop.reason}" if isinstance(stop, StopRequest) else "stopped on request"
        detail = f"the page in flight did not come within {STOP_GRACE_SECONDS:g} s and was abandoned"
        return _finish(engine, run_id, progress, "failed", f"{why}: {detail}; the next run starts from the cursor")
    except SourceError as error:
        return _finish(engine, run_id, progress, "failed", str(error))
    except BaseException as error:
        _finish(engine, run_id, progress, "failed", f"{type(error).__name__}: {error}")
        raise
    finally:
        if kind is not None:
            kind.close()
    return _finish(engine, run_id, progress, "succeeded")


def backfill_moves_cursor(kind: CollectorKind, cursor: str | None, window_start: datetime) -> bool:
    """Whether a backfill from ``window_start`` continues where incremental runs stopped, so that its pages may move
    the cursor: the collector has none yet, or the window starts at or before it. Only a kind with ``cursor_at``
    (where an incremental run would start for a time; its cursors then sort as text in time order) says so;
    for any other, backfills leave the cursor alone."""
    cursor_at = getattr(kind, "cursor_at", None)
    return cursor_at is not None and (cursor is None or cursor_at(window_start) <= cursor)


def _grace(stop: threading.Event, source: Source) -> Callable[[], bool]:
    """Whether to give up on the page in flight: the stop was seen :data:`STOP_GRACE_SECONDS` ago. Giving up
    aborts the kind's request first, so the fetching thread ends."""
    seen_at: list[float] = []

    def give_up() -> bool:
        if not stop.is_set():
            return False
        seen_at[:] = seen_at or [time.monotonic()]
        if time.monotonic() - seen_at[0] < STOP_GRACE_SECONDS:
            return False
        source.abort.set()
        return True

    return give_up


def _finish(engine: Engine, run_id: int, progress: RunProgress, status: str, error: str | None = None) -> RunResult:
    with transaction(engine) as connection:
        finish_run(connection, run_id, status, error)
    return RunResult(run_id=run_id, status=status, progress=replace(progress), error=error)
