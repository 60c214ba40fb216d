"""Indicators beyond dossiers (``domain/indicators.md``): the registry (seeded with the dossier KPIs and the shipped
catalogue by ``ioc init``), indicator values, names an admin mapped for a source; collectors' cursors of any size.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CURSORS = (("collector", "cursor"), ("collector_run", "cursor_before"), ("collector_run", "cursor_after"))


def _cursors_as(new: sa.types.TypeEngine, old: sa.types.TypeEngine) -> None:
    """SQLite never enforced the length (and rebuilding ``collector`` would break its foreign keys): PostgreSQL only."""
    if op.get_bind().dialect.name == "postgresql":
        for table, column in CURSORS:
            op.alter_column(table, column, type_=new, existing_type=old, existing_nullable=True)


def upgrade() -> None:
    _cursors_as(sa.Text(), sa.String(length=200))
    op.create_table(
        "indicator",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_vi", sa.Unicode(length=200), nullable=False),
        sa.Column("name_en", sa.Unicode(length=200), nullable=False),
        sa.Column("unit", sa.Unicode(length=50), nullable=False),
        sa.Column("aggregation", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("units_add", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("bounded", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("pillar", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "aggregation IN ('count', 'amount', 'ratio', 'level', 'score')", name=op.f("ck_indicator_aggregation")
        ),
        sa.CheckConstraint("direction IN ('higher', 'lower')", name=op.f("ck_indicator_direction")),
        sa.CheckConstraint("origin IN ('dossier', 'catalogue', 'custom')", name=op.f("ck_indicator_origin")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_indicator")),
    )
    op.create_table(
        "indicator_value",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("value_key", sa.String(length=300), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("agency_code", sa.String(length=64), server_default="", nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("no_data", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("quality", sa.String(length=64), nullable=True),
        sa.Column("quality_message", sa.Text(), nullable=True),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.Column("source_updated_at", sa.DateTime(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "period_kind IN ('day', 'month', 'quarter', 'year')", name=op.f("ck_indicator_value_period_kind")
        ),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["collector.id"],
            name=op.f("fk_indicator_value_collector_id_collector"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_code"],
            ["indicator.code"],
            name=op.f("fk_indicator_value_indicator_code_indicator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["collector_run.id"], name=op.f("fk_indicator_value_run_id_collector_run"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_value")),
        sa.UniqueConstraint("collector_id", "value_key", name=op.f("uq_indicator_value_collector_id_value_key")),
    )
    op.create_index(
        "ix_indicator_value_indicator_kind_start",
        "indicator_value",
        ["indicator_code", "period_kind", "period_start"],
    )
    op.create_table(
        "name_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Unicode(length=300), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("agency_code", sa.String(length=64), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["collector_id"], ["collector.id"], name=op.f("fk_name_alias_collector_id_collector"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_name_alias")),
        sa.UniqueConstraint("collector_id", "name", name=op.f("uq_name_alias_collector_id_name")),
    )


def downgrade() -> None:
    op.drop_table("name_alias")
    op.drop_index("ix_indicator_value_indicator_kind_start", table_name="indicator_value")
    op.drop_table("indicator_value")
    op.drop_table("indicator")
    _cursors_as(sa.String(length=200), sa.Text())
