"""``/wall/index`` from a hand-built warehouse (both engines): the total of the points IOC computes, six group bars,
the trend, rankings on index points, "what it takes", and the portal's published scores beside IOC's with a flag
beyond 0.5 point; the refresh sends nothing while neither the data nor the day changed."""

from __future__ import annotations

import pytest
from dash.exceptions import PreventUpdate
from sqlalchemy import select

from ioc.collecting.store import add_collector
from ioc.indicators.load import load_values
from ioc.indicators.model import IndicatorValue, parse_period
from ioc.warehouse import schema
from ioc.warehouse.load import load_page
from layouts import warehouse as dashboard_warehouse
from tests.test_indicator_screens import _texts
from tests.test_kpi_query import EDGE_CASES, NOW

OPTIONS = {"lang": "vi", "date": "2025-03-31", "map": "on_time_rate", "rotate": None}


@pytest.fixture
def index_wall(warehouse):
    """March 2025's edge cases (progress 11.43, online 1.5, payment 3, digitisation 0.5: 16.43 of 36 computable) and
    the portal's published March scores: progress 2 points above IOC's, the total 0.4 above, transparency 12."""
    unit = schema.Unit.__table__
    with warehouse.begin() as connection:
        province = connection.execute(select(unit.c.code).where(unit.c.level == "province")).scalar_one()
        collector = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector, None, EDGE_CASES, [], NOW)
        portal = add_collector(
            connection, "portal", "portal-766", "http://127.0.0.1:9/", options={"root_department_id": "x"}
        ).id
        march = parse_period("2025-03")
        published = [
            IndicatorValue("portal766.progress", province, "", march, 13.43),
            IndicatorValue("portal766.transparency", province, "", march, 12.0),
            IndicatorValue("portal766.total", province, "", march, 16.83),
        ]
        load_values(connection, portal, None, published, NOW)
    dashboard_warehouse.use(warehouse)
    return warehouse


def test_the_index_wall_shows_iocs_points_beside_the_portals_and_flags_differences(index_wall):
    from layouts.wall_index import content

    shown = content(OPTIONS)
    total = _texts(shown["total"])
    assert "16,43" in total and "/ 36 điểm IOC tính được (trên 100)" in total
    assert "Chưa xếp loại: IOC mới tính được 36/100 điểm" in total  # no rating before all 100 are computable
    assert "Cổng DVCQG: 16,83" in total and not any("lệch" in text for text in total)  # 0.4 apart: no flag

    bars = {bar.id["group"]: _texts(bar) for bar in shown["bars"]}
    assert list(bars) == [
        "transparency",
        "progress",
        "online_services",
        "online_payment",
        "digitisation",
        "satisfaction",
    ]
    assert "11,43 / 20" in bars["progress"] and "tính được 20/20 điểm" in bars["progress"]
    assert "Cổng DVCQG: 13,43" in bars["progress"] and "⚠ lệch 2,00 điểm" in bars["progress"]
    assert "1,50 / 12" in bars["online_services"] and "tính được 6/12 điểm" in bars["online_services"]
    assert "3,00 / 10" in bars["online_payment"] and "0,50 / 22" in bars["digitisation"]
    assert "chưa có dữ liệu / 18" in bars["transparency"] and "tính được 0/18 điểm" in bars["transparency"]
    assert "Cổng DVCQG: 12,00" in bars["transparency"] and not any("lệch" in text for text in bars["transparency"])
    assert "Cổng DVCQG: chưa thu thập" in bars["satisfaction"]

    assert [item.children for item in shown["gaps"]] == [
        "1 hồ sơ nữa giải quyết đúng hạn trong kỳ: +1 điểm Tiến độ giải quyết",
        "1 hồ sơ nữa nộp trực tuyến trong kỳ: +1 điểm Dịch vụ công trực tuyến",
        "1 hồ sơ có phí nữa thanh toán trực tuyến: +1 điểm Thanh toán trực tuyến",
        "2 hồ sơ nữa được số hóa trong kỳ: +1 điểm Số hóa hồ sơ",
    ]

    ioc, portal = shown["trend"].data
    assert len(ioc.x) == 12 and ioc.x[-1] == "03/2025" and ioc.y[-1] == 16.43 and ioc.y[0] is None
    assert portal.y[-1] == 16.83 and portal.y[0] is None

    communes = _texts(shown["rankings"][2])
    assert "Xã, phường điểm cao nhất" in communes and "16,43" in communes
    assert not any(text.isdigit() for text in communes)  # names, not codes


def test_the_index_wall_refreshes_only_when_the_data_or_the_day_changed(index_wall):
    from layouts.wall_index import content, refresh

    state = content(OPTIONS)["state"]
    with pytest.raises(PreventUpdate):
        refresh(1, OPTIONS, state)
    total, bars, *_rest, new_state = refresh(1, OPTIONS, {**state, "version": -1})  # drawn from older data
    assert new_state == state and len(bars) == 6 and "16,43" in _texts(total)


def test_early_in_a_month_the_index_shows_the_last_complete_month_and_says_so(index_wall):
    """2 April 2025 has two working days: the index (total, bars, rankings) is March's, titled so; what it takes is
    still about the month that is open."""
    from layouts.wall_index import content

    shown = content(OPTIONS | {"date": "2025-04-02"})
    assert "01/03/2025" in shown["period"] and "31/03/2025" in shown["period"]
    total = _texts(shown["total"])
    assert "16,43" in total and "Cổng DVCQG: 16,83" in total
    communes = _texts(shown["rankings"][2])
    assert "Xã, phường điểm cao nhất · tháng 3/2025" in communes and "16,43" in communes
    later = content(OPTIONS | {"date": "2025-04-10"})  # a week's work into April: April alone
    assert "16,43" not in _texts(later["total"])
