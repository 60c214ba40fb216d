"""Shared fixtures: warehouses on SQLite and on a real PostgreSQL server, and a clean IOC environment."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from ioc.config import load_settings
from ioc.initialise import initialise
from ioc.warehouse.engine import make_engine

POSTGRES_URL_VARIABLE = "IOC_TEST_POSTGRES_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """A PostgreSQL URL with the right to create databases; CI must provide one."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        message = f"{POSTGRES_URL_VARIABLE} is not set: no PostgreSQL server to test against"
        if _in_ci():
            pytest.fail(message + " (CI must run the PostgreSQL variants)")
        pytest.skip(message + ' (start one with: eval "$(bash .ci/postgres.sh start)")')
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        pytest.fail(f"{POSTGRES_URL_VARIABLE} is set but the server does not answer: {error}")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin_url = make_url(postgres_admin_url).set(drivername="postgresql+psycopg")
    name = f"ioc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on an SQLite file and on a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse' / 'ioc.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def ioc_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """An environment with no IOC_* settings but a data folder of the test's own."""
    for name in list(os.environ):
        if name.startswith("IOC_") and name != POSTGRES_URL_VARIABLE:
            monkeypatch.delenv(name)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("IOC_DATA_DIR", str(data_dir))
    return {"IOC_DATA_DIR": str(data_dir)}


@pytest.fixture
def warehouse_env(ioc_env: dict[str, str], database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """``ioc_env`` pointing at the parametrised warehouse."""
    monkeypatch.setenv("IOC_DATABASE_URL", database_url)
    return {**ioc_env, "IOC_DATABASE_URL": database_url}


@pytest.fixture
def warehouse(warehouse_env: dict[str, str]) -> Iterator[Engine]:
    """An initialised warehouse (province 46) on the parametrised engine."""
    initialise(load_settings())
    engine = make_engine(warehouse_env["IOC_DATABASE_URL"])
    yield engine
    engine.dispose()


#: Test modules that share a process's global state when run in one: Dash keeps every callback in a module-level
#: registry, so the modules that import the dashboard (directly, or through a sibling test module) keep running one
#: after another, in their usual order, in one ``pytest-xdist`` worker; the others run beside them in the second one.
_DASHBOARD_IMPORT = re.compile(r"^\s*(?:from|import)\s+(?:layouts|dash|app)\b", re.MULTILINE)
_SIBLING_IMPORT = re.compile(r"^\s*from\s+(?:tests\.)?(test_\w+|helpers|hostile_source)\s+import", re.MULTILINE)


def _shares_dashboard(path: Path, seen: dict[Path, bool]) -> bool:
    if path not in seen:
        seen[path] = False  # a cycle of sibling imports ends here
        text = path.read_text(encoding="utf-8")
        siblings = [path.parent / f"{name}.py" for name in _SIBLING_IMPORT.findall(text)]
        seen[path] = (
            "browser" in path.parts
            or bool(_DASHBOARD_IMPORT.search(text))
            or any(_shares_dashboard(sibling, seen) for sibling in siblings if sibling.exists())
        )
    return seen[path]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seen: dict[Path, bool] = {}
    for item in items:
        if _shares_dashboard(Path(str(item.fspath)), seen):
            item.add_marker(pytest.mark.xdist_group("dashboard"))
