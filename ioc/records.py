"""Validated dossier records and rejections: what collectors hand the warehouse.

The rules are those of ``domain/dossier-source.md`` ("Validation: what goes to quarantine"). They are
independent of any source format; a collector parses its format, then calls :func:`check_dossier`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CHANNELS = {1: "trực tiếp", 2: "trực tuyến", 3: "bưu chính công ích"}
STATUSES = {
    1: "mới đăng ký",
    2: "được tiếp nhận",
    3: "không được tiếp nhận",
    4: "đang xử lý",
    5: "yêu cầu bổ sung",
    6: "yêu cầu thực hiện nghĩa vụ tài chính",
    7: "công dân yêu cầu rút hồ sơ",
    8: "dừng xử lý",
    9: "đã xử lý xong",
    10: "đã trả kết quả",
}
APPLICANT_TYPES = {1: "công dân", 2: "doanh nghiệp", 3: "cơ quan nhà nước", 4: "tổ chức khác"}
FINISHED_STATUSES = frozenset({9, 10})
SOURCE_TIME_FORMAT = "yyyyMMddHHmmss"
#: Fourteen ASCII digits: ``str.isdigit`` also takes full-width (０-９) and Arabic-Indic (٠-٩) digits.
SOURCE_TIME_SHAPE = re.compile(r"[0-9]{14}", re.ASCII)

#: The ``dossier`` columns a record fills. Procedure and field names go to the ``procedure`` table instead.
RECORD_FIELDS = (
    "source_key",
    "procedure_code",
    "field_code",
    "channel",
    "applicant_name",
    "applicant_type",
    "agency_code",
    "unit_code",
    "received_at",
    "due_at",
    "status",
    "finished_at",
    "returned_at",
    "paid_online",
    "digitised",
    "source_updated_at",
)


@dataclass(slots=True)
class DossierRecord:
    """One dossier's latest state, validated, in warehouse terms."""

    source_key: str
    procedure_code: str | None
    procedure_name: str | None
    field_code: str | None
    field_name: str | None
    channel: int | None
    applicant_name: str | None
    applicant_type: int | None
    agency_code: str | None
    unit_code: str
    received_at: datetime | None
    due_at: datetime | None
    status: int
    finished_at: datetime | None
    returned_at: datetime | None
    paid_online: bool | None
    digitised: bool
    source_updated_at: datetime
    #: Whether ``unit_code`` is the official code of the draft code the source sent (``ioc.unit_codes``).
    unit_code_mapped: bool = False

    def values(self) -> tuple[Any, ...]:
        """The record's values in ``RECORD_FIELDS`` order."""
        return (
            self.source_key,
            self.procedure_code,
            self.field_code,
            self.channel,
            self.applicant_name,
            self.applicant_type,
            self.agency_code,
            self.unit_code,
            self.received_at,
            self.due_at,
            self.status,
            self.finished_at,
            self.returned_at,
            self.paid_online,
            self.digitised,
            self.source_updated_at,
        )


@dataclass(slots=True, frozen=True)
class Rejection:
    """A source record that cannot be loaded, with the reason a person can act on."""

    raw: dict[str, Any]
    reason: str
    source_key: str | None = None
    source_updated_at: datetime | None = None
    #: The JSON text the quarantine keeps and its fingerprint, when made early (then ``raw`` may be let go).
    kept: tuple[str, str] | None = None


class InvalidRecordError(ValueError):
    """A field's value breaks a rule; the message is the reason shown in quarantine."""


def shown(value: Any) -> str:
    """A source value for a rejection's reason: scalars as they read (cut), containers by their type only."""
    if isinstance(value, str):
        return repr(value[:40]) + ("…" if len(value) > 40 else "")
    if isinstance(value, (bool, float)) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value) if -(10**40) < value < 10**40 else "a 40-digit-plus number"
    return f"a {type(value).__name__}"


def parse_source_time(value: Any, field: str) -> datetime | None:
    """Parse ``yyyyMMddHHmmss`` (local time, ASCII digits); None for null or empty. A 14-digit number reads too."""
    if value is None or value == "":
        return None
    if value.__class__ is int and 0 <= value < 10**14:
        value = f"{value:014d}"
    if value.__class__ is not str:
        raise InvalidRecordError(f"{field} {shown(value)} is not a date-time {SOURCE_TIME_FORMAT}")
    if SOURCE_TIME_SHAPE.fullmatch(value):
        try:
            return datetime.fromisoformat(f"{value[:8]}T{value[8:]}")
        except ValueError:
            pass
    raise InvalidRecordError(f"{field} {value[:40]!r} is not a date-time {SOURCE_TIME_FORMAT}")


def is_source_time(value: Any) -> bool:
    """Whether ``value`` has the source's time shape (ASCII digits); such strings sort in time order."""
    return value.__class__ is str and SOURCE_TIME_SHAPE.fullmatch(value) is not None


def parse_code(value: Any, field: str, table: dict[int, str]) -> int | None:
    """Parse a coded integer (channel, status, applicant type) and check it against its table.

    An integer, an integral float or a short string of digits reads; a boolean or a container does not.
    """
    if value is None or value == "":
        return None
    code = None
    if value.__class__ is int or (value.__class__ is float and value.is_integer()):
        code = int(value)
    elif value.__class__ is str and len(value) <= 20:
        try:
            code = int(value)
        except ValueError:
            code = None
    if code is None or code not in table:
        allowed = ", ".join(str(key) for key in table)
        raise InvalidRecordError(f"{field} {shown(value)} is not one of {allowed}")
    return code


def parse_flag(value: Any, field: str, *, nullable: bool) -> bool | None:
    """Parse a 0/1 flag; null allowed only where the format allows it."""
    if value is None or value == "":
        if nullable:
            return None
        return False
    if value.__class__ in (int, float, str, bool) and value in (0, 1, "0", "1"):
        return bool(int(value))
    raise InvalidRecordError(f"{field} {shown(value)} is not 0 or 1")


def _show(moment: datetime) -> str:
    return f"{moment:%d/%m/%Y %H:%M:%S}"


def check_dossier(record: DossierRecord, unit_codes: Collection[str], province: str) -> None:
    """Apply the domain's validation rules; raise :class:`InvalidRecordError` with the first broken one."""
    if record.unit_code not in unit_codes:
        raise InvalidRecordError(f"MaDVHC {record.unit_code!r} is not province {province} or one of its communes")
    received = record.received_at
    if received is not None:
        if record.due_at is not None and record.due_at < received:
            raise InvalidRecordError(f"NgayHenTra {_show(record.due_at)} is before NgayTiepNhan {_show(received)}")
        if record.finished_at is not None and record.finished_at < received:
            raise InvalidRecordError(
                f"NgayKetThucXuLy {_show(record.finished_at)} is before NgayTiepNhan {_show(received)}"
            )
    if record.status in FINISHED_STATUSES and record.finished_at is None:
        raise InvalidRecordError(f"TrangThaiHoSo {record.status} ({STATUSES[record.status]}) without NgayKetThucXuLy")
