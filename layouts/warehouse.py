"""The warehouse engine the pages read, set once per process by :func:`layouts.shell.create_app`."""

from __future__ import annotations

from sqlalchemy import Engine

_engine: Engine | None = None


def use(engine: Engine) -> None:
    global _engine
    _engine = engine


def engine() -> Engine:
    if _engine is None:
        raise RuntimeError("the dashboard's warehouse is not set: create the app with layouts.shell.create_app")
    return _engine
