"""What the explorer's browser sends besides the view (:mod:`layouts.view`), checked before any callback uses it:
clicks on the graphs, the drill-down's page and target, a table cell. A callback body is client data, so any value
may be of any JSON type; what names nothing is None (or the first page), never an exception."""

from __future__ import annotations

import re
from datetime import date

from ioc.kpi.drill import DRILL_SETS
from ioc.kpi.periods import FIRST_DAY, LAST_DAY, Period
from layouts.view import BREAKDOWNS, CODE, NUMBERS

#: The furthest page a drill-down may ask for (25 dossiers a page: far past any warehouse's end, and an offset every
#: database takes); anything else is the first page.
MAX_PAGE = 10_000_000
_MONTH_LABEL = re.compile(r"^([0-9]{2})/([0-9]{4})$")


def point(click: object, field: str) -> object:
    """The first clicked point's ``field`` in a graph's ``clickData``, or None when the click names no point."""
    if not isinstance(click, dict):
        return None
    points = click.get("points")
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    return points[0].get(field)


def code(value: object) -> str | None:
    """A key a click or a cell names (a code, or a channel's number) as text, or None."""
    text = str(value) if type(value) is int else value
    return text if isinstance(text, str) and CODE.match(text) else None


def month(label: object) -> Period | None:
    """The month a trend's ``MM/YYYY`` label names, or None."""
    found = _MONTH_LABEL.match(label) if isinstance(label, str) else None
    if not found or not 1 <= int(found[1]) <= 12 or not FIRST_DAY.year <= int(found[2]) <= LAST_DAY.year:
        return None
    return Period.containing(date(int(found[2]), int(found[1]), 1), "month")


def page_number(value: object) -> int:
    """The drill-down page asked for: a whole number from 0 to :data:`MAX_PAGE`; anything else is the first page."""
    return value if type(value) is int and 0 <= value <= MAX_PAGE else 0


def drill_target(value: object) -> dict | None:
    """The dossier list asked for, ``{"key", "measure", "by"}``: a measure of :data:`ioc.kpi.drill.DRILL_SETS`, and
    either the whole selection (``by`` None) or one key of a breakdown (a code; a channel's number); else None."""
    if not isinstance(value, dict):
        return None
    measure, by, key = value.get("measure"), value.get("by"), value.get("key")
    if not isinstance(measure, str) or measure not in DRILL_SETS:
        return None
    if by is None:
        return {"key": None, "measure": measure, "by": None}
    if not isinstance(by, str) or by not in BREAKDOWNS:
        return None
    key = code(key)
    if key is None or (by == "channel" and key not in {str(number) for number in NUMBERS["channel"]}):
        return None
    return {"key": key, "measure": measure, "by": by}


def table_cell(cell: object) -> tuple[str, str] | None:
    """The row id and column id of the KPI table's clicked cell (ag-grid's ``cellClicked``), or None."""
    if not isinstance(cell, dict):
        return None
    row, column = cell.get("rowId"), cell.get("colId")
    return (row, column) if isinstance(row, str) and isinstance(column, str) else None
