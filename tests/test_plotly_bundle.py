"""IOC's partial plotly.js bundle (``layouts/plotly_bundle.py``): it holds every trace type IOC's figures draw, so none
draws blank; it is plotly.py's own plotly.js release; it needs no ``'unsafe-eval'``; and it is the file its README
describes. How the app serves it and that the pages draw with it: ``tests/browser/test_plotly_bundle.py``."""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType
from plotly.offline import get_plotlyjs_version

from layouts import plotly_bundle

REPO = Path(__file__).resolve().parents[1]
#: Where figures are built: the dashboard's pages and the core.
SOURCES = (REPO / "layouts", REPO / "ioc")
VENDOR = plotly_bundle.ASSETS / plotly_bundle.FOLDER
GRAPH_OBJECTS = "plotly.graph_objects"


def _trace_type(name: str) -> str | None:
    """The plotly.js trace type of the ``plotly.graph_objects`` class ``name``, None if it is not a trace."""
    cls = getattr(go, name, None)
    return cls().type if isinstance(cls, type) and issubclass(cls, BaseTraceType) else None


def traces_in_code() -> dict[str, list[str]]:
    """Every trace type the code builds (``go.Bar(...)``, ``from plotly.graph_objects import Bar``, …) → where."""
    found: dict[str, list[str]] = {}
    for folder in SOURCES:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            aliases = {GRAPH_OBJECTS} | {
                alias.asname or alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
                if alias.name == GRAPH_OBJECTS
            }
            aliases |= {
                alias.asname or alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "plotly"
                for alias in node.names
                if alias.name == "graph_objects"
            }
            names = [
                node.attr
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
            ]
            names += [
                alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == GRAPH_OBJECTS
                for alias in node.names
            ]
            for name in names:
                trace = _trace_type(name)
                if trace is not None:
                    found.setdefault(trace, []).append(str(path.relative_to(REPO)))
    return found


def express_users() -> list[str]:
    """Modules importing plotly.express, whose functions choose their trace types themselves."""
    return [
        str(path.relative_to(REPO))
        for folder in SOURCES
        for path in sorted(folder.rglob("*.py"))
        if re.search(
            r"^\s*(import plotly\.express|from plotly\.express import|from plotly import .*\bexpress\b)",
            path.read_text(encoding="utf-8"),
            re.M,
        )
    ]


def bundle_text() -> str:
    return (plotly_bundle.ASSETS / plotly_bundle.BUNDLE).read_text(encoding="utf-8")


def traces_in_bundle() -> set[str]:
    """The trace modules the bundle defines (each plotly.js trace module declares its type and name)."""
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', bundle_text()))


def test_every_trace_type_the_figures_build_is_in_the_bundle() -> None:
    used = traces_in_code()
    assert {"bar", "choroplethmap", "scatter"} <= used.keys(), used  # the scan sees the figures IOC has today
    missing = {trace: where for trace, where in used.items() if trace not in traces_in_bundle()}
    assert not missing, f"trace types drawn blank without a rebuilt bundle (layouts/assets/vendor/README.md): {missing}"
    assert used.keys() <= plotly_bundle.TRACES
    assert express_users() == [], "plotly.express picks trace types the bundle may not have: build traces with go.*"


def test_the_bundle_holds_the_traces_it_declares_and_no_others() -> None:
    assert traces_in_bundle() == plotly_bundle.TRACES


def test_the_bundle_is_the_plotly_js_release_plotly_py_ships() -> None:
    assert get_plotlyjs_version() == plotly_bundle.PLOTLY_JS_VERSION
    banner = bundle_text()[:400]
    assert f"plotly.js (IOC partial: bar, choroplethmap, scatter - minified) v{get_plotlyjs_version()}" in banner
    assert f'"plotly.js": "{get_plotlyjs_version()}"' in (VENDOR / "package.json").read_text()


def test_the_bundle_evaluates_no_code_from_strings() -> None:
    """The Content-Security-Policy allows no 'unsafe-eval': the bundle has no eval(…) nor Function(…)."""
    assert re.findall(r"(?<![\w.$])(?:eval|Function)\(", bundle_text()) == []


def test_the_bundle_is_the_file_its_readme_describes() -> None:
    data = (plotly_bundle.ASSETS / plotly_bundle.BUNDLE).read_bytes()
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(data).hexdigest() in readme
    assert f"{len(data):,} bytes" in readme
    assert plotly_bundle.digest(plotly_bundle.BUNDLE) == hashlib.sha256(data).hexdigest()
    licences = (VENDOR / "plotly-ioc.LICENSES.txt").read_text(encoding="utf-8")
    assert f"plotly.js {get_plotlyjs_version()} MIT" in licences
    assert "maplibre-gl 6.9.0 BSD-3-Clause" in licences
