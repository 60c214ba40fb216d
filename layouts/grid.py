"""Every table of the app, on dash-ag-grid: sortable and filterable columns, the header pinned above rows that scroll
in a grid of fixed height, an export button (ag-grid's own CSV export, cells that could run as a spreadsheet formula
quoted), numbers written as the language writes them (1.234,5), ag-grid's own words in Vietnamese. Cells are text:
no HTML is ever rendered from data."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import MATCH, ClientsideFunction, Input, Output, State, clientside_callback, dcc

from layouts.grid_locale import locale_text
from layouts.i18n import t
from layouts.theme import FONT

#: The tallest a grid grows (px) before its rows scroll under the pinned header.
HEIGHT = 520
#: Rows a client-side page holds.
PAGE_SIZE = 25
#: Numbers the browser formats in the page's language: ``{"function": ...}`` names a function of
#: ``layouts/assets/grid.js`` (dash-ag-grid parses it, nothing is evaluated).
_NUMBER = "IOCnumber(params, {digits})"


def column(field: str, header: str, *, digits: int | None = None, width: int | None = None, **extra: Any) -> dict:
    """A column: text, or a number with ``digits`` decimals (sorted and filtered as a number)."""
    definition: dict[str, Any] = {"field": field, "headerName": header, "headerTooltip": header}
    if digits is not None:
        definition |= {
            "type": "numericColumn",
            "filter": "agNumberColumnFilter",
            "valueFormatter": {"function": _NUMBER.format(digits=int(digits))},
        }
    if width:
        definition["minWidth"] = width
    return definition | extra


def columns(fields: list[str] | tuple[str, ...], header: str, lang: str) -> list[dict]:
    """Text columns headed by the translations ``header.format(field)``."""
    return [column(field, t(lang, header.format(field))) for field in fields]


def grid(
    component_id: str,
    lang: str,
    column_defs: list[dict] | None = None,
    rows: list[dict] | None = None,
    *,
    paged: bool = True,
    height: int = HEIGHT,
    wrap: bool = False,
    row_ids: bool = False,
    **extra: Any,
) -> dag.AgGrid:
    """A grid whose rows carry an ``id``; ``paged`` pages in the browser (server-paged grids pass False and page
    with :func:`pager`); ``wrap`` lets long cells wrap; ``row_ids``: each row carries a text ``id``, which a click
    on it reports (``cellClicked["rowId"]``)."""
    options: dict[str, Any] = {
        "localeText": locale_text(lang),
        "context": {"lang": lang},
        "enableCellTextSelection": True,
        "ensureDomOrder": True,
        "suppressColumnVirtualisation": True,
        "tooltipShowDelay": 300,
        "pagination": paged,
        "paginationPageSize": PAGE_SIZE,
        "paginationPageSizeSelector": False,
    }
    default = {"sortable": True, "filter": True, "floatingFilter": True, "resizable": True, "minWidth": 90, "flex": 1}
    if wrap:
        default |= {"wrapText": True, "autoHeight": True, "cellStyle": {"wordBreak": "break-word", "lineHeight": "1.4"}}
    return dag.AgGrid(
        id=component_id,
        columnDefs=column_defs or [],
        rowData=rows or [],
        defaultColDef=default,
        dashGridOptions=options,
        **({"getRowId": "params.data.id"} if row_ids else {}),
        className="ag-theme-quartz ioc-grid",
        style={"height": f"{height}px", "width": "100%", "fontFamily": FONT},
        **extra,
    )


def export_button(component_id: str, lang: str) -> dmc.Group:
    """A CSV button for the grid ``component_id``: its rows as filtered and sorted, exported in the browser to
    ``ioc-<id>.csv``."""
    return dmc.Group(
        [
            dmc.Button(
                t(lang, "grid.export_csv"),
                id={"type": "grid-csv", "grid": component_id},
                size="xs",
                variant="default",
            ),
            dcc.Store(id={"type": "grid-csv-done", "grid": component_id}),
        ],
        gap="xs",
        justify="flex-end",
    )


def pager(component_id: str) -> dmc.Pagination:
    """The pages of a server-paged grid (1 is the first)."""
    return dmc.Pagination(id=component_id, total=0, value=1, size="sm", withEdges=True, mt="xs")


# The export runs in the browser (layouts/assets/grid.js): nothing reaches the server, nothing is inline.
clientside_callback(
    ClientsideFunction(namespace="ioc_grid", function_name="export_csv"),
    Output({"type": "grid-csv-done", "grid": MATCH}, "data"),
    Input({"type": "grid-csv", "grid": MATCH}, "n_clicks"),
    State({"type": "grid-csv", "grid": MATCH}, "id"),
    prevent_initial_call=True,
)


def page_index(value: object, last: int = 10_000_000) -> int:
    """The 0-based page a pager's 1-based ``value`` names; anything else (client data) is the first page."""
    return value - 1 if type(value) is int and 1 <= value <= last else 0


def clicked_row(cell: object) -> str | None:
    """The row id of a clicked cell (ag-grid's ``cellClicked``), or None when the click names no row."""
    if not isinstance(cell, dict):
        return None
    row = cell.get("rowId")
    return row if isinstance(row, str) and 0 < len(row) <= 200 else None


def table(component_id: str, lang: str, column_defs: list[dict] | None = None, rows: list[dict] | None = None,
          **options: Any) -> dmc.Stack:  # fmt: skip
    """A grid with its CSV export button above it."""
    return dmc.Stack(
        [export_button(component_id, lang), grid(component_id, lang, column_defs, rows, **options)], gap="xs"
    )
