"""PostgreSQL leaves 30 % of each page of the aggregate tables free, so that the loader's additive upserts update a row
in its own page without touching the indexes (heap-only tuples): a page's aggregates took about 10 % less time in
``tests/benchmarks/bench_ingest.py``. SQLite has no such setting; nothing changes there.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FILLFACTOR = 70
TABLES = (
    "dossier_daily",
    "dossier_daily_agency",
    "dossier_daily_field",
    "dossier_monthly",
    "dossier_monthly_agency",
    "dossier_monthly_field",
    "dossier_total",
    "dossier_total_agency",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
