"""Collector configurations in the warehouse: validated the same way from the command line and the admin UI.

Secrets are stored as the *names* of environment variables, by role (``{"api_key": "HUE_DVC_KEY"}``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, delete, insert, select, update

from ioc.collecting.kind import AUTH_SECRETS, kind_location
from ioc.collecting.registry import get_kind
from ioc.config import TIMEZONE, now_local
from ioc.errors import IOCError
from ioc.warehouse import audit, schema
from ioc.warehouse.purge import Purged, purge_dossiers

COLLECTOR = schema.Collector.__table__
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
ENV_NAME_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")
INTERVAL_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
INTERVAL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_INTERVAL_SECONDS = 10


@dataclass(frozen=True)
class CollectorConfig:
    """A collector as stored."""

    id: int
    name: str
    kind: str
    url: str | None
    auth: str
    secret_envs: dict[str, str]
    interval_seconds: int | None
    cron: str | None
    options: dict[str, Any]
    enabled: bool
    cursor: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def schedule(self) -> str:
        if self.cron:
            return f"cron {self.cron}"
        if self.interval_seconds:
            return f"every {format_interval(self.interval_seconds)}"
        return "manual"


def parse_interval(text: str) -> int:
    """``"15m"`` → 900 seconds; units s, m, h, d."""
    match = INTERVAL_PATTERN.match(text)
    if not match:
        raise IOCError(
            f"--every {text!r}: write a number and a unit, e.g. 30s, 15m, 1h, 1d", key="interval_form", text=text
        )
    seconds = int(match.group(1)) * INTERVAL_UNITS[match.group(2)]
    if seconds < MIN_INTERVAL_SECONDS:
        raise IOCError(
            f"--every {text!r}: the shortest interval is {MIN_INTERVAL_SECONDS}s",
            key="interval_short",
            text=text,
            seconds=MIN_INTERVAL_SECONDS,
        )
    return seconds


def format_interval(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def check_cron(expression: str) -> str:
    """A five-field crontab expression, checked by APScheduler."""
    try:
        CronTrigger.from_crontab(expression, timezone=TIMEZONE)
    except ValueError as error:
        raise IOCError(f"--cron {expression!r}: {error}", key="cron", text=expression) from None
    return expression.strip()


def trigger_for(config: CollectorConfig) -> CronTrigger | IntervalTrigger | None:
    """The APScheduler trigger of a collector's schedule (its scheduler job, the admin page's next run), or None when
    it is run by hand only."""
    if config.cron:
        return CronTrigger.from_crontab(config.cron, timezone=TIMEZONE)
    if config.interval_seconds:
        return IntervalTrigger(seconds=config.interval_seconds, timezone=TIMEZONE)
    return None


def parse_option_pairs(pairs: list[str]) -> dict[str, Any]:
    """``["page_size=500", 'field_map={"MaHoSo": "code"}']`` → a dict; values are JSON where they parse."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise IOCError(f"--option {pair!r}: write KEY=VALUE", key="option_pair", text=pair)
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def validate_options(kind: str, options: dict[str, Any]) -> BaseModel:
    """The kind's options model, or one clear error naming the bad option."""
    try:
        return get_kind(kind).Options.model_validate(options)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "options"
        raise IOCError(f"option {where}: {first['msg']}") from None


class OptionsTextError(IOCError):
    """Options written as JSON that do not parse, with where (line and column, from 1) and what is wrong."""

    def __init__(self, line: int, column: int, problem: str) -> None:
        super().__init__(f"options: line {line}, column {column}: {problem}")
        self.line, self.column, self.problem = line, column, problem


def parse_options_text(text: str | None) -> dict[str, Any]:
    """Options written as one JSON object (the admin form's editor); empty text is ``{}``. Not validated against a
    kind: :func:`validate_options` does that."""
    try:
        options = json.loads(text or "{}") if (text or "").strip() else {}
    except json.JSONDecodeError as error:
        raise OptionsTextError(error.lineno, error.colno, error.msg) from None
    if not isinstance(options, dict):
        raise IOCError("options: write a JSON object: {…}", key="options_object")
    return options


