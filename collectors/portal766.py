"""``portal-766``: the national public-service portal's published Decision 766 scores (``data/portal766/``).

POSTs ``{url}/api/v1/reporting/evaluation/<group>`` for the six groups (``collectors/portal766_shapes.py``) with
option ``root_department_id``, for every month, quarter and year that ended within the run's window, and the month,
quarter and year still running at its end (the portal computes them in real time; the wall's month to date reads the
running month).

- A **backfill** reads the window ``[since, until]``.
- An **incremental** run reads the last ``months_back`` whole months before today, the quarters and years that ended in
  them, and the running month, quarter and year: published scores are revised, so the open periods are read again. A
  collector that was off longer reads on from the last month its cursor says it read (at most ``catch_up_months``).

The cursor is JSON: the window, the next request (step and page), the province's scores read so far for the period in
flight (for its total) and ``through``, the end of the last month read. A run that stopped resumes at its step.
Bodies are read within ``max_page_bytes``; requests are retried with backoff (``collectors/http.py``); a ``code`` other
than ``OK`` ends the run failed with the portal's message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from collectors.http import RequestBudget, RetryableError, get_json, make_auth, make_client
from collectors.portal766_shapes import (
    GROUPS,
    TOTAL,
    Group,
    parse_record,
    province_score,
    raw_records,
    request_body,
    shape_of,
)
from ioc.collecting.kind import Page, Source, SourceError
from ioc.indicators.model import IndicatorValue, PeriodRef, period_of
from ioc.indicators.names import matcher
from ioc.records import Rejection

PATH = "/api/v1/reporting/evaluation/"


class Portal766Options(BaseModel):
    """Options of a ``portal-766`` collector (``--option KEY=VALUE``)."""

    model_config = ConfigDict(extra="forbid")

    root_department_id: str = Field(
        ..., min_length=1, max_length=100, pattern=r"^[0-9A-Za-z-]+$", description="the province's rootDepartmentId"
    )
    months_back: int = Field(3, ge=1, le=36, description="whole months an incremental run reads again")
    catch_up_months: int = Field(36, ge=1, le=120, description="longest gap an incremental run catches up on")
    max_pages: int = Field(20, ge=1, le=1000, description="pages of units read per group and period at most")
    timeout_seconds: float = Field(60, gt=0, description="per request")
    max_attempts: int = Field(6, ge=1, le=30, description="tries per request before the run fails")
    backoff_initial_seconds: float = Field(0.5, ge=0, description="first backoff; doubles, with jitter")
    backoff_max_seconds: float = Field(60, ge=0, description="longest backoff between tries")
    max_page_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="largest answer read; a larger one fails the run")
    request_deadline_seconds: float = Field(300, gt=0, description="longest a request may take in all")
    api_key_header: str = "X-API-Key"
    token_url: str | None = Field(None, description="OAuth2 token endpoint; default {origin}/oauth/token")
    scope: str | None = None


def first_of_month_before(day: date, months: int) -> date:
    """The first day of the month ``months`` months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def periods_of(start: date, end: date, today: date) -> list[PeriodRef]:
    """The months, quarters and years that ended within ``[start, end)`` (and before ``today``), then the month,
    quarter and year running on the window's last day, from the earliest; each once."""
    cutoff = min(end, today)
    found: set[PeriodRef] = set()
    day = start
    while day < cutoff:
        for kind in ("month", "quarter", "year"):
            period = period_of(kind, day)
            if start <= period.end < cutoff:
                found.add(period)
        day = period_of("month", day).end + timedelta(days=1)
    if start < cutoff:
        last = cutoff - timedelta(days=1)
        found.update(period_of(kind, last) for kind in ("month", "quarter", "year"))
    rank = {"month": 0, "quarter": 1, "year": 2}
    return sorted(found, key=lambda p: (p.end, rank[p.kind]))


