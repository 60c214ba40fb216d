"""``ioc init``: migrate the warehouse to head and load the province's official units and agencies.

Everything happens in one transaction, so a failure leaves the warehouse as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, func

from ioc.config import Settings, now_local
from ioc.indicators.registry import sync_shipped
from ioc.units import COMMUNE_LEVEL, PROVINCE_LEVEL, all_agencies, official_units, province_unit
from ioc.warehouse import schema
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.aggregates import counted_dossiers
from ioc.warehouse.engine import display_url, sqlite_file
from ioc.warehouse.migrate import upgrade_to_head
from ioc.warehouse.reference import SyncCount, count_by, count_rows, sync_agencies, sync_units


@dataclass(frozen=True)
class WarehouseSummary:
    """What a warehouse holds, for people and for ``--format json``."""

    database: str
    backend: str
    revision: str | None
    province_code: str
    province_name: str
    units: dict[str, int]
    agencies: dict[str, int]
    procedures: int
    dossiers: int
    collectors: int


@dataclass(frozen=True)
class InitReport:
    """The result of ``ioc init``."""

    revision_before: str | None
    summary: WarehouseSummary
    units: SyncCount = field(default_factory=SyncCount)
    agencies: SyncCount = field(default_factory=SyncCount)

    @property
    def changed(self) -> bool:
        migrated = self.revision_before != self.summary.revision
        return migrated or any((self.units.added, self.units.updated, self.agencies.added, self.agencies.updated))


def summarise(connection: Connection, settings: Settings, revision: str | None) -> WarehouseSummary:
    """Count what the warehouse holds."""
    levels = (PROVINCE_LEVEL, COMMUNE_LEVEL)
    units = count_by(connection, schema.Unit.__table__, "level")
    agencies = count_by(connection, schema.Agency.__table__, "level")
    return WarehouseSummary(
        database=display_url(connection.engine.url),
        backend=connection.dialect.name,
        revision=revision,
        province_code=settings.province,
        province_name=province_unit(settings.province).name,
        units={level: units.get(level, 0) for level in levels},
        agencies={level: agencies.get(level, 0) for level in levels},
        procedures=count_rows(connection, schema.Procedure.__table__),
        dossiers=connection.execute(counted_dossiers(func.count())).scalar_one(),  # once each, whatever delivers it
        collectors=count_rows(connection, schema.Collector.__table__),
    )


def initialise(settings: Settings) -> InitReport:
    """Create or migrate the warehouse and load the configured province's units and agencies."""
    units = official_units(settings.province)
    agencies = all_agencies(settings.province, settings.data_dir)
    new_file = sqlite_file(settings.warehouse_url)
    new_file = new_file if new_file is not None and not new_file.exists() else None
    try:
        with open_warehouse(settings, require_schema=False) as engine, transaction(engine) as connection:
            before, after = upgrade_to_head(connection)
            unit_count = sync_units(connection, settings.province, units)
            agency_count = sync_agencies(connection, agencies)
            sync_shipped(connection, now_local())
            summary = summarise(connection, settings, after)
    except BaseException:
        if new_file is not None:
            _remove_sqlite_file(new_file)
        raise
    return InitReport(revision_before=before, summary=summary, units=unit_count, agencies=agency_count)


def _remove_sqlite_file(path: Path) -> None:
    """Remove an SQLite file this run created (with its WAL files), so a failed first init leaves nothing."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        leftover = path.with_name(path.name + suffix)
        if leftover.exists():
            leftover.unlink()
