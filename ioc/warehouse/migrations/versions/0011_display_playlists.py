"""Playlists per display link (the pages a wall-screen turns through, their seconds, its period and comparison), and
explorer views saved by name (a playlist may show one on the wall).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "display_playlist",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=True),
        sa.Column("compare", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["display_token.id"],
            name=op.f("fk_display_playlist_token_id_display_token"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_display_playlist")),
    )
    op.create_table(
        "display_playlist_entry",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("page", sa.String(length=300), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.CheckConstraint("seconds BETWEEN 5 AND 3600", name=op.f("ck_display_playlist_entry_seconds")),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["display_playlist.token_id"],
            name=op.f("fk_display_playlist_entry_token_id_display_playlist"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", "position", name=op.f("pk_display_playlist_entry")),
    )
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Unicode(length=100), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view")),
        sa.UniqueConstraint("name", name=op.f("uq_saved_view_name")),
    )


def downgrade() -> None:
    op.drop_table("saved_view")
    op.drop_table("display_playlist_entry")
    op.drop_table("display_playlist")
