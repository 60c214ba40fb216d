"""The explorer's bars (issue 14, item 6): every item of the breakdown, scrolling, or past the limit the best and the
worst with "n of N"; the province's own row is never among the communes."""

from __future__ import annotations

from datetime import date

from ioc.units import communes, province_unit
from layouts.explore_bars import bars_figure
from layouts.explore_render import render
from layouts.view import View, stored
from tests.test_wall_content import province_data

MARCH = View(preset="custom", first=date(2025, 3, 1), last=date(2025, 3, 31), by="unit", kpi="on_time_rate")


def _bars(view: View):  # type: ignore[no-untyped-def]
    return render(stored(view))[6]  # the bars figure


def test_the_commune_bars_show_every_commune_and_never_the_province(warehouse) -> None:
    province_data(warehouse, 40)
    figure = _bars(MARCH)
    shown = list(figure.data[0].y)
    assert sorted(shown) == sorted(unit.name for unit in communes("46")[:40])
    assert province_unit("46").name not in shown
    assert figure.data[0].x[-1] == max(figure.data[0].x)  # best at the top (plotly draws the last bar on top)


def test_the_agency_bars_show_every_agency_with_dossiers(warehouse) -> None:
    province_data(warehouse, 40)
    figure = _bars(MARCH.with_values(by="agency"))
    assert len(figure.data[0].y) == 40 + 27  # each commune's committee and every provincial agency


def _rows(n: int, without: int = 0) -> list[dict]:
    return [{"unit": f"{i:05d}", "on_time_rate": float(i % 101), "resolved": 20} for i in range(n)] + [
        {"unit": f"9{i:04d}", "on_time_rate": None, "resolved": 0} for i in range(without)
    ]


def test_bars_of_every_item_say_how_many_and_how_many_have_no_value() -> None:
    figure = bars_figure(_rows(40, without=3), "unit", "on_time_rate", {}, "vi", province="46")
    assert len(figure.data[0].y) == 40
    assert figure.layout.title.text == "Tất cả 40 · 3 không có giá trị"


def test_bars_past_the_limit_show_the_best_and_the_worst_as_n_of_n() -> None:
    figure = bars_figure(_rows(250), "unit", "on_time_rate", {}, "en", province="46")
    assert len(figure.data[0].y) == 200
    assert figure.layout.title.text == "200 of 250: the 100 best and the 100 worst"
