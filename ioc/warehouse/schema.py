"""The warehouse's tables. Alembic owns their life (``migrations/``); these models are its reference.

Times are naive Vietnam local datetimes (see ``ioc.config.TIMEZONE``). Codes are the sources' strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ioc.dossiers.events import MEASURES

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: A 64-bit key on PostgreSQL that stays SQLite's ROWID alias (only INTEGER PRIMARY KEY is).
BigId = BigInteger().with_variant(Integer(), "sqlite")
#: A cursor of any size. SQLite never enforces a declared length, so its columns keep the ``VARCHAR(200)`` they were
#: created with (changing the type would rebuild ``collector``, which its foreign keys forbid inside a migration).
CursorText = Text().with_variant(String(200), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class Unit(Base):
    """An official administrative unit: the province or one of its communes (đơn vị hành chính)."""

    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    division_type: Mapped[str] = mapped_column(String(40))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"), index=True)

    __table_args__ = (CheckConstraint("level IN ('province', 'commune')", name="level"),)


class Agency(Base):
    """An agency that receives and resolves dossiers (cơ quan giải quyết)."""

    __tablename__ = "agency"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính) and its field (lĩnh vực)."""

    __tablename__ = "procedure"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    field_code: Mapped[str | None] = mapped_column(String(64), index=True)
    field_name: Mapped[str | None] = mapped_column(String(300))
    level: Mapped[str | None] = mapped_column(String(16))
    online_service: Mapped[str | None] = mapped_column(String(16))
    has_fee: Mapped[bool | None] = mapped_column(Boolean)
    online_payment: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (CheckConstraint("online_service IN ('full', 'partial', 'none')", name="online_service"),)


class Collector(Base):
    """A configured source: kind, endpoint, auth, schedule and options; its cursor lives here too."""

    __tablename__ = "collector"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)
    auth: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    secret_envs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    interval_seconds: Mapped[int | None] = mapped_column(Integer)
    cron: Mapped[str | None] = mapped_column(String(100))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    #: The kind's cursor state, often JSON; of any size.
    cursor: Mapped[str | None] = mapped_column(CursorText)
    #: Dossiers its loads inserted, kept by the loader so that showing it never counts ``dossier``.
    dossiers: Mapped[int] = mapped_column(BigInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("auth IN ('none', 'apikey', 'basic', 'oauth2')", name="auth"),
        CheckConstraint("interval_seconds IS NULL OR cron IS NULL", name="one_schedule"),
    )


class CollectorRun(Base):
    """One run of a collector: when, how it ended, and what it loaded."""

    __tablename__ = "collector_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    collector_id: Mapped[int] = mapped_column(ForeignKey("collector.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    since: Mapped[datetime | None] = mapped_column(DateTime)
    until: Mapped[datetime | None] = mapped_column(DateTime)
    cursor_before: Mapped[str | None] = mapped_column(CursorText)
    cursor_after: Mapped[str | None] = mapped_column(CursorText)
    pages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    inserted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rejected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Records the source sent as the warehouse already held them.
    unchanged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Every record the run read (inserted, updated, unchanged or rejected).
    records: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Records whose unit code was a draft code, mapped to the official one (``ioc.unit_codes``).
    codes_mapped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The source's count of the run's window, when it gave one and a finished run did not prove it wrong.
    total: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(200))
    pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("mode IN ('incremental', 'backfill')", name="mode"),
        CheckConstraint("status IN ('running', 'succeeded', 'failed', 'stopped')", name="status"),
        Index("ix_collector_run_collector_started", "collector_id", "started_at"),
        Index("ix_collector_run_status", "status"),
    )


