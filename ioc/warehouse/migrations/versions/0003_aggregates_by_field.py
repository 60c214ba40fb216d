"""Aggregates by day and by month with the unit and the field only, for views by field; counted from ``dossier``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
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
KEYS = {"unit_code": sa.String(length=16), "field_code": sa.String(length=64)}
AGGREGATES = {"dossier_daily_field": "day", "dossier_monthly_field": "month"}


def upgrade() -> None:
    for name, bucket in AGGREGATES.items():
        op.create_table(
            name,
            sa.Column(bucket, sa.Date(), nullable=False),
            *(sa.Column(key, key_type, nullable=False) for key, key_type in KEYS.items()),
            *(sa.Column(measure, sa.Integer(), server_default="0", nullable=False) for measure in MEASURES),
            sa.PrimaryKeyConstraint(bucket, *KEYS, name=op.f(f"pk_{name}")),
        )
    # Counts for the dossiers already loaded.
    from ioc.warehouse.aggregates import rebuild

    rebuild(op.get_bind(), only=tuple(AGGREGATES))


def downgrade() -> None:
    for name in AGGREGATES:
        op.drop_table(name)
