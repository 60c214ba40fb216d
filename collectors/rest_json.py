"""The ``rest-json`` kind: indicator values from any JSON API, its shapes given by configuration (JMESPath).

``records`` finds the list in a page's body, ``fields`` maps each record to an indicator value
(:mod:`collectors.fields`), ``paging`` says how pages follow (page number, offset, a next-page cursor in the body, or
one page). Where the source has an update time (``updated_since_param``), a run asks for what changed since the
greatest update time read; otherwise it reads the open periods again (``period_param``, ``open_periods`` months
back), and values of the same key replace those loaded before.

Hostile by default: bounded page bytes, JSON containers and records per page, a request deadline, retries with
backoff (:mod:`collectors.http`), at most ``max_pages`` pages a run, and paging that repeats itself fails the run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from collectors.fields import FieldMap, compile_expression
from collectors.http import RequestBudget, get_json, make_auth, make_client
from ioc.collecting.kind import Page, Source, SourceError
from ioc.indicators.model import IndicatorValue, parse_updated_at, period_of, value_from_fields
from ioc.records import InvalidRecordError, Rejection, shown

#: ``{`` and ``[`` allowed per record in a page, beyond a fixed allowance for the envelope.
CONTAINERS_PER_RECORD = 64
#: A raw record that stands for a page whose ``records`` expression gave no list (its reason under this key).
PAGE_ERROR = "__ioc_page_error__"
#: Longest next-page cursor a source may send.
CURSOR_MAX = 2000
#: Most records at the cursor's update time remembered in it (more are read again next run, and replace themselves).
BOUNDARY_MAX = 10_000


class Paging(BaseModel):
    """How a source's pages follow one another."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["page", "offset", "cursor", "none"] = "page"
    page_param: str = "page"
    size_param: str = Field("page_size", description="records per page (page, offset and cursor modes)")
    offset_param: str = "offset"
    cursor_param: str = "cursor"
    next_cursor: str | None = Field(None, description="cursor mode: JMESPath of the next page's cursor in the body")
    page_size: int = Field(500, ge=1, le=10_000)
    first_page: int = Field(1, ge=0, le=1, description="the number of the first page (0 or 1)")

    @model_validator(mode="after")
    def _cursor_needs_next(self) -> Paging:
        if self.mode == "cursor" and not self.next_cursor:
            raise ValueError("cursor paging needs next_cursor, the JMESPath of the next cursor in the body")
        if self.next_cursor is not None:
            compile_expression(self.next_cursor, "paging.next_cursor")
        return self


class RestJsonOptions(BaseModel):
    """Options of a ``rest-json`` collector (``--option KEY=VALUE``, JSON where it parses)."""

    model_config = ConfigDict(extra="forbid")

    records: str = Field(description="JMESPath of the list of records in a page's body, e.g. data.items")
    fields: FieldMap
    paging: Paging = Field(default_factory=Paging)
    params: dict[str, str] = Field(default_factory=dict, description="fixed query parameters sent with every request")
    updated_since_param: str | None = Field(
        None, description="incremental: the query parameter given the greatest updated_at read (ISO 8601)"
    )
    period_param: str | None = Field(
        None, description="without updated_since_param: the query parameter given each open month (YYYY-MM)"
    )
    open_periods: int = Field(2, ge=1, le=36, description="months read again by each run, this month included")
    lookahead_hours: int = Field(
        24, ge=0, le=24 * 366, description="an update time later than now + this is rejected and moves no cursor"
    )
    timeout_seconds: float = Field(60, gt=0, description="per read")
    max_attempts: int = Field(6, ge=1, le=30, description="tries per request before the run fails")
    backoff_initial_seconds: float = Field(0.5, ge=0)
    backoff_max_seconds: float = Field(60, ge=0)
    request_deadline_seconds: float = Field(300, gt=0, description="longest a request may take in all")
    max_page_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="largest page body read")
    max_records_per_page: int = Field(10_000, ge=1, le=100_000)
    max_pages: int = Field(10_000, ge=1, description="pages a run reads at most; more fails the run")
    api_key_header: str = "X-API-Key"
    token_url: str | None = None
    scope: str | None = None

    @field_validator("records")
    @classmethod
    def _records_compiles(cls, expression: str) -> str:
        compile_expression(expression, "records")
        return expression

    @model_validator(mode="after")
    def _incremental_needs_updated_at(self) -> RestJsonOptions:
        if self.updated_since_param and self.fields.updated_at is None:
            raise ValueError("updated_since_param needs fields.updated_at, the record's update time")
        if self.updated_since_param and self.period_param:
            raise ValueError("give updated_since_param or period_param, not both")
        return self


def fingerprint(raw: Any) -> str:
    """A short digest of a record's content (the same record sent again has the same one)."""
    return hashlib.blake2b(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS), digest_size=8).hexdigest()