class Dossier(Base):
    """One administrative dossier (hồ sơ), its latest state as the source reports it."""

    __tablename__ = "dossier"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    collector_id: Mapped[int] = mapped_column(ForeignKey("collector.id"))
    source_key: Mapped[str] = mapped_column(String(100))
    procedure_code: Mapped[str | None] = mapped_column(String(64))
    field_code: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[int | None] = mapped_column(SmallInteger)
    applicant_name: Mapped[str | None] = mapped_column(Text)
    applicant_type: Mapped[int | None] = mapped_column(SmallInteger)
    agency_code: Mapped[str | None] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[int] = mapped_column(SmallInteger)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)
    paid_online: Mapped[bool | None] = mapped_column(Boolean)
    digitised: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    source_updated_at: Mapped[datetime] = mapped_column(DateTime)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)
    #: Whether the figures count this row: of the rows of one source key (MaHoSo, a national identity) from several
    #: collectors, exactly one is, the newest version (``ioc.warehouse.load``, ``ioc.warehouse.purge``).
    counted: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))

    __table_args__ = (
        # Source key first: the loader looks up a page's keys whichever collector holds them.
        UniqueConstraint("source_key", "collector_id"),
        # The guard that no source key is ever counted twice.
        Index(
            "ux_dossier_counted_source_key",
            "source_key",
            unique=True,
            sqlite_where=text("counted"),
            postgresql_where=text("counted"),
        ),
        CheckConstraint("channel IN (1, 2, 3)", name="channel"),
        CheckConstraint("status BETWEEN 1 AND 10", name="status"),
        CheckConstraint("applicant_type IN (1, 2, 3, 4)", name="applicant_type"),
        # Few indexes on purpose: each costs ingest speed (tests/benchmarks/bench_ingest.py), and dashboards
        # read dossier_daily. These serve drill-down by period; both are near-append in time order.
        Index("ix_dossier_received_at", "received_at"),
        Index("ix_dossier_finished_at", "finished_at"),
    )


#: The key columns an aggregate may have, and their types. A missing code is stored as ``""`` and a missing channel or
#: applicant type as 0, so every key column can be part of the primary key.
AGGREGATE_KEY_TYPES = {
    "unit_code": String(16),
    "agency_code": String(64),
    "field_code": String(64),
    "procedure_code": String(64),
    "channel": SmallInteger(),
    "applicant_type": SmallInteger(),
}


def _aggregate(name: str, bucket: str | None, keys: tuple[str, ...]) -> Table:
    """An additive aggregate of ``dossier`` (see ``ioc.warehouse.aggregates``): a bucket (``day``, ``month`` — its
    first day — or none for all time), key columns, and one count per measure of ``ioc.dossiers.events``."""
    return Table(
        name,
        Base.metadata,
        *([Column(bucket, Date, primary_key=True)] if bucket else []),
        *(Column(key, AGGREGATE_KEY_TYPES[key], primary_key=True) for key in keys),
        *(Column(measure, Integer, nullable=False, default=0, server_default="0") for measure in MEASURES),
    )


_ALL = ("unit_code", "agency_code", "field_code", "procedure_code", "channel", "applicant_type")
_AGENCY = ("unit_code", "agency_code", "channel", "applicant_type")
_FIELD = ("unit_code", "field_code")
#: Days without the procedure (by procedure a day holds about one row per three dossiers: no aggregate at all), months
#: with every key, all time for running sums; each again by unit and agency only, which most queries need; and days
#: and months by unit and field only, for the analysts' views by field (a year by field read 215,000 monthly rows).
DOSSIER_DAILY = _aggregate("dossier_daily", "day", tuple(k for k in _ALL if k != "procedure_code"))
DOSSIER_DAILY_AGENCY = _aggregate("dossier_daily_agency", "day", _AGENCY)
DOSSIER_MONTHLY = _aggregate("dossier_monthly", "month", _ALL)
DOSSIER_MONTHLY_AGENCY = _aggregate("dossier_monthly_agency", "month", _AGENCY)
DOSSIER_DAILY_FIELD = _aggregate("dossier_daily_field", "day", _FIELD)
DOSSIER_MONTHLY_FIELD = _aggregate("dossier_monthly_field", "month", _FIELD)
DOSSIER_TOTAL = _aggregate("dossier_total", None, _ALL)
DOSSIER_TOTAL_AGENCY = _aggregate("dossier_total_agency", None, _AGENCY)


