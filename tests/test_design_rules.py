"""DESIGN.md's rules between packages, checked on the source with ``ast`` (every import at any depth, function-level
ones too). Each rule is a function of a source tree, run on the repository and on a small tree planted with the
offence, so each test can fail."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from import_graph import collapsed, cycles, imports, module_graph, module_name, python_files

from helpers import REPO

#: What ``layouts/`` may take from SQLAlchemy: the types of what core functions are handed, never a statement.
SQLALCHEMY_TYPES = frozenset({"Engine", "Connection"})
#: Calls that run SQL or open a transaction; ``layouts/`` hands a connection to core functions and calls none of them.
TRANSACTION_CALLS = frozenset({"begin", "begin_nested", "commit", "execute", "exec_driver_sql", "transaction"})


def _top(module: str) -> str:
    return module.split(".")[0]


def importers_of(root: Path, package: str, forbidden: set[str]) -> dict[str, list[str]]:
    """The files of ``package`` importing any of the top-level packages ``forbidden`` (``dash`` covers ``dash_*``)."""
    found: dict[str, list[str]] = {}
    for path in python_files(root, package):
        names = sorted(
            {
                _top(item.module)
                for item in imports(path, root)
                if _top(item.module) in forbidden or ("dash" in forbidden and _top(item.module).startswith("dash_"))
            }
        )
        if names:
            found[str(path.relative_to(root))] = names
    return found


def sql_in_layouts(root: Path) -> dict[str, list[str]]:
    """Where ``layouts/`` writes SQL or opens a transaction itself: a statement builder or a table imported, or a
    call that begins, executes or commits."""
    found: dict[str, list[str]] = {}
    for path in python_files(root, "layouts"):
        offences = []
        for item in imports(path, root):
            if _top(item.module) == "sqlalchemy" and (item.module != "sqlalchemy" or item.name not in SQLALCHEMY_TYPES):
                offences.append(f"{item.line}: imports {item.module}.{item.name or ''}".rstrip("."))
            if item.module == "ioc.warehouse.access" and item.name == "transaction":
                offences.append(f"{item.line}: imports ioc.warehouse.access.transaction")
            if f"{item.module}.{item.name}".startswith("ioc.warehouse.schema"):
                offences.append(f"{item.line}: imports the warehouse's tables (ioc.warehouse.schema)")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if called in TRANSACTION_CALLS:
                    offences.append(f"{node.lineno}: calls {called}()")
        if offences:
            found[str(path.relative_to(root))] = offences
    return found


def shell_importers(root: Path) -> list[str]:
    """The modules of ``layouts/`` that import the shell (pages found by name at run time would not show as a cycle:
    so no module of ``layouts/`` may import it; only ``app.py`` and tests do)."""
    return [
        str(path.relative_to(root))
        for path in python_files(root, "layouts")
        if any(item.module == "layouts.shell" or f"{item.module}.{item.name}" == "layouts.shell"
               for item in imports(path, root))
    ]  # fmt: skip


def composition_offences(root: Path) -> list[str]:
    """What ``app.py`` does beyond composing: any import but the shell's, any definition or statement but assigning
    the app and its server."""
    path = root / "app.py"
    offences = [
        f"{item.line}: imports {item.module}"
        for item in imports(path, root)
        if item.module not in ("__future__", "layouts.shell")
    ]
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if not isinstance(node, ast.Import | ast.ImportFrom | ast.Assign) and not docstring:
            offences.append(f"{node.lineno}: {type(node).__name__}")
    return offences


def core_cycles(root: Path) -> list[list[str]]:
    """Import cycles between the core's top-level parts (``ioc.kpi``, ``ioc.warehouse``, ``ioc.config``, …)."""
    return cycles(collapsed(module_graph(root, "ioc"), 2))


def layouts_cycles(root: Path) -> list[list[str]]:
    """Import cycles between the modules of ``layouts/`` (the shell and the pages among them)."""
    return cycles(module_graph(root, "layouts"))


# the rules on the repository ---------------------------------------------------------------------------------------


def test_the_core_never_imports_dash_layouts_or_collectors():
    assert importers_of(REPO, "ioc", {"dash", "layouts", "collectors"}) == {}


def test_collectors_never_import_layouts_or_dash():
    assert importers_of(REPO, "collectors", {"dash", "layouts"}) == {}


def test_layouts_never_import_collectors():
    assert importers_of(REPO, "layouts", {"collectors"}) == {}


def test_pages_and_callbacks_never_open_transactions_or_write_sql():
    assert sql_in_layouts(REPO) == {}


def test_app_only_composes():
    assert composition_offences(REPO) == []


