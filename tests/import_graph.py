"""The static imports of the project's Python files, read with ``ast`` (every ``import`` statement, at any depth: in a
function, under ``if TYPE_CHECKING``, anywhere), for the tests of DESIGN.md's rules between packages."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Imported:
    """One name an ``import`` brings in: the module (``sqlalchemy``), the name taken from it (``select``, or None for
    ``import module``), and the line."""

    module: str
    name: str | None
    line: int


def module_name(path: Path, root: Path) -> str:
    """``root/ioc/kpi/query.py`` → ``ioc.kpi.query``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a ``from … import`` names, relative imports resolved against ``module``."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(path: Path, root: Path) -> Iterator[Imported]:
    """Every name ``path`` imports."""
    module = module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Imported(alias.name, None, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, path.name == "__init__.py")
            for alias in node.names:
                yield Imported(source, alias.name, node.lineno)


def python_files(root: Path, *tops: str) -> list[Path]:
    """The ``.py`` files of the packages (folders) or modules (``app.py``) ``tops`` under ``root``."""
    files: list[Path] = []
    for top in tops:
        target = root / top
        files += sorted(target.rglob("*.py")) if target.is_dir() else [target] if target.exists() else []
    return files


def module_graph(root: Path, *tops: str) -> dict[str, set[str]]:
    """Module → the project modules it imports (``from package import module`` counts as importing the module)."""
    files = python_files(root, *tops)
    known = {module_name(path, root) for path in files}
    graph: dict[str, set[str]] = {name: set() for name in known}
    for path in files:
        here = module_name(path, root)
        for item in imports(path, root):
            for target in (f"{item.module}.{item.name}" if item.name else None, item.module):
                if target in known:
                    graph[here].add(target)
                    break
            else:  # ``import a.b.c`` of a package's module, or a name from a module: its closest known parent
                parts = item.module.split(".")
                while parts and ".".join(parts) not in known:
                    parts.pop()
                if parts:
                    graph[here].add(".".join(parts))
    return graph


def collapsed(graph: dict[str, set[str]], depth: int) -> dict[str, set[str]]:
    """The graph between modules cut to their first ``depth`` parts (``ioc.kpi.query`` → ``ioc.kpi`` at 2)."""
    cut = {name: ".".join(name.split(".")[:depth]) for name in graph}
    result: dict[str, set[str]] = {node: set() for node in cut.values()}
    for name, targets in graph.items():
        result[cut[name]] |= {cut[target] for target in targets if cut[target] != cut[name]}
    return result


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (each an import cycle), sorted (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)
