"""Filters that name something the warehouse knows: a code it has never heard of is an error, never a row of zeros.

Units, agencies and procedures are known from their tables (the loader adds every agency and procedure a dossier
names); fields from the procedures' ``field_code``, or from the aggregates for a field a dossier names without a
procedure; channels and applicant types from the source's own tables. ``""`` and ``0``, the aggregates' stand-ins for a
missing code or number, are known: they ask for the dossiers without one.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, exists, or_, select

from ioc.errors import IOCError
from ioc.kpi.query import Filters
from ioc.records import APPLICANT_TYPES, CHANNELS
from ioc.warehouse import schema

#: Where each coded filter's known codes live, and what lists them.
_CODE_COLUMNS: dict[str, tuple[tuple[Column, ...], str]] = {
    "unit": ((schema.Unit.__table__.c.code,), "ioc units lists this warehouse's province and communes"),
    "agency": ((schema.Agency.__table__.c.code,), "ioc agencies lists them"),
    "field": (
        (schema.Procedure.__table__.c.field_code, schema.DOSSIER_MONTHLY_FIELD.c.field_code),
        "no dossier names it",
    ),
    "procedure": ((schema.Procedure.__table__.c.code,), "no dossier names it"),
}
_NUMBERED = {"channel": CHANNELS, "applicant_type": APPLICANT_TYPES}


class UnknownCodeError(IOCError):
    """A filter names a code the warehouse does not know; ``parameter`` is the filter's name."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def unknown_filters(connection: Connection, filters: Filters) -> list[UnknownCodeError]:
    """One error per filter of ``filters`` naming a code the warehouse does not know, in the filters' order (the
    codes are looked up in one query)."""
    coded = {name: getattr(filters, name) for name in _CODE_COLUMNS if getattr(filters, name) not in (None, "")}
    known: dict[str, bool] = {}
    if coded:
        lookups = [
            or_(*(exists().where(column == code) for column in _CODE_COLUMNS[name][0])) for name, code in coded.items()
        ]
        known = dict(zip(coded, connection.execute(select(*lookups)).one(), strict=True))
    errors = []
    for name, code in coded.items():
        if not known[name]:
            hint = _CODE_COLUMNS[name][1]
            errors.append(UnknownCodeError(name, f"unknown {name} {code!r}: not in this warehouse ({hint})"))
    for name, table in _NUMBERED.items():
        number = getattr(filters, name)
        if number is not None and number != 0 and number not in table:
            label = name.replace("_", " ")
            allowed = ", ".join(f"{key} {value}" for key, value in table.items())
            errors.append(UnknownCodeError(name, f"unknown {label} {number}: use {allowed}"))
    return errors


def check_filters(connection: Connection, filters: Filters) -> None:
    """Raise :class:`UnknownCodeError` for the first filter naming a code the warehouse does not know."""
    errors = unknown_filters(connection, filters)
    if errors:
        raise errors[0]