def test_no_import_cycle_between_the_parts_of_the_core():
    assert core_cycles(REPO) == []


def test_no_import_cycle_between_the_shell_and_the_pages():
    assert layouts_cycles(REPO) == []


def test_no_page_imports_the_shell():
    assert shell_importers(REPO) == []


# each rule can fail: a small tree planted with the offence ---------------------------------------------------------


def plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("package", "forbidden", "text"),
    [
        ("ioc", {"dash", "layouts", "collectors"}, "def later():\n    import dash_mantine_components\n"),
        ("ioc", {"dash", "layouts", "collectors"}, "from collectors.dossier_sync import DossierSync\n"),
        ("collectors", {"dash", "layouts"}, "from layouts import figures\n"),
        ("layouts", {"collectors"}, "def page():\n    from collectors import http\n"),
    ],
)
def test_a_forbidden_import_is_found_even_inside_a_function(tmp_path, package, forbidden, text):
    root = plant(tmp_path, {f"{package}/__init__.py": "", f"{package}/offender.py": text})
    assert list(importers_of(root, package, forbidden)) == [f"{package}/offender.py"]


@pytest.mark.parametrize(
    "text",
    [
        "from sqlalchemy import select\n",
        "from sqlalchemy.dialects.postgresql import insert\n",
        "import sqlalchemy\n",
        "from ioc.warehouse.access import transaction\n",
        "from ioc.warehouse import schema\n",
        "def save(engine):\n    with engine.begin() as connection:\n        pass\n",
        "def read(connection, query):\n    return connection.execute(query)\n",
    ],
)
def test_sql_or_a_transaction_in_a_page_is_found(tmp_path, text):
    root = plant(tmp_path, {"layouts/__init__.py": "", "layouts/page.py": text})
    assert list(sql_in_layouts(root)) == ["layouts/page.py"]


def test_a_page_may_be_handed_an_engine_or_a_connection(tmp_path):
    text = "from sqlalchemy import Connection, Engine\n\ndef read(engine: Engine) -> None:\n    engine.connect()\n"
    assert sql_in_layouts(plant(tmp_path, {"layouts/__init__.py": "", "layouts/page.py": text})) == {}


@pytest.mark.parametrize(
    "text",
    [
        "from layouts.shell import create_app\nimport flask\napp = create_app()\n",
        "from layouts.shell import create_app\napp = create_app()\n\n@app.server.get('/x')\ndef x():\n    return ''\n",
        "from layouts.shell import create_app\napp = create_app()\napp.server.config.update(DEBUG=True)\n",
    ],
)
def test_an_app_that_does_more_than_compose_is_found(tmp_path, text):
    assert composition_offences(plant(tmp_path, {"app.py": text})) != []


def test_an_import_cycle_between_core_packages_is_found_through_a_function_level_import(tmp_path):
    files = {
        "ioc/__init__.py": "",
        "ioc/kpi/__init__.py": "",
        "ioc/kpi/events.py": "MEASURES = ()\n",
        "ioc/kpi/query.py": "from ioc.warehouse import schema\n",
        "ioc/warehouse/__init__.py": "",
        "ioc/warehouse/schema.py": "def columns():\n    from ioc.kpi.events import MEASURES\n",
    }
    assert core_cycles(plant(tmp_path, files)) == [["ioc.kpi", "ioc.warehouse"]]


def test_an_import_cycle_between_the_shell_and_a_page_is_found(tmp_path):
    files = {
        "layouts/__init__.py": "",
        "layouts/shell.py": "def create_app():\n    from layouts import home\n",
        "layouts/home.py": "from layouts.shell import frame\n",
    }
    assert layouts_cycles(plant(tmp_path, files)) == [["layouts.home", "layouts.shell"]]


def test_relative_imports_resolve_to_their_package(tmp_path):
    root = plant(tmp_path, {"layouts/__init__.py": "", "layouts/admin/__init__.py": "", "layouts/admin/x.py": ""})
    path = root / "layouts/admin/x.py"
    path.write_text("from ..shell import frame\nfrom . import widgets\n", encoding="utf-8")
    assert module_name(path, root) == "layouts.admin.x"
    assert [item.module for item in imports(path, root)] == ["layouts.shell", "layouts.admin"]


def test_a_page_importing_the_shell_is_found(tmp_path):
    files = {
        "layouts/__init__.py": "",
        "layouts/shell.py": "",
        "layouts/admin/__init__.py": "",
        "layouts/admin/names.py": "from layouts.shell import frame\n",
        "layouts/home.py": "from layouts import shell\n",
    }
    assert shell_importers(plant(tmp_path, files)) == ["layouts/admin/names.py", "layouts/home.py"]
