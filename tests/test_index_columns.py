"""The Decision 766 index's columns have headers in both languages: no page or export shows a row key such as
``group_progress`` or ``computable_points``."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from ioc.indicators.portal_compare import compared_rows
from ioc.kpi.periods import Period
from layouts.index_columns import index_header


@pytest.fixture
def rows_keys(warehouse: Engine) -> set[str]:
    """The keys of the index's rows, with the portal's figures beside them, from a new warehouse."""
    with warehouse.connect() as connection:
        keys = set()
        for by in ("agency", "unit", None):
            rows = compared_rows(connection, Period.inclusive(date(2026, 11, 1), date(2026, 11, 30)), by)
            keys |= {key for row in rows for key in row} | ({by} if by else set())
    return keys


def test_every_index_column_has_a_header_in_each_language(rows_keys: set[str]) -> None:
    assert {"points", "computable_points", "group_progress", "portal_total", "differs_progress"} <= rows_keys
    for key in rows_keys:
        vi, en = index_header(key, "vi"), index_header(key, "en")
        assert key not in (vi, en) and "_" not in vi + en, key
    assert index_header("group_progress", "vi") == "Tiến độ giải quyết"
    assert index_header("portal_total", "vi") == "Cổng DVC quốc gia: Tổng điểm"
    assert index_header("computable_points", "en") == "Points IOC can compute"
