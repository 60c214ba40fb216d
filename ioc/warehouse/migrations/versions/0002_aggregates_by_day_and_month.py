"""The aggregates by day, by month and over all time (each also by unit and agency only), the data version that
keys cached answers, and API tokens.

``dossier_daily`` is rebuilt with its new key, and every aggregate is counted from ``dossier``.

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
KEY_TYPES = {
    "unit_code": sa.String(length=16),
    "agency_code": sa.String(length=64),
    "field_code": sa.String(length=64),
    "procedure_code": sa.String(length=64),
    "channel": sa.SmallInteger(),
    "applicant_type": sa.SmallInteger(),
}
ALL = tuple(KEY_TYPES)
AGENCY = ("unit_code", "agency_code", "channel", "applicant_type")
AGGREGATES = {
    "dossier_daily": ("day", tuple(k for k in ALL if k != "procedure_code")),
    "dossier_daily_agency": ("day", AGENCY),
    "dossier_monthly": ("month", ALL),
    "dossier_monthly_agency": ("month", AGENCY),
    "dossier_total": (None, ALL),
    "dossier_total_agency": (None, AGENCY),
}


def _aggregate_table(name: str, bucket: str | None, keys: tuple[str, ...]) -> None:
    bucket_columns = [bucket] if bucket else []
    op.create_table(
        name,
        *(sa.Column(column, sa.Date(), nullable=False) for column in bucket_columns),
        *(sa.Column(key, KEY_TYPES[key], nullable=False) for key in keys),
        *(sa.Column(measure, sa.Integer(), server_default="0", nullable=False) for measure in MEASURES),
        sa.PrimaryKeyConstraint(*bucket_columns, *keys, name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    op.drop_index("ix_dossier_daily_agency_day", table_name="dossier_daily")
    op.drop_index("ix_dossier_daily_field_day", table_name="dossier_daily")
    op.drop_index("ix_dossier_daily_unit_day", table_name="dossier_daily")
    op.drop_table("dossier_daily")
    for name, (bucket, keys) in AGGREGATES.items():
        _aggregate_table(name, bucket, keys)

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
    for name in AGGREGATES:
        op.drop_table(name)
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
