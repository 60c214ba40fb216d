"""The indicator registry in the warehouse: the shipped indicators kept in step by ``ioc init``, and the ones admins add
(``ioc indicator add``, the Indicators admin page), audited."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from ioc.errors import IOCError
from ioc.indicators.catalogue import shipped_indicators
from ioc.indicators.model import Indicator, check_indicator
from ioc.records import InvalidRecordError
from ioc.warehouse import audit, schema
from ioc.warehouse.reference import SyncCount

INDICATOR = schema.Indicator.__table__
FIELDS = ("code", "name_vi", "name_en", "unit", "aggregation", "direction", "units_add", "bounded", "origin", "pillar")


def _indicator(row: object) -> Indicator:
    return Indicator(**{name: getattr(row, name) for name in FIELDS})


def registered(connection: Connection) -> dict[str, Indicator]:
    """Every registered indicator by code, in the registry's order (dossier KPIs, catalogue, then added ones)."""
    rows = connection.execute(select(*[INDICATOR.c[name] for name in FIELDS])).all()
    order = {indicator.code: i for i, indicator in enumerate(shipped_indicators())}
    indicators = sorted((_indicator(row) for row in rows), key=lambda i: (order.get(i.code, len(order)), i.code))
    return {indicator.code: indicator for indicator in indicators}


def get_indicator(connection: Connection, code: str) -> Indicator:
    """The indicator ``code``, or a one-line error."""
    row = connection.execute(select(*[INDICATOR.c[name] for name in FIELDS]).where(INDICATOR.c.code == code)).first()
    if row is None:
        raise IOCError(f"unknown indicator {code!r}; see `ioc indicator list`")
    return _indicator(row)


def sync_shipped(connection: Connection, now: datetime) -> SyncCount:
    """Make the registry hold every shipped indicator as shipped (added ones are left alone)."""
    existing = {row.code: _indicator(row) for row in connection.execute(select(*[INDICATOR.c[n] for n in FIELDS]))}
    added = updated = 0
    for indicator in shipped_indicators():
        known = existing.get(indicator.code)
        if known is None:
            connection.execute(insert(INDICATOR).values(**asdict(indicator), created_at=now, updated_at=now))
            added += 1
        elif known != indicator:
            changed = update(INDICATOR).where(INDICATOR.c.code == indicator.code)
            connection.execute(changed.values(**asdict(indicator), updated_at=now))
            updated += 1
    return SyncCount(added=added, updated=updated)


def add_indicator(
    connection: Connection, indicator: Indicator, actor: str, now: datetime, source_ip: str = audit.LOCAL
) -> Indicator:
    """Register a new indicator (origin ``custom``), audited; one-line errors for a bad or taken code."""
    indicator = Indicator(**{**asdict(indicator), "origin": "custom"})
    try:
        check_indicator(indicator)
    except InvalidRecordError as error:
        raise IOCError(str(error)) from None
    if connection.execute(select(INDICATOR.c.code).where(INDICATOR.c.code == indicator.code)).first() is not None:
        raise IOCError(f"indicator {indicator.code!r} is already registered")
    connection.execute(insert(INDICATOR).values(**asdict(indicator), created_at=now, updated_at=now))
    details = {name: getattr(indicator, name) for name in ("name_vi", "name_en", "unit", "aggregation", "direction")}
    audit.record(connection, actor, "indicator.add", indicator.code, now, details, source_ip=source_ip)
    return indicator
