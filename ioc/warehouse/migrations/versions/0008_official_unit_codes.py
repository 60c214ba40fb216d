"""Official commune codes: a warehouse made with the draft codes of ``vietnam-provinces`` 2025.10.1 is re-keyed to the
statistics office's codes and names (``ioc/reference/communes.csv``), and each run counts the draft codes it mapped.

Everything keyed by a commune moves with it: the unit, its People's Committee (agency code ``UBND-…``, name), other
agencies' unit, dossiers (unit and agency), every aggregate, boundaries and KPI targets. Nine draft codes are another
commune's official code (in Cao Bằng three form a cycle), so codes move in two phases through temporary codes
(``~`` + the new code) and no key is ever held by two communes. A unit moves only when its row has the draft name of
the commune whose draft code it carries, so a warehouse already under official codes is left as it is.

Revision ID: 0008
Revises: 0007 (re-chained after 0007 when merged)
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AGGREGATES = (
    "dossier_daily",
    "dossier_daily_agency",
    "dossier_monthly",
    "dossier_monthly_agency",
    "dossier_daily_field",
    "dossier_monthly_field",
    "dossier_total",
    "dossier_total_agency",
)
TEMPORARY = "~"


def upgrade() -> None:
    with op.batch_alter_table("collector_run") as batch:
        batch.add_column(sa.Column("codes_mapped", sa.Integer(), server_default="0", nullable=False))
    rekey(op.get_bind(), to_official=True)


def downgrade() -> None:
    rekey(op.get_bind(), to_official=False)
    with op.batch_alter_table("collector_run") as batch:
        batch.drop_column("codes_mapped")


def _committee(code: str) -> str:
    return f"UBND-{code}"


def rekey(connection: sa.Connection, *, to_official: bool) -> None:
    """Move the province's communes from draft to official codes (or back), in the caller's transaction."""
    from ioc.config import now_local
    from ioc.errors import IOCError
    from ioc.units import commune_codes
    from ioc.warehouse.aggregates import bump_version

    meta = sa.MetaData()
    unit = sa.Table("unit", meta, autoload_with=connection)
    province = connection.execute(sa.select(unit.c.code).where(unit.c.level == "province")).scalar_one_or_none()
    if province is None:
        return  # a new warehouse: `ioc init` loads the official units after the migrations
    existing = dict(connection.execute(sa.select(unit.c.code, unit.c.name).where(unit.c.level == "commune")).all())
    moves: dict[str, str] = {}
    names: dict[str, tuple[str, str]] = {}
    for commune in commune_codes(province):
        old, new, old_name, new_name = commune.draft_code, commune.code, commune.draft_name, commune.name
        if not to_official:
            old, new, old_name, new_name = new, old, new_name, old_name
        if old != new and existing.get(old) == old_name:
            moves[old] = new
            names[new] = (new_name, commune.division_type)
    blocked = sorted(new for new in moves.values() if new in existing and new not in moves)
    if blocked:
        raise IOCError(f"cannot re-key the communes of province {province}: units {', '.join(blocked)} already exist")
    if not moves:
        return
    temporary = {old: TEMPORARY + new for old, new in moves.items()}
    _move(connection, meta, temporary)
    _move(connection, meta, {TEMPORARY + new: new for new in moves.values()})
    agency = sa.Table("agency", meta, autoload_with=connection)
    for code, (name, division_type) in names.items():
        connection.execute(unit.update().where(unit.c.code == code).values(name=name, division_type=division_type))
        connection.execute(
            agency.update()
            .where(agency.c.code == _committee(code), agency.c.kind == "commune_committee")
            .values(name=f"UBND {name}", name_en=f"People's Committee of {name}")
        )
    bump_version(connection, now_local())


def _case(column: sa.Column, mapping: Mapping[str, str]) -> sa.Case:
    return sa.case(mapping, value=column, else_=column)


def _move(connection: sa.Connection, meta: sa.MetaData, moves: Mapping[str, str]) -> None:
    """Give units new codes that no unit holds: copy each unit, point everything at the copy, delete the original."""
    table = {name: sa.Table(name, meta, autoload_with=connection) for name in ("unit", "agency", "dossier")}
    table |= {name: sa.Table(name, meta, autoload_with=connection) for name in (*AGGREGATES, "boundary", "kpi_target")}
    unit, agency = table["unit"], table["agency"]
    committees = {_committee(old): _committee(new) for old, new in moves.items()}
    olds = list(moves)
    rows = connection.execute(sa.select(unit).where(unit.c.code.in_(olds))).mappings().all()
    connection.execute(unit.insert(), [{**row, "code": moves[row["code"]]} for row in rows])
    connection.execute(
        agency.update().where(agency.c.unit_code.in_(olds)).values(unit_code=_case(agency.c.unit_code, moves))
    )
    connection.execute(
        agency.update().where(agency.c.code.in_(list(committees))).values(code=_case(agency.c.code, committees))
    )
    for name in ("dossier", *AGGREGATES):
        keyed = table[name]
        values = {"unit_code": _case(keyed.c.unit_code, moves)}
        where = keyed.c.unit_code.in_(olds)
        if "agency_code" in keyed.c:
            values["agency_code"] = _case(keyed.c.agency_code, committees)
            where = sa.or_(where, keyed.c.agency_code.in_(list(committees)))
        connection.execute(keyed.update().where(where).values(**values))
    boundary, target = table["boundary"], table["kpi_target"]
    connection.execute(
        boundary.update().where(boundary.c.unit_code.in_(olds)).values(unit_code=_case(boundary.c.unit_code, moves))
    )
    for scope, mapping in (("unit", moves), ("agency", committees)):
        connection.execute(
            target.update()
            .where(target.c.scope == scope, target.c.scope_code.in_(list(mapping)))
            .values(scope_code=_case(target.c.scope_code, mapping))
        )
    connection.execute(unit.delete().where(unit.c.code.in_(olds)))
