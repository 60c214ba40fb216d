"""The screens of any indicator, on both engines, from values loaded through the real sink: the explorer's indicator
panel (picker, breakdowns, map, trend, table, export rows, the URL), the wall's "Chính quyền số" page (tiles, targets
or "chưa đặt", trends, cached per data version), and the admin targets page listing every indicator."""

from __future__ import annotations

from datetime import date, datetime

from ioc.collecting.store import add_collector
from ioc.export import csv_text
from ioc.indicators.load import load_values
from ioc.indicators.model import IndicatorValue, parse_period
from ioc.kpi.registry import Target
from ioc.kpi.targets import set_target
from ioc.units import communes
from layouts import explore_indicator
from layouts import warehouse as dashboard_warehouse
from layouts.view import View, from_store, parse, stored

NOW = datetime(2026, 11, 25, 8, 0)
OCTOBER = View(preset="custom", first=date(2026, 10, 1), last=date(2026, 10, 31))


def ratio(code: str, unit: str, period: str, numerator: float, denominator: float) -> IndicatorValue:
    return IndicatorValue(code, unit, "", parse_period(period), None, numerator, denominator)


def load(warehouse, values: list[IndicatorValue], name: str = "qlvb") -> None:  # type: ignore[no-untyped-def]
    with warehouse.begin() as connection:
        collector = add_collector(connection, name, "dossier-sync", f"http://127.0.0.1:9/api/{name}")
        load_values(connection, collector.id, None, values, NOW)
    dashboard_warehouse.use(warehouse)


