"""``dossier-sync``: the provincial dossier system in the national public-service portal's sync format.

Pulls ``GET {url}?tu_ngay=…&den_ngay=…&trang=N&so_ban_ghi=K`` (``domain/dossier-source.md``) by keyset on
``NgayCapNhat``: each request starts at the greatest update time already read, so records that change while a
run pages through the source are neither skipped nor lost; the few records at that boundary second are
re-served and skipped. Field names and paging parameters are options, with the domain page's as defaults.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from collectors.http import RetryableError, get_json, make_auth
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
    lookahead_hours: int = Field(24, ge=0, description="an incremental run asks up to now + this")


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
        self.client = httpx.Client(
            auth=auth, timeout=self.options.timeout_seconds, headers={"Accept": "application/json"}
        )

    def close(self) -> None:
        self.client.close()

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
        )

    def fetch(self, cursor: str | None, since: datetime | None, until: datetime | None) -> Iterator[Page]:
        """Pages from the cursor (or ``since``) up to ``until`` (or now + lookahead), by keyset on NgayCapNhat.

        Update times are compared as the source's ``yyyyMMddHHmmss`` strings, which sort in time order.
        """
        start = cursor or (since or datetime(2000, 1, 1)).strftime(TIME_FORMAT)
        end = (until or self.source.now + timedelta(hours=self.options.lookahead_hours)).strftime(TIME_FORMAT)
        key_name, time_name = self.names["MaHoSo"], self.names["NgayCapNhat"]
        at_boundary: set[Any] = set()
        page_number = 1
        while start < end:
            body = self._request(start, end, page_number)
            raw_records = body[self.options.records_key]
            stamps = [_stamp(raw, time_name) for raw in raw_records]
            fresh = [
                raw
                for raw, stamp in zip(raw_records, stamps, strict=True)
                if stamp != start or _key(raw, key_name) not in at_boundary
            ]
            last = max(filter(None, stamps), default=start)
            if last > start:
                at_boundary = {_key(r, key_name) for r, t in zip(raw_records, stamps, strict=True) if t == last}
                start, page_number = last, 1
            else:
                at_boundary |= {_key(raw, key_name) for raw in raw_records}
                page_number += 1
            remaining = body.get(self.options.total_key)
            yield Page(raw=fresh, cursor=start, remaining=remaining if isinstance(remaining, int) else None)
            if len(raw_records) < self.options.page_size:
                return

    # parsing -------------------------------------------------------------------------------------------

    def parse(self, raw: dict[str, Any]) -> DossierRecord | Rejection:
        """One record of the sync format, checked against the domain's rules.

        Well-formed values (strings, integers) take fast paths; anything else goes through the full parsers.
        """
        values = map(raw.get, self.ordered_names)
        (key, code, name, field_code, field_name, channel, applicant, applicant_type, agency, unit,
         received, due, status, finished, returned, paid, digitised, updated_text) = values  # fmt: skip
        key_text = _text(key) or ""
        updated = None
        try:
            if not key_text:
                raise InvalidRecordError("MaHoSo is missing or empty")
            for field, value in (
                ("MaHoSo", key_text),
                ("MaTTHC", code),
                ("MaLinhVuc", field_code),
                ("MaCoQuan", agency),
            ):
                if value is not None and len(str(value)) > CODE_LIMITS[field]:
                    raise InvalidRecordError(f"{field} is longer than {CODE_LIMITS[field]} characters")
            updated = parse_source_time(updated_text, "NgayCapNhat")
            if updated is None:
                raise InvalidRecordError("NgayCapNhat is missing")
            status = status if status.__class__ is int and status in STATUSES else _required_status(status)
            record = DossierRecord(
                key_text,
                _text(code),
                _text(name),
                _text(field_code),
                _text(field_name),
                channel
                if channel.__class__ is int and channel in CHANNELS
                else parse_code(channel, "KenhThucHien", CHANNELS),
                _text(applicant),
                applicant_type
                if applicant_type.__class__ is int and applicant_type in APPLICANT_TYPES
                else parse_code(applicant_type, "LoaiDoiTuong", APPLICANT_TYPES),
                _text(agency),
                self._unit_code(unit),
                parse_source_time(received, "NgayTiepNhan"),
                parse_source_time(due, "NgayHenTra"),
                status,
                parse_source_time(finished, "NgayKetThucXuLy"),
                parse_source_time(returned, "NgayTra"),
                parse_flag(paid, "ThanhToanTrucTuyen", nullable=True),
                bool(parse_flag(digitised, "SoHoa", nullable=False)),
                updated,
            )
            check_dossier(record, self.source.unit_codes, self.source.province)
        except InvalidRecordError as error:
            return Rejection(raw=raw, reason=str(error), source_key=key_text or None, source_updated_at=updated)
        return record

    def _unit_code(self, value: Any) -> str:
        """Official codes are zero-padded strings; a source may send them as numbers."""
        text = str(value).strip() if value is not None else ""
        if not text:
            raise InvalidRecordError("MaDVHC is missing")
        if text.isdigit():
            return self.source.province if int(text) == int(self.source.province) else f"{int(text):05d}"
        return text


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = (value if value.__class__ is str else str(value)).strip()
    return text or None


def _required_status(value: Any) -> int:
    status = parse_code(value, "TrangThaiHoSo", STATUSES)
    if status is None:
        raise InvalidRecordError("TrangThaiHoSo is missing")
    return status


def _stamp(raw: Any, name: str) -> str | None:
    """A record's update time as the source's string, or None when it has not the right shape."""
    value = raw.get(name) if isinstance(raw, dict) else None
    return value if is_source_time(value) else None


def _key(raw: Any, name: str) -> Any:
    return raw.get(name) if isinstance(raw, dict) else None
