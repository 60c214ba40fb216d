"""A dossier counts once, whichever collectors deliver it: ``dossier.counted`` marks the one row per source key
(MaHoSo) the figures count, the newest version (on a tie the lowest id); a partial unique index guards it; the
unique key becomes (source_key, collector_id) so that lookups by key alone use it; ``collector_overlap`` keeps how
many dossiers two collectors both deliver. The aggregates are recounted when any row stops counting.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Rows no other row of their key beats: a newer version, or the same version and a lower id.
WINNERS = """
UPDATE dossier SET counted = true WHERE NOT EXISTS (
    SELECT 1 FROM dossier AS other
    WHERE other.source_key = dossier.source_key
      AND (other.source_updated_at > dossier.source_updated_at
           OR (other.source_updated_at = dossier.source_updated_at AND other.id < dossier.id))
)
"""
OVERLAPS = """
INSERT INTO collector_overlap (collector_id, other_id, dossiers)
SELECT mine.collector_id, theirs.collector_id, count(*)
FROM dossier AS mine JOIN dossier AS theirs
  ON theirs.source_key = mine.source_key AND theirs.collector_id <> mine.collector_id
GROUP BY mine.collector_id, theirs.collector_id
"""


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("counted", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch.drop_constraint("uq_dossier_collector_id_source_key", type_="unique")
        batch.create_unique_constraint("uq_dossier_source_key_collector_id", ["source_key", "collector_id"])
    op.execute(WINNERS)
    op.create_index(
        "ux_dossier_counted_source_key",
        "dossier",
        ["source_key"],
        unique=True,
        sqlite_where=sa.text("counted"),
        postgresql_where=sa.text("counted"),
    )
    op.create_table(
        "collector_overlap",
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("dossiers", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["collector.id"],
            name=op.f("fk_collector_overlap_collector_id_collector"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["collector.id"], name=op.f("fk_collector_overlap_other_id_collector"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("collector_id", "other_id", name=op.f("pk_collector_overlap")),
    )
    op.execute(OVERLAPS)
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM dossier WHERE NOT counted LIMIT 1")).first():
        from ioc.warehouse.aggregates import rebuild

        rebuild(bind)


def downgrade() -> None:
    """Back to one row per (collector, source key) counted each: the aggregates are recounted over every row, as the
    previous release counts them."""
    op.drop_table("collector_overlap")
    op.drop_index("ux_dossier_counted_source_key", table_name="dossier")
    with op.batch_alter_table("dossier") as batch:
        batch.drop_constraint("uq_dossier_source_key_collector_id", type_="unique")
        batch.create_unique_constraint("uq_dossier_collector_id_source_key", ["collector_id", "source_key"])
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM dossier WHERE NOT counted LIMIT 1")).first():
        op.execute("UPDATE dossier SET counted = true")
        from ioc.warehouse.aggregates import rebuild

        rebuild(bind)
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("counted")
