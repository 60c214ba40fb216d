"""The explorer's controls as its view: a click on the map, a bar or a month filters by it (cross-filter), and the
checked controls become the view the URL follows."""

from __future__ import annotations

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from layouts import explore_input, lookups
from layouts.view import FILTERS, PRESETS, View, parse, stored


@callback(
    Output("explore-filter-preset", "value"),
    Output("explore-filter-dates", "value"),
    Output("explore-filter-unit", "value"),
    Output("explore-filter-agency", "value"),
    Output("explore-filter-field", "value"),
    Output("explore-filter-procedure", "value"),
    Output("explore-filter-channel", "value"),
    Output("explore-filter-applicant_type", "value"),
    Input("explore-filter-preset", "value"),
    Input("explore-filter-dates", "value"),
    Input("explore-map", "clickData"),
    Input("explore-bars", "clickData"),
    Input("explore-trend", "clickData"),
    Input("explore-filter-clear", "n_clicks"),
    State("explore-by", "value"),
    prevent_initial_call=True,
)
def cross_filter(preset, dates, map_click, bar_click, trend_click, _clear, by):  # type: ignore[no-untyped-def]
    """A preset sets the dates, new dates make the range custom; a click on the map, a bar or a month filters by it;
    clear returns to this month and no filter."""
    unchanged = [no_update] * 8
    trigger = ctx.triggered_id
    if trigger == "explore-filter-clear":
        first, last = View().days(lookups.today())
        return "month", [first.isoformat(), last.isoformat()], None, None, None, None, None, None
    if trigger == "explore-filter-preset":
        if preset == "custom" or not isinstance(preset, str) or preset not in PRESETS:
            raise PreventUpdate
        first, last = View(preset=preset).days(lookups.today())
        return [no_update, [first.isoformat(), last.isoformat()], *unchanged[2:]]
    if trigger == "explore-filter-dates":
        if not isinstance(dates, list) or len(dates) != 2 or not all(dates):
            raise PreventUpdate
        view_first, view_last = View(preset=preset).days(lookups.today())
        if preset != "custom" and dates == [view_first.isoformat(), view_last.isoformat()]:
            raise PreventUpdate
        return ["custom", *unchanged[1:]]
    # A click names a commune, a bar's key or a month; one that names nothing (client data) changes nothing.
    if trigger == "explore-map" and (unit := explore_input.code(explore_input.point(map_click, "location"))):
        result = list(unchanged)
        result[2] = unit
        return result
    key = explore_input.code(explore_input.point(bar_click, "customdata"))
    if trigger == "explore-bars" and key and isinstance(by, str) and by in FILTERS:
        result = list(unchanged)
        result[2 + FILTERS.index(by)] = key
        return result
    if trigger == "explore-trend" and (month := explore_input.month(explore_input.point(trend_click, "x"))):
        return ["custom", [month.start.isoformat(), month.last_day.isoformat()], *unchanged[2:]]
    raise PreventUpdate


@callback(
    Output("explore-view", "data"),
    Output("explore-url", "search"),
    Input("explore-filter-preset", "value"),
    Input("explore-filter-dates", "value"),
    *[Input(f"explore-filter-{name}", "value") for name in FILTERS],
    Input("explore-by", "value"),
    Input("explore-kpi", "value"),
    Input("explore-indicator-code", "value"),
    Input("explore-indicator-by", "value"),
    State("explore-view", "data"),
    prevent_initial_call=True,
)
def choose_view(preset, dates, *values):  # type: ignore[no-untyped-def]
    """The controls, checked, as the view; the URL follows it (no reload), so reload and share give the same view."""
    *filters, by, kpi, indicator, indicator_by, before = values
    before = before if isinstance(before, dict) else {}
    first, last = dates if preset == "custom" and isinstance(dates, list) and len(dates) == 2 else (None, None)
    chosen = {"by": by, "kpi": kpi, "indicator": indicator, "indicator_by": indicator_by}
    view = parse(
        dict(zip(FILTERS, filters, strict=True))
        | {"lang": before.get("lang"), "preset": preset, "from": first, "to": last, **chosen}
    )
    data = stored(view)
    if data == before:
        raise PreventUpdate
    return data, view.query() or "?"
