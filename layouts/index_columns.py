"""Headers for the Decision 766 index's columns in the reader's language, for every page and export showing them:
the row keys of :func:`ioc.kpi.service_index.index_rows` and :func:`ioc.indicators.portal_compare.compared_rows`."""

from __future__ import annotations

from layouts.i18n import t

#: Prefixes ``compared_rows`` puts before a name: the portal's published figure, and the flag of a difference.
PREFIXES = ("portal", "differs")


def index_header(key: str, lang: str) -> str:
    """The header of the index column ``key``: ``points``, ``group_progress``, ``portal_total``, ``differs_total``…"""
    for prefix in PREFIXES:
        if key.startswith(f"{prefix}_"):
            return t(lang, f"index.column.{prefix}", column=t(lang, f"index.column.{key.removeprefix(prefix + '_')}"))
    return t(lang, f"index.column.{key}")
