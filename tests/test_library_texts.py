"""Texts the component libraries would show in English are given in the page's language."""

from __future__ import annotations

import ast

from helpers import REPO


def _calls(name: str) -> list[tuple[str, ast.Call]]:
    found = []
    for path in (REPO / "layouts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == name:
                found.append((f"{path.relative_to(REPO)}:{node.lineno}", node))
    return found


def test_every_searchable_select_says_nothing_found_in_the_pages_language() -> None:
    searchable = [
        (where, call)
        for name in ("Select", "MultiSelect")
        for where, call in _calls(name)
        if any(k.arg == "searchable" and getattr(k.value, "value", False) is True for k in call.keywords)
    ]
    assert searchable
    silent = [where for where, call in searchable if not any(k.arg == "nothingFoundMessage" for k in call.keywords)]
    assert not silent, f"searchable selects without nothingFoundMessage: {silent}"
