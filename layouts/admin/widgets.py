"""What the admin pages share: the filter controls (a choice, a range of days); their tables are :mod:`layouts.grid`."""

from __future__ import annotations

import dash_mantine_components as dmc

from layouts.i18n import t


def choice(
    component_id: str,
    label: str,
    data: list,
    placeholder: str,
    value: str | None = None,
    width: int = 220,
    *,
    lang: str,
) -> dmc.Select:
    """A filter over known values: empty means all; typing what no value holds says so in ``lang``."""
    return dmc.Select(
        id=component_id,
        label=label,
        data=data,
        value=value,
        clearable=True,
        searchable=True,
        nothingFoundMessage=t(lang, "select.nothing_found"),
        placeholder=placeholder,
        w=width,
    )


def day_range(component_id: str, label: str) -> dmc.DatePickerInput:
    """A filter over whole days, both included, written dd/mm/yyyy."""
    return dmc.DatePickerInput(
        id=component_id, label=label, type="range", valueFormat="DD/MM/YYYY", clearable=True, w=260
    )
