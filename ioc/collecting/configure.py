"""Changes to collectors, each in a transaction of its own and audited: what ``ioc collector add|enable|disable|remove``
and the admin page's form and buttons do, through the same functions (the rules are :mod:`ioc.collecting.store`'s)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from ioc.collecting.store import (
    CollectorConfig,
    add_collector,
    edit_collector,
    get_collector,
    remove_collector,
    set_enabled,
)
from ioc.warehouse import audit
from ioc.warehouse.access import transaction
from ioc.warehouse.purge import Purged


def create_collector(
    engine: Engine,
    name: str,
    kind: str,
    url: str | None,
    auth: str = "none",
    secret_envs: list[str] | None = None,
    every: str | None = None,
    cron: str | None = None,
    options: dict[str, Any] | None = None,
    enabled: bool = True,
    *,
    actor: str | None = None,
    source_ip: str = audit.LOCAL,
) -> CollectorConfig:
    """Validate and store a new collector (:func:`~ioc.collecting.store.add_collector`), committed."""
    with transaction(engine) as connection:
        return add_collector(
            connection,
            name,
            kind,
            url,
            auth,
            secret_envs,
            every,
            cron,
            options,
            enabled,
            actor=actor,
            source_ip=source_ip,
        )


def change_collector(
    engine: Engine,
    name: str,
    url: str | None,
    auth: str,
    secret_envs: list[str],
    every: str | None,
    cron: str | None,
    options: dict[str, Any],
    enabled: bool,
    *,
    actor: str | None = None,
    source_ip: str = audit.LOCAL,
) -> CollectorConfig:
    """Replace a collector's configuration, its name and kind kept (:func:`~ioc.collecting.store.edit_collector`)."""
    with transaction(engine) as connection:
        return edit_collector(
            connection,
            name,
            url,
            auth,
            secret_envs,
            every,
            cron,
            options,
            enabled,
            actor=actor,
            source_ip=source_ip,
        )


def switch_collector(
    engine: Engine, name: str, enabled: bool, *, actor: str | None = None, source_ip: str = audit.LOCAL
) -> CollectorConfig:
    """Switch a collector on or off (the scheduler follows within seconds)."""
    with transaction(engine) as connection:
        return set_enabled(connection, name, enabled, actor=actor, source_ip=source_ip)


def toggle_collector(
    engine: Engine, name: str, *, actor: str | None = None, source_ip: str = audit.LOCAL
) -> CollectorConfig:
    """Switch a collector to the other state than the one it is in, read and changed in one transaction."""
    with transaction(engine) as connection:
        enabled = not get_collector(connection, name).enabled
        return set_enabled(connection, name, enabled, actor=actor, source_ip=source_ip)


def delete_collector(
    engine: Engine, name: str, purge: bool = False, *, actor: str | None = None, source_ip: str = audit.LOCAL
) -> Purged:
    """Remove a collector with its runs and quarantine, its dossiers too with ``purge``
    (:func:`~ioc.collecting.store.remove_collector`)."""
    with transaction(engine) as connection:
        return remove_collector(connection, name, purge, actor=actor, source_ip=source_ip)
