"""dossier-sync parsing: each validation rule of the domain page sends a record to quarantine with its reason."""

from __future__ import annotations

from datetime import datetime

import pytest

from collectors.dossier_sync import DossierSync, DossierSyncOptions
from ioc.collecting.kind import Source
from ioc.records import DossierRecord, Rejection

UNITS = frozenset({"46", "19753", "19777"})


def make_kind(**options) -> DossierSync:
    source = Source(
        name="test",
        url="http://127.0.0.1:9/api/hoso",
        auth="none",
        secrets={},
        options=DossierSyncOptions(**options),
        province="46",
        unit_codes=UNITS,
    )
    return DossierSync(source)


def good_record(**changes) -> dict:
    record = {
        "MaHoSo": "H46-20250301-000001",
        "MaTTHC": "1.001234",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HT",
        "TenLinhVuc": "Hộ tịch",
        "KenhThucHien": 2,
        "ChuHoSo": "Nguyễn Văn An",
        "LoaiDoiTuong": 1,
        "MaCoQuan": "UBND-19753",
        "MaDVHC": "19753",
        "NgayTiepNhan": "20250301080000",
        "NgayHenTra": "20250305170000",
        "TrangThaiHoSo": 10,
        "NgayKetThucXuLy": "20250304100000",
        "NgayTra": "20250304150000",
        "ThanhToanTrucTuyen": None,
        "SoHoa": 1,
        "NgayCapNhat": "20250304150000",
    }
    record.update(changes)
    return record


@pytest.fixture(scope="module")
def kind():
    parser = make_kind()
    yield parser
    parser.close()


def test_a_good_record_becomes_a_dossier(kind):
    record = kind.parse(good_record())
    assert isinstance(record, DossierRecord)
    assert record.source_key == "H46-20250301-000001"
    assert record.received_at == datetime(2025, 3, 1, 8, 0, 0)
    assert record.finished_at == datetime(2025, 3, 4, 10, 0, 0)
    assert (record.status, record.channel, record.applicant_type) == (10, 2, 1)
    assert record.paid_online is None
    assert record.digitised is True
    assert record.unit_code == "19753"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"MaHoSo": None}, "MaHoSo is missing or empty"),
        ({"MaHoSo": "   "}, "MaHoSo is missing or empty"),
        ({"NgayTiepNhan": "2025-03-01"}, "NgayTiepNhan '2025-03-01' is not a date-time yyyyMMddHHmmss"),
        ({"NgayHenTra": "20251345170000"}, "NgayHenTra '20251345170000' is not a date-time"),
        ({"NgayCapNhat": "abc"}, "NgayCapNhat 'abc' is not a date-time"),
        ({"NgayCapNhat": None}, "NgayCapNhat is missing"),
        ({"NgayHenTra": "20250228170000"}, "NgayHenTra 28/02/2025 17:00:00 is before NgayTiepNhan 01/03/2025 08:00:00"),
        ({"NgayKetThucXuLy": "20250201100000"}, "NgayKetThucXuLy 01/02/2025 10:00:00 is before NgayTiepNhan"),
        ({"KenhThucHien": 7}, "KenhThucHien 7 is not one of 1, 2, 3"),
        ({"KenhThucHien": "online"}, "KenhThucHien 'online' is not one of 1, 2, 3"),
        ({"TrangThaiHoSo": 12}, "TrangThaiHoSo 12 is not one of 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"),
        ({"TrangThaiHoSo": 0}, "TrangThaiHoSo 0 is not one of"),
        ({"TrangThaiHoSo": None}, "TrangThaiHoSo is missing"),
        ({"MaDVHC": "99999"}, "MaDVHC '99999' is not province 46 or one of its communes"),
        ({"MaDVHC": "48"}, "MaDVHC '00048' is not province 46"),
        ({"TrangThaiHoSo": 9, "NgayKetThucXuLy": None}, "TrangThaiHoSo 9 (đã xử lý xong) without NgayKetThucXuLy"),
        ({"TrangThaiHoSo": 10, "NgayKetThucXuLy": ""}, "TrangThaiHoSo 10 (đã trả kết quả) without NgayKetThucXuLy"),
        ({"LoaiDoiTuong": 9}, "LoaiDoiTuong 9 is not one of 1, 2, 3, 4"),
        ({"SoHoa": 2}, "SoHoa 2 is not 0 or 1"),
        ({"MaCoQuan": "X" * 65}, "MaCoQuan is longer than 64 characters"),
    ],
)
def test_a_broken_rule_is_a_rejection_with_its_reason(kind, changes, reason):
    raw = good_record(**changes)
    result = kind.parse(raw)
    assert isinstance(result, Rejection)
    assert reason in result.reason
    assert result.raw is raw


def test_a_rejection_keeps_the_key_and_update_time_when_they_read(kind):
    result = kind.parse(good_record(KenhThucHien=9))
    assert isinstance(result, Rejection)
    assert result.source_key == "H46-20250301-000001"
    assert result.source_updated_at == datetime(2025, 3, 4, 15, 0, 0)


def test_open_dossiers_need_no_finish_time(kind):
    record = kind.parse(good_record(TrangThaiHoSo=4, NgayKetThucXuLy=None, NgayTra=None))
    assert isinstance(record, DossierRecord)
    assert record.finished_at is None


def test_a_dossier_finished_exactly_at_due_time_is_valid(kind):
    record = kind.parse(good_record(NgayKetThucXuLy="20250305170000"))
    assert isinstance(record, DossierRecord)


def test_numeric_codes_are_quarantined_not_coerced(kind):
    """The format says codes are strings: 46 is not "46" (and 1 is not commune "00001"); coded integers may be text."""
    numeric = kind.parse(good_record(MaDVHC=46, MaCoQuan="SYT"))
    commune_level = kind.parse(good_record(MaDVHC="19753", KenhThucHien="1", TrangThaiHoSo="10"))
    assert isinstance(numeric, Rejection)
    assert numeric.reason == "MaDVHC must be a string, not 46"
    assert isinstance(commune_level, DossierRecord)
    assert commune_level.unit_code == "19753"
    assert (commune_level.channel, commune_level.status) == (1, 10)


def test_online_payment_flag(kind):
    paid = kind.parse(good_record(ThanhToanTrucTuyen=1))
    other = kind.parse(good_record(ThanhToanTrucTuyen=0))
    assert isinstance(paid, DossierRecord)
    assert isinstance(other, DossierRecord)
    assert (paid.paid_online, other.paid_online) == (True, False)


def test_field_names_follow_the_field_map():
    kind = make_kind(field_map={"MaHoSo": "so_ho_so", "NgayCapNhat": "cap_nhat"})
    raw = good_record()
    raw["so_ho_so"] = raw.pop("MaHoSo")
    raw["cap_nhat"] = raw.pop("NgayCapNhat")
    record = kind.parse(raw)
    kind.close()
    assert isinstance(record, DossierRecord)
    assert record.source_key == "H46-20250301-000001"


def test_a_field_map_naming_an_unknown_field_is_refused():
    with pytest.raises(Exception, match="unknown fields"):
        make_kind(field_map={"Nonsense": "x"})
