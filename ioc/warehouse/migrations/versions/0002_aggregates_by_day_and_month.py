"""Aggregates by day (unit, agency, field, channel, applicant type) and by month (the same and the procedure), the
data version that keys cached answers, and API tokens.

``dossier_daily`` is rebuilt with its new key, and both aggregates are counted from ``dossier``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MEASURES = (
    "received",
    "online_received",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "fee_known",
    "paid_online",
    "digitised",
    "pending_in",
    "pending_out",
    "overdue_in",
    "overdue_out",
    "stopped",
    "stopped_in_time",
)
#: The measures 0001's ``dossier_daily`` had (the downgrade recreates it).
MEASURES_0001 = MEASURES[:-2]
KEYS = ("unit_code", "agency_code", "field_code", "channel", "applicant_type")


def _aggregate_table(name: str, bucket: str, *extra_keys: str) -> None:
    op.create_table(
        name,
        sa.Column(bucket, sa.Date(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("field_code", sa.String(length=64), nullable=False),
        *(sa.Column(key, sa.String(length=64), nullable=False) for key in extra_keys),
        sa.Column("channel", sa.SmallInteger(), nullable=False),
        sa.Column("applicant_type", sa.SmallInteger(), nullable=False),
        *(sa.Column(measure, sa.Integer(), server_default="0", nullable=False) for measure in MEASURES),
        sa.PrimaryKeyConstraint(bucket, *KEYS[:3], *extra_keys, *KEYS[3:], name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    op.drop_index("ix_dossier_daily_agency_day", table_name="dossier_daily")
    op.drop_index("ix_dossier_daily_field_day", table_name="dossier_daily")
    op.drop_index("ix_dossier_daily_unit_day", table_name="dossier_daily")
    op.drop_table("dossier_daily")
    _aggregate_table("dossier_daily", "day")
    _aggregate_table("dossier_monthly", "month", "procedure_code")

    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("name", name=op.f("uq_api_token_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    # Counts for dossiers loaded before this revision.
    from ioc.warehouse.aggregates import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("api_token")
    op.drop_table("data_version")
    op.drop_table("dossier_monthly")
    op.drop_table("dossier_daily")
    # 0001's table, empty: its counts were never filled before 0002.
    op.create_table(
        "dossier_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("procedure_code", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.SmallInteger(), nullable=False),
        sa.Column("applicant_type", sa.SmallInteger(), nullable=False),
        sa.Column("field_code", sa.String(length=64), nullable=False),
        *(sa.Column(measure, sa.Integer(), server_default="0", nullable=False) for measure in MEASURES_0001),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_dossier_daily_unit_code_unit")),
        sa.PrimaryKeyConstraint(
            "day",
            "unit_code",
            "agency_code",
            "procedure_code",
            "channel",
            "applicant_type",
            name=op.f("pk_dossier_daily"),
        ),
    )
    op.create_index("ix_dossier_daily_agency_day", "dossier_daily", ["agency_code", "day"])
    op.create_index("ix_dossier_daily_field_day", "dossier_daily", ["field_code", "day"])
    op.create_index("ix_dossier_daily_unit_day", "dossier_daily", ["unit_code", "day"])