def documents(warehouse) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Paperless documents in October and November 2026: a commune with 3 of 3 sent electronically, one with 1,000
    of 3,000 (the province's rate is 1,003 ÷ 3,003 = 33.4 %, not the 66.7 % an average of rates would give)."""
    first, second = (commune.code for commune in communes("46")[:2])
    load(
        warehouse,
        [
            ratio("docs_sent_electronic", first, "2026-10", 3, 3),
            ratio("docs_sent_electronic", second, "2026-10", 1000, 3000),
            ratio("docs_sent_electronic", first, "2026-11", 2, 4),
            IndicatorValue("cashless_value", first, "", parse_period("2026-10"), 12.5),
            IndicatorValue("cashless_value", second, "", parse_period("2026-10"), 0.25),
        ],
    )
    return first, second


def test_the_indicator_choice_and_its_breakdown_live_in_the_url() -> None:
    view = parse({"indicator": "docs_sent_electronic", "indicator_by": "month", "preset": "last_month"})
    assert (view.indicator, view.indicator_by) == ("docs_sent_electronic", "month")
    assert "indicator=docs_sent_electronic" in view.query() and "indicator_by=month" in view.query()
    assert from_store(stored(view)) == view
    hostile = parse({"indicator": "<script>", "indicator_by": "field"})
    assert (hostile.indicator, hostile.indicator_by) == (None, "unit")


def test_the_picker_offers_every_registered_indicator_grouped_by_pillar(warehouse) -> None:
    from ioc.indicators.registry import registered

    with warehouse.connect() as connection:
        indicators = registered(connection)
    groups = explore_indicator.picker_data(indicators, "vi")
    offered = [item["value"] for group in groups for item in group["items"]]
    assert sorted(offered) == sorted(indicators)
    labels = [group["group"] for group in groups]
    assert labels[:2] == ["Văn bản không giấy", "Họp không gặp mặt"] and "Bộ chỉ số QĐ 766" in labels
    english = explore_indicator.picker_data(indicators, "en")
    assert any(
        item["label"].startswith("Outgoing documents sent electronically") for g in english for item in g["items"]
    )


def test_the_explorer_shows_a_ratio_by_unit_map_trend_and_table_with_no_target(warehouse) -> None:
    first, second = documents(warehouse)
    view = OCTOBER.with_values(indicator="docs_sent_electronic", indicator_by="unit")
    summary, error, hidden, map_figure, trend, bars, table, columns = explore_indicator.render(stored(view))
    assert hidden and not error
    assert "33,40 %" in summary and "Mục tiêu: chưa đặt" in summary
    z = dict(zip(map_figure.data[1].locations, map_figure.data[1].z, strict=True))
    assert z[first] == 100.0 and z[second] == 33.33
    assert [(row["key"], row["value"], row["numerator"], row["denominator"]) for row in table] == [
        (first, "100,00 %", 3, 3),
        (second, "33,33 %", 1000, 3000),
    ]
    assert [c["field"] for c in columns] == ["key", "name", "value", "numerator", "denominator"]
    months = dict(zip(trend.data[0].x, trend.data[0].y, strict=True))
    assert len(months) == 12 and months["10/2026"] == 33.4 and months["09/2026"] is None  # ending with the period's
    assert len(bars.data[0].y) == 2


def test_the_explorer_shows_an_amount_by_month_and_exports_its_rows(warehouse) -> None:
    documents(warehouse)
    view = OCTOBER.with_values(indicator="cashless_value", indicator_by="month", lang="en")
    summary, *_, table, _ = explore_indicator.render(stored(view))
    assert "12.75 triệu đồng" in summary and "Target: not set" in summary
    assert table == [{"key": "2026-10", "name": "10/2026", "value": "12.75", "id": "2026-10"}]
    rows, headers = explore_indicator.table(explore_indicator.read(view, date(2026, 11, 25)), "month", "en", True)
    assert rows == [{"key": "2026-10", "name": "10/2026", "value": 12.75}]
    assert csv_text([{headers[k]: v for k, v in row.items()} for row in rows]).splitlines()[0] == (
        "Code,By month,Cashless payment value (triệu đồng)"
    )


def test_an_unknown_indicator_in_the_url_says_so_and_shows_nothing(warehouse) -> None:
    documents(warehouse)
    summary, error, hidden, *_, table, _ = explore_indicator.render(
        stored(OCTOBER.with_values(indicator="no_such_thing"))
    )
    assert not hidden and "unknown indicator 'no_such_thing'" in error and table == []
    summary, error, hidden, *_ = explore_indicator.render(stored(OCTOBER))
    assert hidden and "Chọn một chỉ tiêu" in summary


def test_the_dossier_kpis_are_indicators_of_the_panel_too(warehouse) -> None:
    from tests.test_wall_content import province_data

    province_data(warehouse, 3)
    view = View(preset="custom", first=date(2025, 3, 1), last=date(2025, 3, 31), indicator="on_time_rate")
    summary, _, hidden, *_ = explore_indicator.render(stored(view))
    assert hidden and "Tỷ lệ giải quyết đúng hạn" in summary and "Mục tiêu: 98,00 %" in summary


def _texts(component) -> list[str]:  # type: ignore[no-untyped-def]
    found: list[str] = []
    children = getattr(component, "children", None)
    if isinstance(children, str):
        found.append(children)
    for child in children if isinstance(children, list) else [children] if children is not None else []:
        if not isinstance(child, str):
            found += _texts(child)
    return found


def test_the_digital_wall_shows_the_four_nots_with_targets_or_not_set_and_their_trends(warehouse) -> None:
    from layouts import wall_digital

    documents(warehouse)
    options = {"lang": "vi", "date": "2026-11-25", "map": "on_time_rate", "rotate": None}
    tiles = {tile.id["indicator"]: tile for tile in wall_digital.content(options)["tiles"]}
    assert list(tiles) == [
        "docs_sent_electronic",
        "meetings_online",
        "online_rate",
        "cashless_rate",
        "online_payment_rate",
        "feedback_on_time",
    ]
    documents_tile = _texts(tiles["docs_sent_electronic"])
    assert "50,00 %" in documents_tile and "tháng 11/2026" in documents_tile  # the latest month: 2 of 4
    assert "Mục tiêu: chưa đặt" in documents_tile and "light-none" in tiles["docs_sent_electronic"].className
    assert "Mục tiêu: 80,00 %" in _texts(tiles["online_rate"])  # a dossier KPI keeps its shipped target
    assert "Mục tiêu: chưa đặt" in _texts(tiles["feedback_on_time"])
    graph = tiles["docs_sent_electronic"].children[-1]
    months = dict(zip(graph.figure.data[0].x, graph.figure.data[0].y, strict=True))
    assert len(months) == 12 and months["10/2026"] == 33.4 and months["11/2026"] == 50.0

    with warehouse.begin() as connection:
        set_target(connection, "docs_sent_electronic", Target(60, 45, 30), "province", "", "admin", NOW)
    tile = {tile.id["indicator"]: tile for tile in wall_digital.content(options)["tiles"]}["docs_sent_electronic"]
    assert "Mục tiêu: 60,00 %" in _texts(tile) and "light-green" in tile.className  # 50 % ≥ 45: green


def test_the_digital_wall_reads_values_once_per_data_version(warehouse, monkeypatch) -> None:
    from layouts import wall_digital

    documents(warehouse)
    calls = []
    real = wall_digital._months
    monkeypatch.setattr(wall_digital, "_months", lambda connection, day: calls.append(day) or real(connection, day))
    monkeypatch.setattr(wall_digital, "_cache", type(wall_digital._cache)())
    as_of = date(2026, 11, 25)
    wall_digital.tile_data(as_of)
    wall_digital.tile_data(as_of)
    assert calls == [as_of]
    with warehouse.begin() as connection:
        collector = add_collector(connection, "again", "dossier-sync", "http://127.0.0.1:9/api/again")
        load_values(connection, collector.id, None, [ratio("meetings_online", "46", "2026-11", 1, 2)], NOW)
    tiles, _, _ = wall_digital.tile_data(as_of)
    assert calls == [as_of, as_of]  # a load changed the data version
    assert {tile.indicator.code: tile.latest for tile in tiles}["meetings_online"]["value"] == 50.0


def test_the_admin_targets_page_lists_every_indicator_with_not_set(warehouse) -> None:
    from ioc.indicators.registry import registered
    from layouts.admin.targets import _table_rows

    dashboard_warehouse.use(warehouse)
    rows = {row["id"]: row for row in _table_rows("province", "", "vi")}
    with warehouse.connect() as connection:
        assert set(rows) == set(registered(connection))
    assert rows["docs_sent_electronic"]["source"] == "Chưa đặt" and rows["docs_sent_electronic"]["target"] == "–"
    assert rows["on_time_rate"]["source"] == "Mặc định của IOC"


def test_indicator_rows_are_kept_per_data_version(warehouse, monkeypatch) -> None:
    from ioc.indicators import cached

    documents(warehouse)
    calls = []
    real = cached.value_rows
    monkeypatch.setattr(cached, "value_rows", lambda *args: calls.append(args[1:]) or real(*args))
    cached.clear()
    period = OCTOBER.period(date(2026, 11, 25))
    with warehouse.connect() as connection:
        first = cached.cached_value_rows(connection, "docs_sent_electronic", period, "unit")
        first[0]["value"] = -1  # a caller changing its rows changes nobody else's
        again = cached.cached_value_rows(connection, "docs_sent_electronic", period, "unit")
    assert len(calls) == 1 and again[0]["value"] == 100.0
    load(warehouse, [ratio("docs_sent_electronic", "46", "2026-10", 1, 1)], "again")  # a new data version
    with warehouse.connect() as connection:
        after = cached.cached_value_rows(connection, "docs_sent_electronic", period, "unit")
    assert len(calls) == 2 and "46" in [row["unit"] for row in after]
