"""Registering an indicator as one committed change: what the Indicators admin page (and a script) calls, the same
:func:`ioc.indicators.registry.add_indicator` as ``ioc indicator add``, audited with who asked and from where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from ioc.indicators.model import Indicator
from ioc.indicators.registry import add_indicator
from ioc.warehouse import audit
from ioc.warehouse.access import transaction


def register_indicator(
    engine: Engine, indicator: Indicator, actor: str, now: datetime, source_ip: str = audit.LOCAL
) -> Indicator:
    """:func:`add_indicator`, committed; a one-line IOCError (bad or taken code, a database error) changes nothing."""
    with transaction(engine) as connection:
        return add_indicator(connection, indicator, actor, now, source_ip)