class CollectorOverlap(Base):
    """How many dossiers (source keys) two collectors both deliver, kept by the loader in both directions, so that
    showing it never scans ``dossier``."""

    __tablename__ = "collector_overlap"

    collector_id: Mapped[int] = mapped_column(ForeignKey("collector.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("collector.id", ondelete="CASCADE"), primary_key=True)
    dossiers: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class DataVersion(Base):
    """One row whose ``version`` every load bumps: the key that invalidates cached KPI answers."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class ApiToken(Base):
    """A bearer token for the read-only API: only its SHA-256 is kept; revoked tokens stay for the record."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class DisplayToken(Base):
    """A wall-screen's token: opens the wall read-only and nothing else; only its SHA-256 is kept; revocable."""

    __tablename__ = "display_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class KpiTarget(Base):
    """A KPI's target and traffic-light bands, for the province or one unit or agency."""

    __tablename__ = "kpi_target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16), default="province", server_default="province")
    scope_code: Mapped[str] = mapped_column(String(64), default="", server_default="")
    target: Mapped[float] = mapped_column(Float)
    green_from: Mapped[float] = mapped_column(Float)
    amber_from: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("kpi", "scope", "scope_code"),
        CheckConstraint("scope IN ('province', 'unit', 'agency')", name="scope"),
    )


class Quarantine(Base):
    """A rejected source record, kept raw with the reason a person can act on."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    collector_id: Mapped[int] = mapped_column(ForeignKey("collector.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("collector_run.id", ondelete="SET NULL"))
    source_key: Mapped[str | None] = mapped_column(String(100))
    raw_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    quarantined_at: Mapped[datetime] = mapped_column(DateTime)
    reprocessed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("collector_id", "raw_hash"),
        Index("ix_quarantine_collector_at", "collector_id", "quarantined_at"),
    )


class Boundary(Base):
    """A unit's simplified outline as GeoJSON geometry (WGS84)."""

    __tablename__ = "boundary"

    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    geometry: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(300))
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class User(Base):
    """A person who signs in. Named ``app_user``: ``user`` is a reserved word in PostgreSQL."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint("role IN ('leader', 'analyst', 'admin')", name="role"),)


class UserSession(Base):
    """A signed-in browser session, so signing out ends it on the server: the cookie names it by a secret of which
    only the SHA-256 is kept. Sessions past their lifetime are deleted at the next sign-in."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


