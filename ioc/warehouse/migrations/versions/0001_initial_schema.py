"""The initial warehouse: units, agencies, procedures, dossiers and their daily counts, collectors and their
runs, quarantine, targets, boundaries, users and the audit log.

Revision ID: 0001
Revises: none
Create Date: 2026-11-23 18:39:28.910108
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IN ('leader', 'analyst', 'admin')", name=op.f("ck_app_user_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])

    op.create_table(
        "collector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("auth", sa.String(length=16), server_default="none", nullable=False),
        sa.Column("secret_envs", sa.JSON(), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=True),
        sa.Column("cron", sa.String(length=100), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("cursor", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("auth IN ('none', 'apikey', 'basic', 'oauth2')", name=op.f("ck_collector_auth")),
        sa.CheckConstraint("interval_seconds IS NULL OR cron IS NULL", name=op.f("ck_collector_one_schedule")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collector")),
        sa.UniqueConstraint("name", name=op.f("uq_collector_name")),
    )
    op.create_table(
        "kpi_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), server_default="province", nullable=False),
        sa.Column("scope_code", sa.String(length=64), server_default="", nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("green_from", sa.Float(), nullable=False),
        sa.Column("amber_from", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("scope IN ('province', 'unit', 'agency')", name=op.f("ck_kpi_target_scope")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_target")),
        sa.UniqueConstraint("kpi", "scope", "scope_code", name=op.f("uq_kpi_target_kpi_scope_scope_code")),
    )
    op.create_table(
        "procedure",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("field_code", sa.String(length=64), nullable=True),
        sa.Column("field_name", sa.String(length=300), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("online_service", sa.String(length=16), nullable=True),
        sa.Column("has_fee", sa.Boolean(), nullable=True),
        sa.Column("online_payment", sa.Boolean(), nullable=True),
        sa.CheckConstraint("online_service IN ('full', 'partial', 'none')", name=op.f("ck_procedure_online_service")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_procedure")),
    )
    op.create_index(op.f("ix_procedure_field_code"), "procedure", ["field_code"])

    op.create_table(
        "unit",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("division_type", sa.String(length=40), nullable=False),
        sa.Column("parent_code", sa.String(length=8), nullable=True),
        sa.CheckConstraint("level IN ('province', 'commune')", name=op.f("ck_unit_level")),
        sa.ForeignKeyConstraint(["parent_code"], ["unit.code"], name=op.f("fk_unit_parent_code_unit")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_unit")),
    )
    op.create_index(op.f("ix_unit_parent_code"), "unit", ["parent_code"])

    op.create_table(
        "agency",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_agency_unit_code_unit")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agency")),
    )
    op.create_index(op.f("ix_agency_unit_code"), "agency", ["unit_code"])

    op.create_table(
        "boundary",
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["unit.code"], name=op.f("fk_boundary_unit_code_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("unit_code", name=op.f("pk_boundary")),
    )
    op.create_table(
        "collector_run",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.Column("cursor_before", sa.String(length=200), nullable=True),
        sa.Column("cursor_after", sa.String(length=200), nullable=True),
        sa.Column("pages", sa.Integer(), server_default="0", nullable=False),
        sa.Column("inserted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rejected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("host", sa.String(length=200), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("mode IN ('incremental', 'backfill')", name=op.f("ck_collector_run_mode")),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'failed', 'stopped')", name=op.f("ck_collector_run_status")
        ),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["collector.id"],
            name=op.f("fk_collector_run_collector_id_collector"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collector_run")),
    )
    op.create_index("ix_collector_run_collector_started", "collector_run", ["collector_id", "started_at"])
    op.create_index("ix_collector_run_status", "collector_run", ["status"])

    op.create_table(
        "dossier",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("procedure_code", sa.String(length=64), nullable=True),
        sa.Column("field_code", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.SmallInteger(), nullable=True),
        sa.Column("applicant_name", sa.Text(), nullable=True),
        sa.Column("applicant_type", sa.SmallInteger(), nullable=True),
        sa.Column("agency_code", sa.String(length=64), nullable=True),
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.Column("paid_online", sa.Boolean(), nullable=True),
        sa.Column("digitised", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("source_updated_at", sa.DateTime(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("applicant_type IN (1, 2, 3, 4)", name=op.f("ck_dossier_applicant_type")),
        sa.CheckConstraint("channel IN (1, 2, 3)", name=op.f("ck_dossier_channel")),
        sa.CheckConstraint("status BETWEEN 1 AND 10", name=op.f("ck_dossier_status")),
        sa.ForeignKeyConstraint(["collector_id"], ["collector.id"], name=op.f("fk_dossier_collector_id_collector")),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_dossier_unit_code_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier")),
        sa.UniqueConstraint("collector_id", "source_key", name=op.f("uq_dossier_collector_id_source_key")),
    )
    op.create_index("ix_dossier_finished_at", "dossier", ["finished_at"])
    op.create_index("ix_dossier_received_at", "dossier", ["received_at"])

    op.create_table(
        "dossier_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_code", sa.String(length=8), nullable=False),
        sa.Column("agency_code", sa.String(length=64), nullable=False),
        sa.Column("procedure_code", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.SmallInteger(), nullable=False),
        sa.Column("applicant_type", sa.SmallInteger(), nullable=False),
        sa.Column("field_code", sa.String(length=64), nullable=False),
        sa.Column("received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("online_received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_early", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_on_time", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_late", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fee_known", sa.Integer(), server_default="0", nullable=False),
        sa.Column("paid_online", sa.Integer(), server_default="0", nullable=False),
        sa.Column("digitised", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pending_in", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pending_out", sa.Integer(), server_default="0", nullable=False),
        sa.Column("overdue_in", sa.Integer(), server_default="0", nullable=False),
        sa.Column("overdue_out", sa.Integer(), server_default="0", nullable=False),
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

    op.create_table(
        "quarantine",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("source_key", sa.String(length=100), nullable=True),
        sa.Column("raw_hash", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("quarantined_at", sa.DateTime(), nullable=False),
        sa.Column("reprocessed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["collector.id"],
            name=op.f("fk_quarantine_collector_id_collector"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["collector_run.id"],
            name=op.f("fk_quarantine_run_id_collector_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
        sa.UniqueConstraint("collector_id", "raw_hash", name=op.f("uq_quarantine_collector_id_raw_hash")),
    )
    op.create_index("ix_quarantine_collector_at", "quarantine", ["collector_id", "quarantined_at"])

    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    op.create_index(op.f("ix_apscheduler_jobs_next_run_time"), "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_table("apscheduler_jobs")
    op.drop_table("quarantine")
    op.drop_table("dossier_daily")
    op.drop_table("dossier")
    op.drop_table("collector_run")
    op.drop_table("boundary")
    op.drop_table("agency")
    op.drop_table("unit")
    op.drop_table("procedure")
    op.drop_table("kpi_target")
    op.drop_table("collector")
    op.drop_table("audit_log")
    op.drop_table("app_user")
