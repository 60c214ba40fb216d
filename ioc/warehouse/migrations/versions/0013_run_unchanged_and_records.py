"""Each run's records the source sent unchanged, and every record it read, so a run's progress counts what it read
(a backfill over loaded records read them all, though it wrote none).

Runs before this revision counted only what they wrote or rejected: that is what their ``records`` becomes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collector_run") as batch:
        batch.add_column(sa.Column("unchanged", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("records", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE collector_run SET records = inserted + updated + rejected")


def downgrade() -> None:
    with op.batch_alter_table("collector_run") as batch:
        batch.drop_column("records")
        batch.drop_column("unchanged")