#: APScheduler's job store, created by Alembic (not by APScheduler) so that Alembic owns every table.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class AuditLog(Base):
    """Who did what, when: admin actions and sign-ins."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_ip: Mapped[str | None] = mapped_column(String(64))

    #: Sign-in throttling counts recent failures by action and time.
    __table_args__ = (Index("ix_audit_log_action_at", "action", "at"),)


class Indicator(Base):
    """An indicator of the registry (``domain/indicators.md``): the dossier KPIs, the catalogue's and the admins'."""

    __tablename__ = "indicator"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(Unicode(200))
    name_en: Mapped[str] = mapped_column(Unicode(200))
    unit: Mapped[str] = mapped_column(Unicode(50))
    aggregation: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8))
    units_add: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    bounded: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    origin: Mapped[str] = mapped_column(String(16))
    pillar: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("aggregation IN ('count', 'amount', 'ratio', 'level', 'score')", name="aggregation"),
        CheckConstraint("direction IN ('higher', 'lower')", name="direction"),
        CheckConstraint("origin IN ('dossier', 'catalogue', 'custom')", name="origin"),
    )


class IndicatorValue(Base):
    """One value: indicator × unit × agency × period, from one collector's run. A ratio keeps its numerator and
    denominator, never a percentage; ``no_data`` marks a period the source says it has no figures for."""

    __tablename__ = "indicator_value"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    collector_id: Mapped[int] = mapped_column(ForeignKey("collector.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("collector_run.id", ondelete="SET NULL"))
    #: ``indicator|unit|agency|period``: a reload of the same key by the same collector replaces the value.
    value_key: Mapped[str] = mapped_column(String(300))
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator.code", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str] = mapped_column(String(64), server_default="")
    period_kind: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    no_data: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    quality: Mapped[str | None] = mapped_column(String(64))
    quality_message: Mapped[str | None] = mapped_column(Text)
    source_key: Mapped[str | None] = mapped_column(String(200))
    source_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("collector_id", "value_key"),
        CheckConstraint("period_kind IN ('day', 'month', 'quarter', 'year')", name="period_kind"),
        Index("ix_indicator_value_indicator_kind_start", "indicator_code", "period_kind", "period_start"),
    )


class NameAlias(Base):
    """A source's name for a unit or agency that an admin mapped (e.g. the national portal's unit names), by collector.
    A name no admin mapped yet is not here: its records wait in quarantine, listed for mapping."""

    __tablename__ = "name_alias"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collector_id: Mapped[int] = mapped_column(ForeignKey("collector.id", ondelete="CASCADE"))
    #: The name normalised as ``ioc.indicators.names.normalised`` makes it.
    name: Mapped[str] = mapped_column(Unicode(300))
    unit_code: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str] = mapped_column(String(64), server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("collector_id", "name"),)


class DisplayPlaylist(Base):
    """A display link's playlist (:mod:`ioc.playlists`): the period and comparison its wall shows (None: the wall's
    own default); its pages are :class:`DisplayPlaylistEntry` rows. A link without one plays the default."""

    __tablename__ = "display_playlist"

    token_id: Mapped[int] = mapped_column(ForeignKey("display_token.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str | None] = mapped_column(String(16))
    compare: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class DisplayPlaylistEntry(Base):
    """One page of a playlist, in order: a wall page's path (or a saved view's ``/wall/view?name=…``), its seconds."""

    __tablename__ = "display_playlist_entry"

    token_id: Mapped[int] = mapped_column(ForeignKey("display_playlist.token_id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    page: Mapped[str] = mapped_column(String(300))
    seconds: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("seconds BETWEEN 5 AND 3600", name="seconds"),)


class SavedView(Base):
    """An explorer view saved by name (its URL query, re-serialised by the explorer so only valid views are kept)."""

    __tablename__ = "saved_view"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Unicode(100), unique=True)
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))


class Subscriber(Base):
    """Someone who receives e-mail from IOC (:mod:`ioc.subscribers`): the daily brief, alerts, or both."""

    __tablename__ = "subscriber"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(Unicode(254), unique=True)
    name: Mapped[str | None] = mapped_column(Unicode(200))
    brief: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    alerts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))


class AlertRule(Base):
    """An alert rule an admin writes: a KPI or indicator over a scope, a threshold or "anomaly", a direction; where
    its notifications go (the alert subscribers by e-mail, a webhook) and the local hours it keeps quiet."""

    __tablename__ = "alert_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Unicode(100), unique=True)
    #: ``kpi`` (a dossier KPI of ``ioc.kpi.registry``) or ``indicator`` (an indicator code of the registry).
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    #: ``province``, ``unit`` or ``agency``; ``scope_code`` the unit's or agency's code ("" for the province).
    scope: Mapped[str] = mapped_column(String(16), default="province", server_default="province")
    scope_code: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: ``threshold`` (compare with ``threshold``) or ``anomaly`` (the anomaly detector flags it).
    condition: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[float | None] = mapped_column(Float)
    #: ``above``, ``below`` or ``either``.
    direction: Mapped[str] = mapped_column(String(8))
    email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    #: The name of the environment variable holding the webhook's signing secret (never the secret).
    webhook_secret_env: Mapped[str | None] = mapped_column(String(100))
    #: Quiet hours, local minutes after midnight (start may exceed end: overnight); None: never quiet.
    quiet_from: Mapped[int | None] = mapped_column(SmallInteger)
    quiet_until: Mapped[int | None] = mapped_column(SmallInteger)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        CheckConstraint("subject_kind IN ('kpi', 'indicator')", name="subject_kind"),
        CheckConstraint("scope IN ('province', 'unit', 'agency')", name="scope"),
        CheckConstraint("condition IN ('threshold', 'anomaly')", name="condition"),
        CheckConstraint("direction IN ('above', 'below', 'either')", name="direction"),
    )


class Notification(Base):
    """The outbox: one message to one recipient over one channel (``email`` or ``webhook``), for an alert rule or the
    daily brief. ``dedupe_key`` names what it says (the rule, subject and day, or the brief's day), so the same news
    is sent once per recipient; a failed send is retried at ``next_attempt_at`` with backoff until it gives up."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    #: ``alert`` or ``brief``.
    kind: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rule.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    #: An e-mail address, or ``rule:<id>`` for a webhook (its URL may carry a token, so it is not copied).
    recipient: Mapped[str] = mapped_column(Unicode(254))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: ``pending``, ``held`` (quiet hours), ``sent`` or ``failed`` (gave up).
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("dedupe_key", "channel", "recipient"),
        CheckConstraint("kind IN ('alert', 'brief')", name="kind"),
        CheckConstraint("channel IN ('email', 'webhook')", name="channel"),
        CheckConstraint("status IN ('pending', 'held', 'sent', 'failed')", name="status"),
        Index("ix_notification_status_next", "status", "next_attempt_at"),
    )
