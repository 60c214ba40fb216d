"""The reasons a dossier is quarantined for have Vietnamese texts: the quarantine page shows them translated."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import pytest

from ioc.reasons import in_vietnamese
from ioc.records import STATUSES, DossierRecord, InvalidRecordError, check_dossier, parse_code, parse_source_time

RECEIVED = datetime(2026, 11, 26, 15, 54, 49)
GOOD = DossierRecord(
    "H46-1", None, None, None, None, None, None, None, None, "46001", RECEIVED, RECEIVED, 1, None, None, None, False,
    RECEIVED,
)  # fmt: skip
FINISHED = next(status for status, label in STATUSES.items() if "xong" in label)
#: English words a reason's Vietnamese text must not keep (the source's field names, like MaDVHC, may stay).
ENGLISH = re.compile(r"\b(?:is|not|before|without|missing|empty|one|of|its|communes|province|date|time)\b")


def _reason(action) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidRecordError) as caught:
        action()
    return str(caught.value)


@pytest.mark.parametrize(
    "action",
    [
        lambda: check_dossier(dataclasses.replace(GOOD, unit_code="ABCDE"), {"46001"}, "46"),
        lambda: check_dossier(dataclasses.replace(GOOD, due_at=datetime(2026, 11, 25)), {"46001"}, "46"),
        lambda: check_dossier(dataclasses.replace(GOOD, finished_at=datetime(2026, 11, 25)), {"46001"}, "46"),
        lambda: check_dossier(dataclasses.replace(GOOD, status=FINISHED), {"46001"}, "46"),
        lambda: parse_source_time("20241345250000", "NgayHenTra"),
        lambda: parse_code("x", "TrangThaiHoSo", STATUSES),
    ],
)
def test_a_dossiers_reason_reads_in_vietnamese(action) -> None:  # type: ignore[no-untyped-def]
    reason = _reason(action)
    vietnamese = in_vietnamese(reason)
    assert vietnamese != reason and not ENGLISH.search(vietnamese), vietnamese


@pytest.mark.parametrize("reason", ["MaHoSo is missing or empty", "NgayCapNhat is missing", "MaDVHC is missing"])
def test_a_missing_field_reads_in_vietnamese(reason: str) -> None:
    assert in_vietnamese(reason).startswith("Thiếu ")
