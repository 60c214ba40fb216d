"""Quarantine reasons in Vietnamese: the admin pages show a rejection's reason in the reader's language.

Reasons are written once, in English, where a record is rejected; ``ioc/reference/reasons_vi.csv`` holds each
reason's shape as a regular expression (matched whole) and its Vietnamese text, which may repeat the named groups
(``{value}``). A reason with no shape there is shown as written. A shape with a group named ``reason`` says where
(``"report.csv row 14: <reason>"``): that group is translated in turn, and such shapes are tried before the others.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources


@cache
def _shapes() -> tuple[tuple[re.Pattern[str], str], ...]:
    text = resources.files("ioc.reference").joinpath("reasons_vi.csv").read_text(encoding="utf-8")
    shapes = [(re.compile(row["pattern"], re.DOTALL), row["vi"]) for row in csv.DictReader(text.splitlines())]
    return tuple(sorted(shapes, key=lambda shape: "reason" not in shape[0].groupindex))


def in_vietnamese(reason: str) -> str:
    """The reason in Vietnamese where its shape is known, else as written."""
    for shape, template in _shapes():
        match = shape.fullmatch(reason)
        if match:
            groups = match.groupdict()
            if groups.get("reason") is not None:
                groups["reason"] = in_vietnamese(groups["reason"])
            return template.format(**groups)
    return reason


def translated(reason: str, lang: str) -> str:
    """The reason for a reader of ``lang`` (``vi`` or ``en``)."""
    return in_vietnamese(reason) if lang == "vi" else reason