def check_url(url: str | None) -> str | None:
    """An ``http://`` or ``https://`` address with a host, or None for a kind that needs none (a kind whose location is
    in its options is stored without a URL: :func:`add_collector` does not ask this)."""
    if url is None:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url.strip()):
        raise IOCError(f"--url {url!r}: use an http:// or https:// address with a host", key="url", url=url)
    return url.strip()


def parse_secret_envs(auth: str, given: list[str]) -> dict[str, str]:
    """Map each secret role of ``auth`` to an environment variable name.

    ``given`` holds ``ROLE=VARIABLE`` pairs or bare names taken in the roles' order.
    """
    if auth not in AUTH_SECRETS:
        raise IOCError(f"--auth {auth!r}: use one of {', '.join(AUTH_SECRETS)}", key="auth", auth=auth)
    roles = AUTH_SECRETS[auth]
    mapping: dict[str, str] = {}
    bare = [item for item in given if "=" not in item]
    for item in given:
        if "=" in item:
            role, _, variable = item.partition("=")
            mapping[role.strip()] = variable.strip()
    for role, variable in zip([r for r in roles if r not in mapping], bare, strict=False):
        mapping[role] = variable
    unknown = sorted(set(mapping) - set(roles))
    if unknown or len(bare) > len(roles):
        raise IOCError(
            f"--secret-env: auth {auth} takes {', '.join(roles) or 'no secrets'}, not {unknown or bare}",
            key="secret_unknown",
            auth=auth,
            names=", ".join(map(str, unknown or bare)),
        )
    missing = [role for role in roles if role not in mapping]
    if missing:
        raise IOCError(
            f"--secret-env: auth {auth} needs environment variables for {', '.join(missing)}",
            key="secret_missing",
            auth=auth,
            names=", ".join(missing),
        )
    for variable in mapping.values():
        if not ENV_NAME_PATTERN.match(variable):
            raise IOCError(
                f"--secret-env {variable!r} is not an environment variable name (the value itself is never stored)",
                key="secret_name",
                name=variable,
            )
    return mapping


def _config(row: Any) -> CollectorConfig:
    return CollectorConfig(**{column: row[column] for column in CollectorConfig.__dataclass_fields__})


def _configs() -> Any:
    """The columns a :class:`CollectorConfig` holds (not the loader's count)."""
    return select(*(COLLECTOR.c[column] for column in CollectorConfig.__dataclass_fields__))


