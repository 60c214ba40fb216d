"""Issue 17, item 6: every table is a dash-ag-grid grid. Dash deprecates ``dash_table.DataTable`` (29 warnings a test
run), so no module of ``layouts/`` may import it, in any spelling."""

from __future__ import annotations

import ast
from pathlib import Path

LAYOUTS = Path(__file__).resolve().parents[1] / "layouts"


def _imports_dash_table(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "dash.dash_table":
            return True
        named = {alias.name for alias in node.names} if isinstance(node, (ast.Import, ast.ImportFrom)) else set()
        if isinstance(node, ast.ImportFrom) and node.module == "dash" and "dash_table" in named:
            return True
        if isinstance(node, ast.Import) and any(a.name in ("dash_table", "dash.dash_table") for a in node.names):
            return True
        if isinstance(node, ast.Attribute) and node.attr in ("dash_table", "DataTable"):
            return True
    return False


def test_no_layouts_module_uses_dash_table() -> None:
    users = [
        str(path.relative_to(LAYOUTS))
        for path in sorted(LAYOUTS.rglob("*.py"))
        if _imports_dash_table(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert users == []


def test_the_check_sees_every_spelling() -> None:
    for source in (
        "from dash import dash_table",
        "from dash import Input, dash_table as tables",
        "from dash.dash_table import DataTable",
        "import dash_table",
        "import dash.dash_table",
        "import dash\ndash.dash_table.DataTable()",
    ):
        assert _imports_dash_table(ast.parse(source)), source
    assert not _imports_dash_table(ast.parse("import dash_ag_grid as dag\nfrom dash import dcc"))
