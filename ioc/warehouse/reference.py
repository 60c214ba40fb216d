"""Reference rows (units, agencies) kept equal to their sources, idempotently."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

from ioc.errors import IOCError
from ioc.units import PROVINCE_LEVEL, Agency, Unit
from ioc.warehouse import schema


@dataclass(frozen=True)
class SyncCount:
    """What a sync changed."""

    added: int = 0
    updated: int = 0


def sync_rows(connection: Connection, table: Table, rows: Iterable[Mapping[str, Any]], key: str) -> SyncCount:
    """Insert missing rows and update changed ones (by ``key``); rows not given are left alone."""
    wanted = {row[key]: dict(row) for row in rows}
    columns = sorted({column for row in wanted.values() for column in row})
    existing = {row[key]: dict(row) for row in connection.execute(select(*[table.c[c] for c in columns])).mappings()}
    missing = [row for code, row in wanted.items() if code not in existing]
    changed = [row for code, row in wanted.items() if code in existing and existing[code] != row]
    if missing:
        connection.execute(insert(table), missing)
    for row in changed:
        connection.execute(update(table).where(table.c[key] == row[key]).values(**row))
    return SyncCount(added=len(missing), updated=len(changed))


def installed_province(connection: Connection) -> str | None:
    """The code of the province this warehouse was initialised for, if any."""
    unit = schema.Unit.__table__
    return connection.execute(select(unit.c.code).where(unit.c.level == PROVINCE_LEVEL)).scalar_one_or_none()


def require_province(connection: Connection, province: str) -> None:
    """Refuse, in one line, a warehouse initialised for another province than ``province`` (IOC_PROVINCE): a
    warehouse belongs to one province for life."""
    installed = installed_province(connection)
    if installed is not None and installed != province:
        raise IOCError(
            f"this warehouse holds province {installed}, not IOC_PROVINCE={province}: "
            "use another IOC_DATABASE_URL for another province"
        )


def sync_units(connection: Connection, province: str, units: list[Unit]) -> SyncCount:
    """Make the ``unit`` table hold ``units`` (:func:`require_province` first)."""
    require_province(connection, province)
    return sync_rows(connection, schema.Unit.__table__, [asdict(u) for u in units], key="code")


def sync_agencies(connection: Connection, agencies: list[Agency]) -> SyncCount:
    """Make the ``agency`` table hold ``agencies`` (agencies added by other means stay)."""
    return sync_rows(connection, schema.Agency.__table__, [asdict(a) for a in agencies], key="code")


def count_by(connection: Connection, table: Table, column: str) -> dict[str, int]:
    """Row counts of ``table`` grouped by ``column``."""
    query = select(table.c[column], func.count()).group_by(table.c[column])
    return {str(value): count for value, count in connection.execute(query)}


def count_rows(connection: Connection, table: Table) -> int:
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


@dataclass(frozen=True)
class ReferenceRows:
    """The reference rows the dashboard names codes by: units (code, name, level), agencies (code, name, name_en,
    level) and procedures (code, name, field_code, field_name)."""

    units: list[Any]
    agencies: list[Any]
    procedures: list[Any]


def reference_rows(connection: Connection) -> ReferenceRows:
    """Every unit, agency and procedure with its names (units by code)."""
    unit, agency, procedure = (schema.Unit.__table__, schema.Agency.__table__, schema.Procedure.__table__)
    return ReferenceRows(
        units=list(connection.execute(select(unit.c.code, unit.c.name, unit.c.level).order_by(unit.c.code))),
        agencies=list(connection.execute(select(agency.c.code, agency.c.name, agency.c.name_en, agency.c.level))),
        procedures=list(
            connection.execute(
                select(procedure.c.code, procedure.c.name, procedure.c.field_code, procedure.c.field_name)
            )
        ),
    )
