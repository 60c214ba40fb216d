"""Applicants' names (ChuHoSo): Vietnamese people, businesses, state agencies and other organisations.

All names live in one table, built on first use; a dossier stores an index into it. Family names follow their
approximate frequency in Vietnam (Nguyễn about a third).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(",") if word.strip())


#: (family name, relative frequency).
FAMILY_NAMES = tuple(
    (name, float(weight))
    for name, weight in (
        item.split(":")
        for item in _words(
            "Nguyễn:31.5, Trần:10.9, Lê:9.5, Phạm:7, Hoàng:5.1, Phan:4.5, Vũ:3.9, Võ:3, Đặng:2.1, Bùi:2, Đỗ:1.4, "
            "Hồ:1.3, Ngô:1.3, Dương:1, Lý:0.5, Huỳnh:1.5, Trương:0.8, Đinh:0.7, Lâm:0.4, Mai:0.4, Tôn Thất:0.3, "
            "Tôn Nữ:0.2, Cao:0.4, Châu:0.2, Hà:0.4, Lương:0.3, Trịnh:0.4"
        )
    )
)
MALE_MIDDLE = _words(
    "Văn, Hữu, Đức, Minh, Quang, Công, Thành, Xuân, Ngọc, Hoàng, Anh, Gia, Bảo, Thanh, Trung, Đình, Quốc, Tuấn, "
    "Nhật, Duy"
)
FEMALE_MIDDLE = _words("Thị, Ngọc, Thu, Thanh, Minh, Phương, Hoài, Mai, Bảo, Khánh, Diệu, Thùy, Kim, Hồng, Ánh, Thảo")
MALE_GIVEN = _words(
    "An, Bình, Cường, Dũng, Duy, Đạt, Hải, Hiếu, Hòa, Hùng, Huy, Khang, Khánh, Khoa, Kiên, Lâm, Long, Minh, Nam, "
    "Nghĩa, Nhân, Phát, Phong, Phúc, Quân, Quang, Sơn, Tài, Thắng, Thành, Thịnh, Tiến, Toàn, Trí, Trung, Tuấn, Tùng, "
    "Việt, Vinh, Vũ, Hưng, Lộc"
)
FEMALE_GIVEN = _words(
    "Anh, Châu, Chi, Diệp, Dung, Giang, Hà, Hạnh, Hằng, Hoa, Hương, Huyền, Lan, Linh, Loan, Mai, My, Nga, Ngân, Ngọc, "
    "Nhung, Oanh, Phương, Quyên, Quỳnh, Tâm, Thảo, Thu, Thủy, Trang, Trâm, Uyên, Vân, Vy, Yến, Hiền"
)
COMPANY_FORMS = _words("Công ty TNHH, Công ty TNHH MTV, Công ty Cổ phần, Doanh nghiệp tư nhân")
COMPANY_SECTORS = _words(
    "Xây dựng, Thương mại và Dịch vụ, Du lịch, Đầu tư, Sản xuất, Vận tải, Thực phẩm, Công nghệ, Dược phẩm, Nông sản, "
    "Bất động sản, Môi trường, Giáo dục, Cơ khí, Khách sạn, Nội thất, Xuất nhập khẩu, Tư vấn Thiết kế"
)
BRANDS = _words(
    "Hưng Thịnh, Phú Xuân, Thuận An, Hương Giang, Trường Tiền, An Cựu, Minh Phát, Đại Nam, Sao Việt, Hoàng Long, "
    "Thiên Ân, Kim Long, Tân Phú, Bảo Ngọc, Việt Trung, Hòa Bình, Đông Dương, Nam Trung, Phước Lộc, Thành Công, "
    "Ngự Bình, Vĩnh Phát, Trường Sơn, Lăng Cô, Hải Vân, Tam Giang, Phong Điền, An Phú, Bình Minh, Đức Tài"
)
STATE_AGENCY_KINDS = _words(
    "Trường Tiểu học, Trường Trung học cơ sở, Trường Mầm non, Trạm Y tế, Ban Quản lý dự án, "
    "Trung tâm Văn hóa – Thể thao, Hội Cựu chiến binh, Đoàn Thanh niên"
)
ORGANISATION_KINDS = _words(
    "Hợp tác xã Nông nghiệp, Hợp tác xã Dịch vụ, Hội Nông dân, Quỹ Khuyến học, Câu lạc bộ Thể thao, Hội Chữ thập đỏ"
)


@dataclass(frozen=True)
class NameTable:
    """Every name, and where each kind starts in it."""

    names: tuple[str, ...]
    family_weights: np.ndarray
    male_start: int
    female_start: int
    business_start: int
    agency_start: int
    organisation_start: int

    def citizens(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Indices of ``count`` random personal names."""
        family = rng.choice(len(FAMILY_NAMES), size=count, p=self.family_weights)
        female = rng.random(count) < 0.5
        middle = rng.random(count)
        given = rng.random(count)
        male_index = (middle * len(MALE_MIDDLE)).astype(np.int64) * len(MALE_GIVEN) + (given * len(MALE_GIVEN)).astype(
            np.int64
        )
        female_index = (middle * len(FEMALE_MIDDLE)).astype(np.int64) * len(FEMALE_GIVEN) + (
            given * len(FEMALE_GIVEN)
        ).astype(np.int64)
        per_family_male = len(MALE_MIDDLE) * len(MALE_GIVEN)
        per_family_female = len(FEMALE_MIDDLE) * len(FEMALE_GIVEN)
        return np.where(
            female,
            self.female_start + family * per_family_female + female_index,
            self.male_start + family * per_family_male + male_index,
        )

    def pick(self, rng: np.random.Generator, start: int, stop: int, count: int) -> np.ndarray:
        return start + rng.integers(0, stop - start, size=count)


@cache
def name_table() -> NameTable:
    """The table, built on first use."""
    families = [family for family, _ in FAMILY_NAMES]
    male = [f"{f} {m} {g}" for f in families for m in MALE_MIDDLE for g in MALE_GIVEN]
    female = [f"{f} {m} {g}" for f in families for m in FEMALE_MIDDLE for g in FEMALE_GIVEN]
    business = [f"{form} {sector} {brand}" for form in COMPANY_FORMS for sector in COMPANY_SECTORS for brand in BRANDS]
    agencies = [f"{kind} {brand}" for kind in STATE_AGENCY_KINDS for brand in BRANDS]
    organisations = [f"{kind} {brand}" for kind in ORGANISATION_KINDS for brand in BRANDS]
    weights = np.array([weight for _, weight in FAMILY_NAMES], dtype=float)
    starts = np.cumsum([0, len(male), len(female), len(business), len(agencies)])
    return NameTable(
        names=(*male, *female, *business, *agencies, *organisations),
        family_weights=weights / weights.sum(),
        male_start=int(starts[0]),
        female_start=int(starts[1]),
        business_start=int(starts[2]),
        agency_start=int(starts[3]),
        organisation_start=int(starts[4]),
    )


def name_stops(table: NameTable) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(start, stop) of the business, state-agency and organisation names."""
    return (
        (table.business_start, table.agency_start),
        (table.agency_start, table.organisation_start),
        (table.organisation_start, len(table.names)),
    )