def _validated(
    kind: str,
    url: str | None,
    auth: str,
    secret_envs: list[str],
    every: str | None,
    cron: str | None,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The stored fields of a collector, each checked as ``ioc collector add`` and the admin form check them."""
    if every and cron:
        raise IOCError("give --every or --cron, not both", key="interval_and_cron")
    validated = validate_options(kind, options)
    reads_url = kind_location(get_kind(kind)) == "url"
    if reads_url and url is None:
        raise IOCError(
            f"kind {kind!r} reads its source at --url: give an http:// or https:// address", key="url_needed", kind=kind
        )
    return {
        "url": check_url(url) if reads_url else None,
        "auth": auth,
        "secret_envs": parse_secret_envs(auth, secret_envs),
        "interval_seconds": parse_interval(every) if every else None,
        "cron": check_cron(cron) if cron else None,
        "options": validated.model_dump(mode="json", exclude_unset=True),
    }


def add_collector(
    connection: Connection,
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
    """Validate and store a new collector; audited (``actor`` defaults to the command line's)."""
    if not NAME_PATTERN.match(name):
        raise IOCError(
            f"collector name {name!r}: use lower-case letters, digits, - and _ (at most 100)",
            key="collector_name",
            name=name,
        )
    fields = _validated(kind, url, auth, secret_envs or [], every, cron, options or {})
    if connection.execute(select(COLLECTOR.c.id).where(COLLECTOR.c.name == name)).first():
        raise IOCError(f"a collector named {name!r} exists already", key="collector_exists", name=name)
    now = now_local()
    connection.execute(
        insert(COLLECTOR).values(name=name, kind=kind, **fields, enabled=enabled, created_at=now, updated_at=now)
    )
    audit.record(
        connection,
        actor or audit.command_line_actor(),
        "collector.add",
        name,
        now,
        {"kind": kind, **fields, "enabled": enabled},
        source_ip=source_ip,
    )
    return get_collector(connection, name)


def edit_collector(
    connection: Connection,
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
    """Replace a collector's configuration (its kind and name stay), validated as :func:`add_collector` does."""
    config = get_collector(connection, name)
    fields = _validated(config.kind, url, auth, secret_envs, every, cron, options)
    return update_collector(connection, name, actor=actor, source_ip=source_ip, **fields, enabled=enabled)


def get_collector(connection: Connection, name: str) -> CollectorConfig:
    row = connection.execute(_configs().where(COLLECTOR.c.name == name)).mappings().first()
    if row is None:
        raise IOCError(f"no collector named {name!r} (ioc collector list shows them)", key="no_collector", name=name)
    return _config(row)


def list_collectors(connection: Connection) -> list[CollectorConfig]:
    return [_config(row) for row in connection.execute(_configs().order_by(COLLECTOR.c.name)).mappings()]


def update_collector(
    connection: Connection, name: str, *, actor: str | None = None, source_ip: str = audit.LOCAL, **changes: Any
) -> CollectorConfig:
    """Change stored fields (already validated by the caller), stamp ``updated_at`` and audit what changed."""
    config = get_collector(connection, name)
    if "options" in changes:
        changes["options"] = validate_options(config.kind, changes["options"]).model_dump(
            mode="json", exclude_unset=True
        )
    now = now_local()
    connection.execute(update(COLLECTOR).where(COLLECTOR.c.id == config.id).values(**changes, updated_at=now))
    changed = {key: value for key, value in changes.items() if getattr(config, key) != value}
    action = "collector.update"
    if set(changed) == {"enabled"}:
        action = "collector.enable" if changed["enabled"] else "collector.disable"
    audit.record(connection, actor or audit.command_line_actor(), action, name, now, changed, source_ip=source_ip)
    return get_collector(connection, name)


def set_enabled(
    connection: Connection, name: str, enabled: bool, *, actor: str | None = None, source_ip: str = audit.LOCAL
) -> CollectorConfig:
    return update_collector(connection, name, actor=actor, source_ip=source_ip, enabled=enabled)


def remove_collector(
    connection: Connection,
    name: str,
    purge: bool = False,
    *,
    actor: str | None = None,
    source_ip: str = audit.LOCAL,
) -> Purged:
    """Remove a collector with its runs and quarantine; its dossiers too with ``purge``, the figures then as if it had
    never been added (``ioc.warehouse.purge``: its counts out, its dossiers another collector also delivers counted
    from that one's rows). Returns the dossiers removed and those handed over."""
    config = get_collector(connection, name)
    held = connection.execute(select(COLLECTOR.c.dossiers).where(COLLECTOR.c.id == config.id)).scalar_one()
    if held and not purge:
        raise IOCError(
            f"collector {name!r} loaded {held} dossiers; remove with --purge to delete them too",
            key="collector_holds",
            name=name,
            count=held,
        )
    now = now_local()
    purged = purge_dossiers(connection, config.id, now) if purge else Purged()
    connection.execute(delete(schema.Quarantine.__table__).where(schema.Quarantine.collector_id == config.id))
    connection.execute(delete(schema.CollectorRun.__table__).where(schema.CollectorRun.collector_id == config.id))
    connection.execute(delete(COLLECTOR).where(COLLECTOR.c.id == config.id))
    details = {"kind": config.kind, "dossiers_removed": purged.removed, "dossiers_handed_over": purged.handed_over}
    audit.record(
        connection, actor or audit.command_line_actor(), "collector.remove", name, now, details, source_ip=source_ip
    )
    return purged
