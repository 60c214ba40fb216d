"""Every string the dashboard shows, from ``translations/<lang>.json`` and ``translations/<area>.<lang>.json`` (one
file per area, such as each admin page): Vietnamese first, English as the switch."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
FOLDER = Path(__file__).parent / "translations"


@cache
def catalogue(lang: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in [FOLDER / f"{lang}.json", *sorted(FOLDER.glob(f"*.{lang}.json"))]:
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            if key in texts:
                raise ValueError(f"{path.name}: the key {key!r} is defined twice")
            texts[key] = text
    return texts


def language(value: object) -> str:
    """A supported language from a URL parameter, else the default."""
    return value if value in LANGUAGES else DEFAULT  # type: ignore[return-value]


def t(lang: str, key: str, /, **values: object) -> str:
    """The text for ``key`` in ``lang`` with ``{name}`` placeholders filled; a missing key is a bug, so it raises."""
    text = catalogue(language(lang))[key]
    return text.format(**values) if values else text


def error_text(error: Exception, lang: str) -> str:
    """What went wrong, for a page: an error that names its problem (``IOCError.key``) from the translations, in
    ``lang`` and without the command line's flags; any other as its own sentence."""
    key = getattr(error, "key", None)
    return t(lang, f"error.{key}", **getattr(error, "params", {})) if key else str(error)