class Portal766:
    """The national portal's published Decision 766 scores."""

    kind: ClassVar[str] = "portal-766"
    description: ClassVar[str] = "National public-service portal: published Decision 766 scores (six groups)"
    Options: ClassVar[type[BaseModel]] = Portal766Options
    record_type: ClassVar[str] = "indicator"
    location: ClassVar[str] = "url"

    def __init__(self, source: Source) -> None:
        if not source.url:
            raise SourceError(f"collector {source.name!r} has no --url (the portal's address)")
        self.source = source
        self.options: Portal766Options = source.options
        self.base = source.url.rstrip("/") + PATH
        self.names = matcher(source.province, source.unit_names, source.agency_names, source.aliases)
        auth = make_auth(
            source.auth, source.secrets, source.url, self.options.api_key_header, self.options.token_url,
            self.options.scope,
        )  # fmt: skip
        self.budget = RequestBudget(self.options.request_deadline_seconds, source.abort)
        self.client: httpx.Client = make_client(
            auth, self.options.timeout_seconds, self.budget, {"Accept": "application/json"}, source.transport
        )

    def close(self) -> None:
        self.client.close()

    # fetching ------------------------------------------------------------------------------------------

    def _window(self, state: dict[str, Any], since: datetime | None, until: datetime | None) -> tuple[date, date]:
        if since is not None and until is not None:
            return since.date(), until.date()
        today = self.source.now.date()
        start = first_of_month_before(today, self.options.months_back)
        through = _date(state.get("through"))
        if through is not None and through + timedelta(days=1) < start:
            start = max(through + timedelta(days=1), first_of_month_before(today, self.options.catch_up_months))
        return start, today + timedelta(days=1)

    def _request(self, group: Group, period: PeriodRef, page: int) -> dict[str, Any]:
        body = request_body(group, period, self.options.root_department_id, page)
        answer = get_json(
            self.client,
            self.base + group.endpoint,
            {},
            self.options.max_attempts,
            self.options.backoff_initial_seconds,
            self.options.backoff_max_seconds,
            _check_envelope,
            budget=self.budget,
            max_bytes=self.options.max_page_bytes,
            method="POST",
            json_body=body,
        )
        if answer["code"] != "OK":
            message = str(answer.get("message"))[:200]
            raise SourceError(
                f"the portal answered code {str(answer['code'])[:40]!r} for {group.endpoint} {period.label}: {message}"
            )
        return answer

    def fetch(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        """One page per request (a group's units over a period), and a page with each period's total after its six
        groups. See the module's docstring for the window."""
        state = _state(cursor)
        start, end = self._window(state, since, until)
        window = [start.isoformat(), end.isoformat()]
        periods = periods_of(start, end, self.source.now.date())
        steps = [(period, group) for period in periods for group in (*GROUPS, None)]
        step, page, scores = 0, 1, {}
        if state.get("window") == window and isinstance(state.get("step"), int) and 0 <= state["step"] < len(steps):
            step, page = state["step"], max(1, int(state.get("page") or 1))
            scores = state.get("scores") if isinstance(state.get("scores"), dict) else {}
        through = state.get("through")
        while step < len(steps):
            period, group = steps[step]
            if group is None:
                raw = [{"group": TOTAL, "period": period.label, "role": TOTAL, "scores": scores}]
                ended = period.end < self.source.now.date()  # a running month is read again: not "through"
                if period.kind == "month" and ended and (through is None or period.end.isoformat() > through):
                    through = period.end.isoformat()
                step, page, scores = step + 1, 1, {}
                yield Page(raw=raw, cursor=_cursor(window, step, page, scores, through))
                continue
            answer = self._request(group, period, page)
            data = answer.get("data")
            records = raw_records(group, period, data, first_page=page == 1)
            if page == 1:
                province = records[0].get("unit") if records else None
                scores[group.endpoint] = province_score(province)
            pages = _total_pages(data)
            if page < pages:
                if page >= self.options.max_pages:
                    raise SourceError(
                        f"the portal has {pages} pages of units for {group.endpoint} {period.label}, more than "
                        f"max_pages ({self.options.max_pages})"
                    )
                page += 1
            else:
                step, page = step + 1, 1
            del answer, data
            yield Page(raw=records, cursor=_cursor(window, step, page, scores, through))

    # parsing -------------------------------------------------------------------------------------------

    def parse(self, raw: dict[str, Any]) -> IndicatorValue | Rejection:
        source = self.source
        return parse_record(raw, self.names, source.indicators, source.unit_codes, source.province)


def _check_envelope(body: Any) -> None:
    """An answer in the portal's envelope, its ``data`` null or of a known shape (else retried, then failed)."""
    if not isinstance(body, dict) or "code" not in body:
        raise RetryableError("the answer is not the portal's envelope {code, data, message}")
    data = body.get("data")
    if body["code"] == "OK" and data is not None:
        if not isinstance(data, dict):
            raise RetryableError("the answer's data is neither null nor an object")
        try:
            _, units = shape_of(data)
        except ValueError as error:
            raise RetryableError(str(error)) from None
        if units is not None and not isinstance(units, list):
            raise RetryableError("the answer's units (children or evaluation) are not a list")


def _total_pages(data: Any) -> int:
    pagination = data.get("pagination") if isinstance(data, dict) else None
    pages = pagination.get("totalPages") if isinstance(pagination, dict) else None
    return pages if pages.__class__ is int and pages > 0 else 1


def _state(cursor: str | None) -> dict[str, Any]:
    try:
        state = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    return state if isinstance(state, dict) else {}


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _cursor(window: list[str], step: int, page: int, scores: dict[str, Any], through: str | None) -> str:
    return json.dumps({"window": window, "step": step, "page": page, "scores": scores, "through": through})