def _month_starts(first: date, last: date) -> list[date]:
    months, index = [], first.year * 12 + first.month - 1
    while index <= last.year * 12 + last.month - 1:
        months.append(date(index // 12, index % 12 + 1, 1))
        index += 1
    return months


class _NoListError(Exception):
    """A page's ``records`` expression gave something else than a list."""


class RestJson:
    """Indicator values from a JSON API, mapped by JMESPath."""

    kind: ClassVar[str] = "rest-json"
    description: ClassVar[str] = "Indicator values from a REST/JSON API, mapped by JMESPath expressions"
    Options: ClassVar[type[BaseModel]] = RestJsonOptions
    record_type: ClassVar[str] = "indicator"
    location: ClassVar[str] = "url"

    def __init__(self, source: Source) -> None:
        if not source.url:
            raise SourceError(f"collector {source.name!r} has no --url")
        self.source = source
        self.url: str = source.url
        self.options: RestJsonOptions = source.options
        self.fields = self.options.fields.compiled()
        self.records = compile_expression(self.options.records, "records")
        paging = self.options.paging
        self.next_cursor = compile_expression(paging.next_cursor, "next_cursor") if paging.next_cursor else None
        auth = make_auth(
            source.auth, source.secrets, source.url, self.options.api_key_header, self.options.token_url,
            self.options.scope,
        )  # fmt: skip
        self.budget = RequestBudget(self.options.request_deadline_seconds, source.abort)
        self.client: httpx.Client = make_client(
            auth, self.options.timeout_seconds, self.budget, {"Accept": "application/json"}, source.transport
        )
        self.horizon = source.now + timedelta(hours=self.options.lookahead_hours)
        self.pages_read = 0

    def close(self) -> None:
        self.client.close()

    # fetching ------------------------------------------------------------------------------------------

    def fetch(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        """Incremental by update time, else the open periods (or the months of ``[since, until)``), else all."""
        try:
            if self.options.updated_since_param:
                yield from self._changed_since(cursor, since)
            else:
                yield from self._periods(cursor, since, until)
        except _NoListError as error:
            reason, page_number, body = error.args
            marker = {PAGE_ERROR: reason, "page": page_number, "body": body}
            yield Page(raw=[marker], cursor=cursor or "{}")
            raise SourceError(f"{reason} (the page's body is in quarantine)") from None

    def _changed_since(self, cursor: str | None, since: datetime | None) -> Iterator[Page]:
        """What changed since the cursor's update time (inclusive): records at that very time that were read
        already (by content) are skipped, those changed or new kept; the cursor moves on the last page only, so a
        run that fails part-way reads it all again, whatever order the source sends its records in."""
        state = _load_cursor(cursor)
        start = since or parse_updated_at(state.get("updated_at"))
        boundary = set(state.get("boundary", ())) if since is None else set()
        params = {self.options.updated_since_param: start.isoformat()} if start is not None else {}
        last, at_last = start, set(boundary)
        held: Page | None = None
        unmoved = cursor or "{}"
        for page_number, records in self._pages(params):
            fresh = []
            for index, raw in enumerate(records):
                stamp = self._stamp(raw)
                if stamp is not None and stamp == start and boundary and fingerprint(raw) in boundary:
                    continue
                fresh.append(self._wrapped(page_number, index, raw))
                if stamp is None:
                    continue
                if last is None or stamp > last:
                    last, at_last = stamp, {fingerprint(raw)}
                elif stamp == last and len(at_last) < BOUNDARY_MAX:
                    at_last.add(fingerprint(raw))
            if held is not None:
                yield held
            held = Page(raw=fresh, cursor=unmoved)
        moved = unmoved
        if last is not None:
            moved = orjson.dumps({"updated_at": last.isoformat(), "boundary": sorted(at_last)}).decode()
        yield Page(raw=held.raw if held is not None else [], cursor=moved)

    def _periods(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        """Each open month (or each month of a backfill's window) read again; everything when no period_param."""
        read_at = orjson.dumps({"read_at": self.source.now.isoformat(timespec="seconds")}).decode()
        if not self.options.period_param:
            for page_number, records in self._pages({}):
                yield Page(raw=self._all_wrapped(page_number, records), cursor=read_at)
            return
        if since is not None and until is not None:
            months = _month_starts(since.date(), (until - timedelta(seconds=1)).date())
        else:
            this_month = period_of("month", self.source.now.date()).start
            first = this_month
            for _ in range(self.options.open_periods - 1):
                first = period_of("month", first - timedelta(days=1)).start
            months = _month_starts(first, this_month)
        for month in months:
            for page_number, records in self._pages({self.options.period_param: f"{month:%Y-%m}"}):
                yield Page(raw=self._all_wrapped(page_number, records), cursor=read_at)

    def _all_wrapped(self, page_number: int, records: list[Any]) -> list[dict[str, Any]]:
        return [self._wrapped(page_number, index, raw) for index, raw in enumerate(records)]

    @staticmethod
    def _wrapped(page_number: int, index: int, raw: Any) -> dict[str, Any]:
        """A record with where it came from (the run's page number, its place in the page, from 1) for its reasons."""
        return {"page": page_number, "index": index + 1, "record": raw}

    def _stamp(self, raw: Any) -> datetime | None:
        """A record's update time when it has a usable one (not past now + lookahead), else None."""
        try:
            stamp = parse_updated_at(self.fields.get("updated_at", raw))
        except InvalidRecordError:
            return None
        return stamp if stamp is not None and stamp <= self.horizon else None

    def _pages(self, params: dict[str, Any]) -> Iterator[tuple[int, list[Any]]]:
        """Every page of one query, numbered across the run: (page number, its records)."""
        paging = self.options.paging
        size = paging.page_size
        seen_cursors: set[str] = set()
        previous: str | None = None
        token: str | None = None
        index = 0
        while True:
            query: dict[str, Any] = {**self.options.params, **params}
            if paging.mode == "page":
                query.update({paging.page_param: paging.first_page + index, paging.size_param: size})
            elif paging.mode == "offset":
                query.update({paging.offset_param: index * size, paging.size_param: size})
            elif paging.mode == "cursor":
                query[paging.size_param] = size
                if token is not None:
                    query[paging.cursor_param] = token
            self.pages_read += 1
            if self.pages_read > self.options.max_pages:
                raise SourceError(
                    f"the run read max_pages ({self.options.max_pages}) pages and the source had more: "
                    "raise max_pages or page_size"
                )
            body = self._request(query)
            records = self._records(body, self.pages_read)
            index += 1
            if paging.mode in ("page", "offset") and records:
                digest = fingerprint(records)
                if digest == previous:
                    where = paging.page_param if paging.mode == "page" else paging.offset_param
                    raise SourceError(
                        f"page {self.pages_read} is the same as the page before: the source ignores {where!r} "
                        "(check paging)"
                    )
                previous = digest
            number = self.pages_read
            if paging.mode == "cursor":
                token = self._next_token(body, seen_cursors)
            del body
            yield number, records
            if paging.mode == "none":
                return
            if paging.mode == "cursor":
                if token is None:
                    return
            elif len(records) < size:
                return

    def _next_token(self, body: Any, seen: set[str]) -> str | None:
        assert self.next_cursor is not None
        try:
            value = self.next_cursor(body)
        except Exception:
            value = None
        if value is None or value == "":
            return None
        if value.__class__ not in (str, int) or len(str(value)) > CURSOR_MAX:
            raise SourceError(f"the next cursor is {shown(value)}: not text of at most {CURSOR_MAX} characters")
        token = str(value)
        if token in seen:
            raise SourceError(f"the source sent the cursor {shown(token)} again: its paging loops (check paging)")
        seen.add(token)
        return token

    def _records(self, body: Any, page_number: int) -> list[Any]:
        try:
            records = self.records(body)
        except Exception:
            records = None
        if records.__class__ is not list:
            excerpt = orjson.dumps(body)[:2000].decode("utf-8", errors="replace")
            reason = (
                f"page {page_number}: the records expression {self.options.records!r} gives {shown(records)}, "
                "not a list (check option records)"
            )
            raise _NoListError(reason, page_number, excerpt)
        if len(records) > self.options.max_records_per_page:
            raise SourceError(
                f"page {page_number} holds {len(records)} records, more than max_records_per_page "
                f"({self.options.max_records_per_page})"
            )
        return records

    def _request(self, params: dict[str, Any]) -> Any:
        options = self.options
        return get_json(
            self.client,
            self.url,
            params,
            options.max_attempts,
            options.backoff_initial_seconds,
            options.backoff_max_seconds,
            budget=self.budget,
            max_bytes=options.max_page_bytes,
            max_containers=options.max_records_per_page * CONTAINERS_PER_RECORD + 1024,
        )

    # parsing -------------------------------------------------------------------------------------------

    def parse(self, raw: dict[str, Any]) -> IndicatorValue | Rejection:
        """One wrapped record (:meth:`_wrapped`) mapped by ``fields`` and checked by the indicator model."""
        if PAGE_ERROR in raw:
            return Rejection(raw=raw, reason=str(raw[PAGE_ERROR]))
        record = raw.get("record")
        where = f"page {raw.get('page')}, record {raw.get('index')}"
        try:
            if record.__class__ is not dict:
                raise InvalidRecordError(f"the record is {shown(record)}, not a JSON object")
            value = value_from_fields(
                self.fields.apply(record), self.source.indicators, self.source.unit_codes, self.source.province
            )
            if value.source_updated_at is not None and value.source_updated_at > self.horizon:
                raise InvalidRecordError(
                    f"updated_at {value.source_updated_at:%Y-%m-%dT%H:%M:%S} is later than now + lookahead_hours"
                )
        except InvalidRecordError as error:
            return Rejection(raw=raw, reason=f"{where}: {error}")
        return value


def _load_cursor(cursor: str | None) -> dict[str, Any]:
    """The JSON cursor's state; an empty or unreadable one starts from the beginning."""
    if not cursor:
        return {}
    try:
        state = orjson.loads(cursor)
    except orjson.JSONDecodeError:
        return {}
    return state if isinstance(state, dict) else {}
