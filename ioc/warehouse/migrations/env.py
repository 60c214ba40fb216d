"""Alembic environment: runs on the connection IOC hands it, or on the configured warehouse."""

from __future__ import annotations

from alembic import context

from ioc.warehouse.schema import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from ioc.config import load_settings
    from ioc.warehouse.engine import make_engine

    engine = make_engine(load_settings().warehouse_url)
    with engine.begin() as own_connection:
        _run(own_connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("IOC's migrations run online only: ioc init")
run_migrations_online()
