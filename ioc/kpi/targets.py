"""Targets of every indicator: the dossier KPIs' shipped defaults, and targets set per province, unit or agency in
the warehouse (``kpi_target``, keyed by indicator code). The other indicators ship with none ("chưa đặt") until an
admin sets one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from ioc.errors import IOCError
from ioc.kpi.registry import KPI_BY_KEY, Target, default_targets
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction

KPI_TARGET = schema.KpiTarget.__table__
INDICATOR = schema.Indicator.__table__
SCOPES = ("province", "unit", "agency")


@dataclass(frozen=True)
class TargetSetting:
    """A KPI's target for a scope and where it comes from: ``default`` (shipped with IOC), ``province``, or the
    scope's own row (``unit`` or ``agency``), with who set it and when."""

    target: Target
    source: str
    updated_at: datetime | None = None
    updated_by: str | None = None


def target_settings(connection: Connection, scope: str = "province", scope_code: str = "") -> dict[str, TargetSetting]:
    """Each KPI's target for a scope, and its source: its own row, else the province's row, else the default."""
    settings = {key: TargetSetting(target, "default") for key, target in default_targets().items()}
    t = KPI_TARGET.c
    rows = connection.execute(
        select(t.kpi, t.scope, t.target, t.green_from, t.amber_from, t.updated_at, t.updated_by)
        .where((t.scope == "province") | ((t.scope == scope) & (t.scope_code == scope_code)))
        .order_by(t.scope != "province")  # the scope's own rows last, so they win
    )
    for row in rows:
        target = Target(row.target, row.green_from, row.amber_from)
        settings[row.kpi] = TargetSetting(target, row.scope, row.updated_at, row.updated_by)
    return settings


def effective_targets(connection: Connection, scope: str = "province", scope_code: str = "") -> dict[str, Target]:
    """Each KPI's target for a scope: its own row, else the province's row, else the shipped default."""
    return {key: setting.target for key, setting in target_settings(connection, scope, scope_code).items()}


def _measure(connection: Connection | None, code: str) -> tuple[bool, bool]:
    """Whether the indicator ``code`` is a percentage and whether higher is better: a dossier KPI from its registry,
    any other from the warehouse's indicator registry; an unknown code is a one-line error."""
    kpi = KPI_BY_KEY.get(code)
    if kpi is not None:
        return kpi.is_rate, kpi.higher_is_better
    row = None
    if connection is not None:
        table = INDICATOR.c
        row = connection.execute(select(table.aggregation, table.direction).where(table.code == code)).first()
    if row is None:
        raise IOCError(f"unknown KPI or indicator {code!r}; see `ioc indicator list`", key="unknown_kpi", code=code)
    return row.aggregation == "ratio", row.direction == "higher"


def check_target(kpi_key: str, target: Target, connection: Connection | None = None) -> None:
    """Refuse an unknown indicator (a dossier KPI, or with ``connection`` any registered one), a rate outside 0–100
    or bands in the wrong order for the indicator's direction."""
    is_rate, higher_is_better = _measure(connection, kpi_key)
    values = (target.target, target.green_from, target.amber_from)
    if is_rate and not all(0 <= v <= 100 for v in values):
        raise IOCError(
            f"{kpi_key} is a percentage: target and bands must be between 0 and 100", key="target_percent", kpi=kpi_key
        )
    if min(values) < 0:
        raise IOCError(f"{kpi_key}: target and bands cannot be negative", key="target_negative", kpi=kpi_key)
    if higher_is_better and target.green_from < target.amber_from:
        raise IOCError(
            f"{kpi_key}: higher is better, so --green-from must be at least --amber-from",
            key="bands_higher",
            kpi=kpi_key,
        )
    if not higher_is_better and target.green_from > target.amber_from:
        raise IOCError(
            f"{kpi_key}: lower is better, so --green-from must be at most --amber-from", key="bands_lower", kpi=kpi_key
        )


def set_target(
    connection: Connection,
    kpi_key: str,
    target: Target,
    scope: str,
    scope_code: str,
    actor: str,
    now: datetime,
    *,
    source_ip: str = audit.LOCAL,
) -> None:
    """Save a target for a scope and record it in the audit log."""
    check_target(kpi_key, target, connection)
    if scope not in SCOPES:
        raise IOCError(f"unknown scope {scope!r}; use one of {', '.join(SCOPES)}", key="unknown_scope", scope=scope)
    values = {"target": target.target, "green_from": target.green_from, "amber_from": target.amber_from}
    key = {"kpi": kpi_key, "scope": scope, "scope_code": scope_code}
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = module.insert(KPI_TARGET).values(**key, **values, updated_at=now, updated_by=actor)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(key), set_={**values, "updated_at": now, "updated_by": actor}
        )
    )
    audit.record(
        connection, actor, "kpi_target.set", f"{kpi_key}/{scope}/{scope_code}", now, values, source_ip=source_ip
    )


def save_target(
    engine: Engine,
    kpi_key: str,
    target: Target,
    scope: str,
    scope_code: str,
    actor: str,
    now: datetime,
    *,
    source_ip: str = audit.LOCAL,
) -> None:
    """:func:`set_target`, committed (``ioc kpi-target set``, the admin page)."""
    with transaction(engine) as connection:
        set_target(connection, kpi_key, target, scope, scope_code, actor, now, source_ip=source_ip)
