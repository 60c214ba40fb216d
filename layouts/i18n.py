"""Every string the dashboard shows, from ``translations/<lang>.json``: Vietnamese first, English as the switch."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
FOLDER = Path(__file__).parent / "translations"


@cache
def catalogue(lang: str) -> dict[str, str]:
    return json.loads((FOLDER / f"{lang}.json").read_text(encoding="utf-8"))


def language(value: object) -> str:
    """A supported language from a URL parameter, else the default."""
    return value if value in LANGUAGES else DEFAULT  # type: ignore[return-value]


def t(lang: str, key: str, /, **values: object) -> str:
    """The text for ``key`` in ``lang`` with ``{name}`` placeholders filled; a missing key is a bug, so it raises."""
    text = catalogue(language(lang))[key]
    return text.format(**values) if values else text
