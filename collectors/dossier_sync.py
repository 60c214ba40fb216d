"""``dossier-sync``: the provincial dossier system in the national public-service portal's sync format.

Pulls ``GET {url}?tu_ngay=…&den_ngay=…&trang=N&so_ban_ghi=K`` (``domain/dossier-source.md``) by keyset on
``NgayCapNhat``: each request starts at the greatest update time already read, so records that change while a
run pages through the source are neither skipped nor lost; the few records at that boundary second are
re-served and skipped. Field names and paging parameters are options, with the domain page's as defaults.

A hostile or broken source cannot stall the collector: an update time later than now + the look-ahead (or not in
ASCII digits) goes to quarantine and never becomes the cursor; pages that bring nothing new end the run failed;
text fields must be strings within ``max_field_chars``; pages are read within ``max_page_bytes`` and each request
within ``request_deadline_seconds`` (``collectors/http.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from collectors.http import INVALID_UTF8, RequestBudget, RetryableError, get_json, make_auth, make_client
from ioc.collecting.kind import Page, Source, SourceError
from ioc.records import (
    APPLICANT_TYPES,
    CHANNELS,
    STATUSES,
    DossierRecord,
    InvalidRecordError,
    Rejection,
    check_dossier,
    is_source_time,
    parse_code,
    parse_flag,
    parse_source_time,
)
from ioc.records import shown as _shown
from ioc.unit_codes import OFFICIAL, UnitCodeScheme, official_unit_code
from ioc.units import commune_committee_code

TIME_FORMAT = "%Y%m%d%H%M%S"
FIELDS = (
    "MaHoSo",
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "TenLinhVuc",
    "KenhThucHien",
    "ChuHoSo",
    "LoaiDoiTuong",
    "MaCoQuan",
    "MaDVHC",
    "NgayTiepNhan",
    "NgayHenTra",
    "TrangThaiHoSo",
    "NgayKetThucXuLy",
    "NgayTra",
    "ThanhToanTrucTuyen",
    "SoHoa",
    "NgayCapNhat",
)
#: Longest codes the warehouse keeps; a longer one is rejected rather than cut.
CODE_LIMITS = {"MaHoSo": 100, "MaTTHC": 64, "MaLinhVuc": 64, "MaCoQuan": 64}
#: Pages in a row that bring no dossier not seen in the last :data:`RECENT_PAGES` pages before the run fails.
STALLED_PAGES = 3
RECENT_PAGES = 16
#: ``{`` and ``[`` allowed per record in a page (a record has one; the rest is room for braces inside strings).
CONTAINERS_PER_RECORD = 64
#: Added to a record of a page that held invalid UTF-8 when one of its field names did (its value: those names).
BAD_NAME = "__ioc_bad_name__"


class DossierSyncOptions(BaseModel):
    """Options of a ``dossier-sync`` collector (``--option KEY=VALUE``)."""

    model_config = ConfigDict(extra="forbid")

    page_size: int = Field(1000, ge=1, le=10000, description="records per request (so_ban_ghi)")
    timeout_seconds: float = Field(60, gt=0, description="per request")
    max_attempts: int = Field(6, ge=1, le=30, description="tries per request before the run fails")
    backoff_initial_seconds: float = Field(0.5, ge=0, description="first backoff; doubles, with jitter")
    backoff_max_seconds: float = Field(60, ge=0, description="longest backoff between tries")
    from_param: str = "tu_ngay"
    to_param: str = "den_ngay"
    page_param: str = "trang"
    size_param: str = "so_ban_ghi"
    total_key: str = "tong_so_ban_ghi"
    records_key: str = "du_lieu"
    field_map: dict[str, str] = Field(default_factory=dict, description="domain field name → the source's name")
    api_key_header: str = "X-API-Key"
    token_url: str | None = Field(None, description="OAuth2 token endpoint; default {origin}/oauth/token")
    scope: str | None = None
    lookahead_hours: int = Field(
        24, ge=0, le=24 * 366, description="an incremental run asks up to now + this; later update times are rejected"
    )
    max_page_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="largest page body read; a larger page fails the run"
    )
    max_field_chars: int = Field(
        2000, ge=1, description="longest text field; a longer one sends its record to quarantine"
    )
    request_deadline_seconds: float = Field(
        300, gt=0, description="longest a request may take in all, however slowly the source sends"
    )
    unit_codes: UnitCodeScheme = Field(
        OFFICIAL,
        description="MaDVHC as official codes (a draft-only code is mapped), or vietnam-provinces-2025: draft codes "
        "throughout, every one mapped",
    )


class DossierSync:
    """The national portal's dossier sync format."""

    kind: ClassVar[str] = "dossier-sync"
    description: ClassVar[str] = "Provincial dossier system, national public-service-portal sync format"
    Options: ClassVar[type[BaseModel]] = DossierSyncOptions

    def __init__(self, source: Source) -> None:
        if not source.url:
            raise SourceError(f"collector {source.name!r} has no --url")
        self.source = source
        self.options: DossierSyncOptions = source.options
        unknown = sorted(set(self.options.field_map) - set(FIELDS))
        if unknown:
            raise SourceError(f"option field_map names unknown fields {unknown}; known: {', '.join(FIELDS)}")
        self.names = {name: self.options.field_map.get(name, name) for name in FIELDS}
        self.ordered_names = [self.names[name] for name in FIELDS]
        auth = make_auth(
            source.auth,
            source.secrets,
            source.url,
            self.options.api_key_header,
            self.options.token_url,
            self.options.scope,
        )
        self.budget = RequestBudget(self.options.request_deadline_seconds, source.abort)
        self.client: httpx.Client = make_client(
            auth, self.options.timeout_seconds, self.budget, {"Accept": "application/json"}, source.transport
        )
        horizon = source.now + timedelta(hours=self.options.lookahead_hours)
        self.horizon, self.horizon_text = horizon, horizon.strftime(TIME_FORMAT)

    def close(self) -> None:
        self.client.close()

    def cursor_at(self, moment: datetime) -> str:
        """The cursor from which a run reads what changed from ``moment`` on (cursors sort as text in time order)."""
        return moment.strftime(TIME_FORMAT)

    # fetching ------------------------------------------------------------------------------------------

    def _check_body(self, body: Any) -> None:
        records = body.get(self.options.records_key) if isinstance(body, dict) else None
        if not isinstance(records, list):
            raise RetryableError(f"the page has no list {self.options.records_key!r}")

    def _request(self, start: str, end: str, page: int) -> dict[str, Any]:
        options = self.options
        params = {
            options.from_param: start,
            options.to_param: end,
            options.page_param: page,
            options.size_param: options.page_size,
        }
        assert self.source.url is not None
        return get_json(
            self.client,
            self.source.url,
            params,
            options.max_attempts,
            options.backoff_initial_seconds,
            options.backoff_max_seconds,
            self._check_body,
            budget=self.budget,
            max_bytes=options.max_page_bytes,
            max_containers=options.page_size * CONTAINERS_PER_RECORD + 1024,
        )

    def fetch(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        """Pages from the cursor (or ``since``) up to ``until`` (or now + lookahead), by keyset on NgayCapNhat.

        Update times are compared as the source's ``yyyyMMddHHmmss`` strings, which sort in time order. Only
        well-formed update times up to now + lookahead move the cursor. Pages bringing no dossier that the last
        pages did not bring (the same page again, ``tu_ngay`` or ``trang`` ignored, update times creeping) end the
        run with a :class:`SourceError`.
        """
        start = cursor or (since or datetime(2000, 1, 1)).strftime(TIME_FORMAT)
        end = (until or self.horizon).strftime(TIME_FORMAT)
        key_name, time_name = self.names["MaHoSo"], self.names["NgayCapNhat"]
        at_boundary: set[str | None] = set()
        watch = _ProgressWatch()
        page_number = 1
        while start < end:
            body = self._request(start, end, page_number)
            raw_records = body[self.options.records_key]
            if body.get(INVALID_UTF8):
                raw_records = [_mark_bad_names(raw) for raw in raw_records]
            stamps = [_stamp(raw, time_name, self.horizon_text) for raw in raw_records]
            keys = [_key(raw, key_name) for raw in raw_records]
            fresh = [
                raw
                for raw, stamp, key in zip(raw_records, stamps, keys, strict=True)
                if stamp != start or key not in at_boundary
            ]
            last = max(filter(None, stamps), default=start)
            watch.check(keys, advanced=last > start)
            if last > start:
                at_boundary = {key for key, t in zip(keys, stamps, strict=True) if t == last}
                start, page_number = last, 1
            else:
                at_boundary |= set(keys)
                page_number += 1
            at_boundary.discard(None)  # records without a usable key are sent on again, to quarantine (once)
            remaining = body.get(self.options.total_key)
            full = len(raw_records) >= self.options.page_size
            page = [Page(raw=fresh, cursor=start, remaining=remaining if remaining.__class__ is int else None)]
            del body, raw_records, fresh, stamps, keys  # held while suspended, they would keep a second page alive
            yield page.pop()
            if not full:
                return

    # parsing -------------------------------------------------------------------------------------------

    def parse(self, raw: dict[str, Any]) -> DossierRecord | Rejection:
        """One record of the sync format, checked against the domain's rules.

        Text fields must be strings (never coerced: ``True`` or ``123`` is not a code) within ``max_field_chars``
        and free of U+FFFD (what invalid UTF-8 from the source became). Well-formed values take fast paths.
        """
        values = map(raw.get, self.ordered_names)
        (key, code, name, field_code, field_name, channel, applicant, applicant_type, agency, unit,
         received, due, status, finished, returned, paid, digitised, updated_text) = values  # fmt: skip
        key_text = key.strip() if key.__class__ is str and len(key) <= CODE_LIMITS["MaHoSo"] else ""
        updated = None
        text = self._string
        try:
            if BAD_NAME in raw:
                raise InvalidRecordError("a field name is not valid UTF-8: the source sent bytes that are not text")
            if not text(key, "MaHoSo"):
                raise InvalidRecordError("MaHoSo is missing or empty")
            updated = parse_source_time(updated_text, "NgayCapNhat")
            if updated is None:
                raise InvalidRecordError("NgayCapNhat is missing")
            if updated > self.horizon:
                raise InvalidRecordError(
                    f"NgayCapNhat {updated:%d/%m/%Y %H:%M:%S} is later than now + lookahead_hours "
                    f"({self.horizon:%d/%m/%Y %H:%M:%S})"
                )
            status = status if status.__class__ is int and status in STATUSES else _required_status(status)
            procedure = (text(code, "MaTTHC"), text(name, "TenTTHC"), text(field_code, "MaLinhVuc"))
            field_label = text(field_name, "TenLinhVuc")
            channel = (
                channel
                if channel.__class__ is int and channel in CHANNELS
                else parse_code(channel, "KenhThucHien", CHANNELS)
            )
            applicant = text(applicant, "ChuHoSo")
            applicant_type = (
                applicant_type
                if applicant_type.__class__ is int and applicant_type in APPLICANT_TYPES
                else parse_code(applicant_type, "LoaiDoiTuong", APPLICANT_TYPES)
            )
            agency_code = text(agency, "MaCoQuan")
            sent = self._unit_code(text(unit, "MaDVHC"))
            unit_code = official_unit_code(
                sent, self.options.unit_codes, self.source.province, self.source.unit_codes, self.source.draft_codes
            )
            if unit_code != sent and agency_code in (commune_committee_code(sent), commune_committee_code(unit)):
                agency_code = commune_committee_code(unit_code)  # IOC's own name for the commune's committee
            record = DossierRecord(
                key_text,
                procedure[0],
                procedure[1],
                procedure[2],
                field_label,
                channel,
                applicant,
                applicant_type,
                agency_code,
                unit_code,
                parse_source_time(received, "NgayTiepNhan"),
                parse_source_time(due, "NgayHenTra"),
                status,
                parse_source_time(finished, "NgayKetThucXuLy"),
                parse_source_time(returned, "NgayTra"),
                parse_flag(paid, "ThanhToanTrucTuyen", nullable=True),
                bool(parse_flag(digitised, "SoHoa", nullable=False)),
                updated,
                unit_code != sent,
            )
            check_dossier(record, self.source.unit_codes, self.source.province)
        except InvalidRecordError as error:
            return Rejection(raw=raw, reason=str(error), source_key=key_text or None, source_updated_at=updated)
        return record

    def _string(self, value: Any, field: str) -> str | None:
        """A text field: a string within its limits, stripped; None when null or blank."""
        if value is None:
            return None
        if value.__class__ is not str:
            raise InvalidRecordError(f"{field} must be a string, not {_shown(value)}")
        limit = CODE_LIMITS.get(field)
        if len(value) > self.options.max_field_chars:
            raise InvalidRecordError(f"{field} is longer than {self.options.max_field_chars} characters ({len(value)})")
        if limit is not None and len(value) > limit:
            raise InvalidRecordError(f"{field} is longer than {limit} characters")
        if "\ufffd" in value:
            raise InvalidRecordError(f"{field} is not valid UTF-8: the source sent bytes that are not text")
        return value.strip() or None

    def _unit_code(self, text: str | None) -> str:
        """Official codes are zero-padded strings; a source may drop the zeros ("1" for commune "00001")."""
        if not text:
            raise InvalidRecordError("MaDVHC is missing")
        if text.isascii() and text.isdigit():
            return self.source.province if int(text) == int(self.source.province) else f"{int(text):05d}"
        return text


def _required_status(value: Any) -> int:
    status = parse_code(value, "TrangThaiHoSo", STATUSES)
    if status is None:
        raise InvalidRecordError("TrangThaiHoSo is missing")
    return status


def _stamp(raw: Any, name: str, horizon: str) -> str | None:
    """A record's update time as the source's string, or None when it has not the right shape or is past the
    horizon (now + lookahead): such a record is rejected, and must not move the cursor."""
    value = raw.get(name) if isinstance(raw, dict) else None
    return value if is_source_time(value) and value <= horizon else None


def _mark_bad_names(raw: Any) -> Any:
    """A record of a page that held invalid UTF-8, marked when a field name is what held it (the field would read
    as missing, silently); values holding it are caught by the parser."""
    if not isinstance(raw, dict):
        return raw
    bad = [name for name in raw if "\ufffd" in name]
    return {**raw, BAD_NAME: bad} if bad else raw


def _key(raw: Any, name: str) -> str | None:
    """A record's key when it is a string (what may identify a dossier), else None."""
    value = raw.get(name) if isinstance(raw, dict) else None
    return value if value.__class__ is str else None


class _ProgressWatch:
    """Tells when pages stop bringing dossiers not seen in the last pages, and ends the run then."""

    def __init__(self) -> None:
        self.recent: deque[set[str]] = deque(maxlen=RECENT_PAGES)
        self.stalled = 0

    def check(self, keys: list[str | None], *, advanced: bool) -> None:
        """``advanced``: the cursor moved. A page of records without usable keys progresses only that way."""
        usable = {key for key in keys if key is not None}
        progressed = bool(usable.difference(*self.recent)) if usable else advanced
        self.recent.append(usable)
        self.stalled = 0 if progressed else self.stalled + 1
        if self.stalled >= STALLED_PAGES:
            raise SourceError(
                f"the source made no progress after {STALLED_PAGES} pages: it sent again only dossiers already read "
                "(the same page again, tu_ngay or trang ignored, or update times creeping forward)"
            )
