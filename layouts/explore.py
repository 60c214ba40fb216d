"""The explorer (``/explore``) for analysts: filter, cross-filter (a commune on the map, a bar, a month), break down,
drill down to the dossiers behind a number, export any table; the whole view lives in the URL."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc, html

from ioc.kpi.known import unknown_filters
from ioc.kpi.registry import KPIS
from layouts import (
    explore_bars,
    explore_drill,
    explore_export,
    explore_index,
    explore_indicator,
    explore_render,
    explore_risk,
    explore_save,
    explore_view,
    figures,
    lookups,
    warehouse,
)
from layouts.chrome import frame
from layouts.grid import grid, pager
from layouts.i18n import t
from layouts.page_title import page_title
from layouts.view import BREAKDOWNS, FILTERS, PRESETS, View, parse, stored

#: The modules whose callbacks serve the page (they register as they are imported), one job each.
CALLBACKS = (
    explore_view,
    explore_render,
    explore_drill,
    explore_export,
    explore_indicator,
    explore_index,
    explore_risk,
    explore_save,
)


def _options(lang: str) -> dict[str, list[dict]]:
    names = lookups.names()
    units = [{"value": names.province_code, "label": t(lang, "explore.province_level", name=names.province)}] + [
        {"value": code, "label": name} for code, name in names.units.items() if code != names.province_code
    ]
    agencies = [
        {"value": code, "label": name}
        for code, name in sorted(names.of("agency", lang).items(), key=lambda item: item[1])
    ]
    return {
        "unit": units,
        "agency": agencies,
        "field": [{"value": c, "label": n} for c, n in sorted(names.fields.items(), key=lambda item: item[1])],
        "procedure": [
            {"value": c, "label": f"{n} ({c})"} for c, n in sorted(names.procedures.items(), key=lambda item: item[1])
        ],
        "channel": [{"value": str(c), "label": t(lang, f"channel.{c}")} for c in lookups.CHANNELS],
        "applicant_type": [{"value": str(c), "label": t(lang, f"applicant.{c}")} for c in lookups.APPLICANT_TYPES],
    }


def _known(view: View, params: dict) -> tuple[View, list[str]]:
    """The view without the filters its URL asked for but cannot have (a code the warehouse does not know, or a value
    no filter takes), and those filters as ``label value`` for the notice."""
    with warehouse.engine().connect() as connection:
        unknown = {error.parameter for error in unknown_filters(connection, view.filters())}
    dropped = [
        name
        for name in FILTERS
        if name in unknown or (getattr(view, name) is None and params.get(name) not in (None, ""))
    ]
    shown = [f"{t(view.lang, f'filter.{name}')} '{str(params.get(name))[:40]}'" for name in dropped]
    return view.with_values(**dict.fromkeys(dropped)), shown


def layout(**params: object) -> dmc.AppShell:
    view, dropped = _known(parse(params), params)
    lang = view.lang
    first, last = view.days(lookups.today())
    options = _options(lang)

    def select(name: str, value: object) -> dmc.Select:
        return dmc.Select(
            id=f"explore-filter-{name}",
            label=t(lang, f"filter.{name}"),
            data=options[name],
            value=None if value is None else str(value),
            clearable=True,
            searchable=True,
            nothingFoundMessage=t(lang, "select.nothing_found"),
            placeholder=t(lang, "filter.all"),
            w=220 if name != "procedure" else 320,
        )

    filters = dmc.Group(
        [
            dmc.Select(
                id="explore-filter-preset",
                label=t(lang, "filter.period"),
                value=view.preset,
                allowDeselect=False,
                w=180,
                data=[{"value": p, "label": t(lang, f"preset.{p}")} for p in PRESETS],
            ),
            dmc.DatePickerInput(
                id="explore-filter-dates",
                label=t(lang, "filter.range"),
                type="range",
                value=[first.isoformat(), last.isoformat()],
                valueFormat="DD/MM/YYYY",
                w=240,
            ),
            *[select(name, getattr(view, name)) for name in FILTERS],
            dmc.Button(t(lang, "filter.clear"), id="explore-filter-clear", variant="light", color="red"),
        ],
        align="flex-end",
        gap="sm",
    )
    graph = {"config": figures.GRAPH_CONFIG | {"locale": lang}, "className": figures.GRAPH_CLASS}
    body = dmc.Stack(
        [
            filters,
            dmc.Group(
                [dmc.Text(id="explore-summary", size="sm", c="dimmed"), explore_save.panel(lang)],
                justify="space-between",
            ),
            dmc.Alert(
                t(lang, "explore.unknown_codes", codes=", ".join(dropped)) if dropped else "",
                id="explore-notice",
                color="yellow",
                hide=not dropped,
                withCloseButton=True,
                title=t(lang, "explore.unknown_title"),
            ),
            dmc.Alert(id="explore-error", color="orange", hide=True, title=t(lang, "explore.cannot")),
            dmc.SimpleGrid(id="explore-tiles", cols={"base": 2, "sm": 4, "lg": 7}, spacing="sm"),
            dmc.Grid(
                [
                    dmc.GridCol(_graph_panel(t(lang, hint), graph_id, graph), span={"base": 12, "md": 6})
                    for hint, graph_id in (("explore.map_hint", "explore-map"), ("explore.trend_hint", "explore-trend"))
                ]
            ),
            dmc.Paper(
                [
                    dmc.Group(
                        [
                            dmc.SegmentedControl(
                                id="explore-by",
                                value=view.by,
                                data=[{"value": b, "label": t(lang, f"by.{b}")} for b in BREAKDOWNS],
                            ),
                            dmc.Select(
                                id="explore-kpi",
                                value=view.kpi,
                                w=280,
                                allowDeselect=False,
                                data=[{"value": k.key, "label": figures.kpi_name(k.key, lang)} for k in KPIS],
                            ),
                        ],
                        justify="space-between",
                    ),
                    dmc.Text(t(lang, "explore.bars_hint"), size="sm", c="dimmed"),
                    explore_bars.bars_graph("explore-bars", graph),
                ],
                withBorder=True,
                p="sm",
            ),
            dmc.Paper(
                [
                    dmc.Group(
                        [dmc.Title(t(lang, "explore.table_title"), order=4), _export_buttons("table")],
                        justify="space-between",
                    ),
                    dmc.Text(t(lang, "explore.table_hint"), size="sm", c="dimmed"),
                    dmc.Text(
                        t(lang, "explore.no_match"),
                        id="explore-table-empty",
                        fw=600,
                        py="xl",
                        ta="center",
                        style={"display": "none"},
                    ),
                    html.Div(grid("explore-table", lang, row_ids=True), id="explore-table-box"),
                ],
                withBorder=True,
                p="sm",
            ),
            dmc.Paper(
                [
                    dmc.Group(
                        [
                            dmc.Title(id="explore-drill-title", order=4, children=t(lang, "drill.title_empty")),
                            _export_buttons("drill"),
                        ],
                        justify="space-between",
                    ),
                    grid("explore-drill-table", lang, paged=False, height=explore_drill.HEIGHT, row_ids=True),
                    pager("explore-drill-page"),
                ],
                withBorder=True,
                p="sm",
            ),
            explore_indicator.panel(view, lang, graph),
            explore_index.panel(lang),
            explore_risk.panel(lang, _export_buttons("risk")),
            dcc.Location(id="explore-url", refresh=False),
            dcc.Store(id="explore-view", data=stored(view)),
            dcc.Store(id="explore-drill-target"),
            dcc.Download(id="explore-download"),
        ],
        gap="md",
    )
    return frame(lang, "/explore", [dmc.DatesProvider(body, settings={"locale": lang, "firstDayOfWeek": 1})])


def _graph_panel(hint: str, graph_id: str, graph: dict) -> dmc.Paper:
    """A graph under a line saying what a click on it does."""
    return dmc.Paper(
        [dmc.Text(hint, size="sm", c="dimmed"), dcc.Graph(id=graph_id, style={"height": "460px"}, **graph)],
        withBorder=True,
        p="sm",
    )


def _export_buttons(table: str) -> dmc.Group:
    return dmc.Group(
        [
            dmc.Button(
                label, id={"type": "explore-export", "table": table, "format": fmt}, size="xs", variant="default"
            )
            for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX"))
        ],
        gap="xs",
    )


def register() -> None:
    dash.register_page(__name__, path="/explore", layout=layout, title=page_title("explore"), name="explore")
