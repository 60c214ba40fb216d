"""Any registered indicator drawn alike: its value as text, its traffic light against a target (or "chưa đặt"), the
commune map, the 12-month trend and bars of a breakdown, from :func:`ioc.indicators.query.value_rows` rows."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from ioc.indicators.model import Indicator
from ioc.kpi.periods import add_months
from ioc.kpi.registry import Target
from layouts import figures, map_parts, theme
from layouts.formatting import number, percent
from layouts.i18n import t


def name(indicator: Indicator, lang: str) -> str:
    return indicator.name_vi if lang == "vi" else indicator.name_en


def value_text(indicator: Indicator, value: float | None, lang: str) -> str:
    """A ratio as its rate in %; a count as a whole number; an amount, level or score with its decimals, if any."""
    if indicator.is_ratio:
        return percent(value, lang)
    if value is None:
        return number(None, lang)
    decimals = 0 if indicator.aggregation == "count" or float(value).is_integer() else 2
    return number(value, lang, decimals)


def with_unit(indicator: Indicator, value: float | None, lang: str) -> str:
    """The value and its unit (``1.234 văn bản``); a rate already says ``%``."""
    text = value_text(indicator, value, lang)
    return text if indicator.is_ratio or value is None else f"{text} {indicator.unit}"


def light(indicator: Indicator, value: float | None, target: Target | None) -> str | None:
    """``green``, ``amber`` or ``red`` by the target's bands in the indicator's direction; None without a value or a
    target."""
    if value is None or target is None:
        return None
    if indicator.higher_is_better:
        return "green" if value >= target.green_from else "amber" if value >= target.amber_from else "red"
    return "green" if value <= target.green_from else "amber" if value <= target.amber_from else "red"


def target_text(indicator: Indicator, target: Target | None, lang: str) -> str:
    """``Mục tiêu: 90,00 %``, or ``Mục tiêu: chưa đặt`` until an admin sets one."""
    if target is None:
        return t(lang, "indicator.target_not_set")
    return t(lang, "indicator.target", value=value_text(indicator, target.target, lang))


def month_label(month: str) -> str:
    """``YYYY-MM`` as ``MM/YYYY``."""
    return f"{month[5:7]}/{month[:4]}"


def every_month(rows: list[dict], first: date, last: date) -> list[dict]:
    """Rows by ``month`` for every month from ``first`` to ``last``: a month without a row has no value (a gap in the
    trend, never a zero)."""
    by_month = {row["month"]: row for row in rows}
    months, month = [], first.replace(day=1)
    while month <= last:
        key = f"{month:%Y-%m}"
        months.append(by_month.get(key, {"month": key, "value": None, "numerator": None, "denominator": None}))
        month = add_months(month, 1)
    return months


def choropleth(
    layer: dict,
    rows: list[dict],
    indicator: Indicator,
    names: dict[str, str],
    lang: str,
    dark: bool = False,
    scale: float = 1.0,
) -> go.Figure:
    """Units coloured by the indicator (rows by ``unit``); a unit without a value is grey."""
    codes = [feature["id"] for feature in layer["features"]]
    by_code = {str(row["unit"]): row.get("value") for row in rows}
    values = [by_code.get(code) for code in codes]
    hover = [
        f"{figures.plain(names.get(code, code))}<br>{figures.plain(with_unit(indicator, value, lang))}"
        for code, value in zip(codes, values, strict=True)
    ]
    return map_parts.shaded_map(
        layer,
        {"z": values, "text": hover},
        indicator.higher_is_better,
        indicator.is_ratio,
        indicator.unit,
        lang,
        dark,
        scale,
    )


def trend(
    rows: list[dict],
    indicator: Indicator,
    lang: str,
    dark: bool = False,
    scale: float = 1.0,
    target: Target | None = None,
) -> go.Figure:
    """The indicator by month: bars for what adds up (counts, amounts), a line for rates, levels and scores; the
    target as a dotted line when one is set."""
    months = [month_label(row["month"]) for row in rows]
    values = [row.get("value") for row in rows]
    text = [value_text(indicator, value, lang) for value in values]
    if indicator.aggregation in ("count", "amount"):
        trace: go.Bar | go.Scatter = go.Bar(
            x=months, y=values, text=text, hovertemplate="%{x}: %{text}<extra></extra>", marker_color=theme.ACCENT
        )
    else:
        trace = go.Scatter(
            x=months,
            y=values,
            text=text,
            mode="lines+markers",
            connectgaps=False,
            hovertemplate="%{x}: %{text}<extra></extra>",
            line={"color": theme.ACCENT, "width": 3 * scale},
            marker={"size": 8 * scale},
        )
    traces = [trace]
    if target is not None and months:
        traces.append(
            go.Scatter(
                x=months,
                y=[target.target] * len(months),
                mode="lines",
                hoverinfo="skip",
                name=t(lang, "indicator.target_line"),
                line={"color": theme.LIGHTS["amber"], "width": 2 * scale, "dash": "dot"},
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(theme.figure_layout(lang, dark, scale), showlegend=False, hovermode="x")
    figure.update_xaxes(tickangle=0, tickvals=months[::-3][::-1])  # every third month, the last one labelled
    if indicator.is_ratio:
        figure.update_yaxes(range=[0, 105], ticksuffix=" %")
    return figure


def bars(rows: list[dict], by: str, indicator: Indicator, names: dict[str, str], lang: str) -> go.Figure:
    """One bar per key with a value, the best first on top; clicks report the key as ``customdata``."""
    valued = [row for row in rows if row.get("value") is not None]
    valued.sort(key=lambda row: row["value"], reverse=indicator.higher_is_better)
    shown = valued[::-1]
    keys = [str(row[by]) for row in shown]
    labels = [month_label(k) if by == "month" else names.get(k, k) for k in keys]
    figure = go.Figure(
        go.Bar(
            x=[row["value"] for row in shown],
            y=[figures.plain(label) for label in labels],
            customdata=keys,
            orientation="h",
            marker_color=theme.ACCENT,
            text=[value_text(indicator, row["value"], lang) for row in shown],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        theme.figure_layout(lang, False), height=max(240, 26 * len(shown) + 40), clickmode="event", margin={"t": 10}
    )
    figure.update_yaxes(automargin=True, tickfont={"size": 12})
    return figure
