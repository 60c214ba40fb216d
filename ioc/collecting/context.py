"""What a kind is told about the warehouse when it is made: unit and agency names, an admin's name mappings, and the
indicator registry. The runner and quarantine re-processing build their :class:`~ioc.collecting.kind.Source` alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select

from ioc.indicators.model import Indicator
from ioc.indicators.registry import registered
from ioc.warehouse import schema


@dataclass(frozen=True)
class SourceContext:
    """The warehouse's part of a kind's :class:`~ioc.collecting.kind.Source`."""

    unit_names: Mapping[str, str]
    agency_names: Mapping[str, str]
    aliases: Mapping[str, tuple[str, str]]
    indicators: Mapping[str, Indicator]

    @property
    def unit_codes(self) -> frozenset[str]:
        return frozenset(self.unit_names)


def source_context(connection: Connection, collector_id: int) -> SourceContext:
    """Names of units and agencies, collector ``collector_id``'s name mappings (``name_alias``), and the registry."""
    unit, agency, alias = schema.Unit.__table__, schema.Agency.__table__, schema.NameAlias.__table__
    mapped = select(alias.c.name, alias.c.unit_code, alias.c.agency_code).where(alias.c.collector_id == collector_id)
    return SourceContext(
        unit_names=dict(connection.execute(select(unit.c.code, unit.c.name)).all()),
        agency_names=dict(connection.execute(select(agency.c.code, agency.c.name)).all()),
        aliases={name: (unit_code, agency_code) for name, unit_code, agency_code in connection.execute(mapped)},
        indicators=registered(connection),
    )
