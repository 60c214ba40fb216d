"""People who sign in: roles ``leader`` < ``analyst`` < ``admin``, passwords hashed with a slow KDF (scrypt), every
change audited. There is no default user and no default password: the first admin comes from ``ioc user add``."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Connection, Engine, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ioc.errors import IOCError
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction

USER = schema.User.__table__
ROLES = ("leader", "analyst", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
MIN_PASSWORD = 12
#: scrypt with N=2^15, r=8, p=1 (about 0.15 s a check here): slow enough to make guessing a stolen hash expensive.
KDF = "scrypt:32768:8:1"
AUDIT = schema.AuditLog.__table__
SESSION = schema.UserSession.__table__
#: Sign-in throttling. This many failures for one user name *from one address* within ``THROTTLE_WINDOW`` lock that
#: name at that address until the oldest of them leaves the window; the name stays open from every other address, so
#: nobody can lock an admin out by guessing. This many failures from one address, whatever the names, within
#: ``ADDRESS_WINDOW`` lock that address alone, for longer.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
ADDRESS_WINDOW = timedelta(hours=1)
MAX_FAILURES_PER_ADDRESS = 20
#: A signed-in session lasts at most this long; signing out ends it at once, on the server.
SESSION_LIFETIME = timedelta(hours=12)


def role_at_least(role: str, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may (an admin may do what an analyst may, and so on)."""
    return ROLES.index(role) >= ROLES.index(needed)


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise IOCError(f"a password needs at least {MIN_PASSWORD} characters", key="password_short", min=MIN_PASSWORD)
    if username.lower() in password.lower():
        raise IOCError("a password must not contain the user name", key="password_has_username")


def _existing(connection: Connection, username: str):  # type: ignore[no-untyped-def]
    row = connection.execute(select(USER).where(USER.c.username == username)).first()
    if row is None:
        raise IOCError(f"no user named {username!r}; see: ioc user list", key="no_user", name=username)
    return row


def add_user(
    connection: Connection,
    username: str,
    role: str,
    password: str,
    actor: str,
    now: datetime,
    full_name: str = "",
    *,
    source_ip: str = audit.LOCAL,
) -> None:
    """A new, active user; the password is kept only as its hash."""
    if not USERNAME.match(username):
        raise IOCError(
            "a user name is 2 to 100 lower-case letters, digits, '.', '-' or '_', starting with one of the first two",
            key="username_form",
        )
    if role not in ROLES:
        raise IOCError(f"unknown role {role!r}; use {', '.join(ROLES)}", key="unknown_role", role=role)
    _check_password(password, username)
    if connection.execute(select(USER.c.id).where(USER.c.username == username)).first():
        raise IOCError(f"a user named {username!r} exists already", key="user_exists", name=username)
    connection.execute(
        USER.insert().values(
            username=username,
            full_name=full_name.strip() or None,
            role=role,
            password_hash=generate_password_hash(password, method=KDF),
            active=True,
            created_at=now,
        )
    )
    audit.record(connection, actor, "user.add", username, now, {"role": role}, source_ip=source_ip)


def create_user(
    engine: Engine,
    username: str,
    role: str,
    password: str,
    actor: str,
    now: datetime,
    full_name: str = "",
    *,
    source_ip: str = audit.LOCAL,
) -> None:
    """:func:`add_user`, committed (``ioc user add``, the admin page)."""
    with transaction(engine) as connection:
        add_user(connection, username, role, password, actor, now, full_name, source_ip=source_ip)


def change_active(
    engine: Engine, username: str, active: bool, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> None:
    """:func:`set_active`, committed (``ioc user enable|disable``, the admin page)."""
    with transaction(engine) as connection:
        set_active(connection, username, active, actor, now, source_ip=source_ip)


def change_password(
    engine: Engine, username: str, password: str, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> None:
    """:func:`set_password`, committed (``ioc user passwd``, the admin page)."""
    with transaction(engine) as connection:
        set_password(connection, username, password, actor, now, source_ip=source_ip)


def list_users(connection: Connection) -> list[dict]:
    """Every user, without their password hash."""
    columns = (USER.c.username, USER.c.full_name, USER.c.role, USER.c.active, USER.c.created_at, USER.c.last_login_at)
    return [dict(row) for row in connection.execute(select(*columns).order_by(USER.c.username)).mappings()]


def set_active(
    connection: Connection, username: str, active: bool, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> None:
    """Enable or disable a user (a disabled user cannot sign in; the account and its history stay). Nobody disables
    their own account: an admin doing so would lock themselves out."""
    _existing(connection, username)
    if not active and actor == username:
        raise IOCError("you cannot disable your own account", key="disable_self")
    connection.execute(update(USER).where(USER.c.username == username).values(active=active))
    audit.record(connection, actor, "user.enable" if active else "user.disable", username, now, source_ip=source_ip)


def set_password(
    connection: Connection, username: str, password: str, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> None:
    _existing(connection, username)
    _check_password(password, username)
    hashed = generate_password_hash(password, method=KDF)
    connection.execute(update(USER).where(USER.c.username == username).values(password_hash=hashed))
    audit.record(connection, actor, "user.passwd", username, now, source_ip=source_ip)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=KDF)


def verify(connection: Connection, username: str, password: str) -> str | None:
    """The role of an active user whose password this is; None otherwise (the same answer, whatever was wrong)."""
    row = connection.execute(select(USER).where(USER.c.username == username)).first()
    if row is None:
        check_password_hash(_dummy_hash(), password)  # as slow as a real check: timing tells nothing
        return None
    return row.role if check_password_hash(row.password_hash, password) and row.active else None


@dataclass(frozen=True)
class SignedIn:
    """A signed-in user as a session remembers them; ``stamp`` changes with the password, ending older sessions;
    ``session`` is the secret naming this session on the server (kept there only as its SHA-256)."""

    id: int
    username: str
    role: str
    stamp: str
    session: str


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt's outcome: the user, or nobody; ``retry_after`` seconds when attempts are locked."""

    user: SignedIn | None
    retry_after: int | None = None


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def _lock(connection: Connection, failures, limit: int, window: timedelta, now: datetime) -> int | None:  # type: ignore[no-untyped-def]
    """Seconds until the oldest of the last ``limit`` failures leaves ``window``, if there are that many."""
    times = connection.execute(failures.where(AUDIT.c.at > now - window).order_by(AUDIT.c.at.desc()).limit(limit))
    times = times.scalars().all()
    return int((times[-1] + window - now).total_seconds()) + 1 if len(times) >= limit else None


def _retry_after(connection: Connection, now: datetime, source_ip: str | None, username: str) -> int | None:
    failures = select(AUDIT.c.at).where(AUDIT.c.action == "login.failed")
    from_address = failures.where(AUDIT.c.source_ip.is_(None) if source_ip is None else AUDIT.c.source_ip == source_ip)
    waits = [
        _lock(connection, from_address.where(AUDIT.c.actor == username), MAX_FAILURES_PER_USER, THROTTLE_WINDOW, now),
        _lock(connection, from_address, MAX_FAILURES_PER_ADDRESS, ADDRESS_WINDOW, now),
    ]
    return max((wait for wait in waits if wait is not None), default=None)


def _normal(username: str) -> str:
    return username.strip().lower()[:100]


def check_password(
    connection: Connection, username: str, password: str, source_ip: str | None, now: datetime
) -> str | None:
    """The first half of a sign-in, read-only, so the slow hash is checked outside any write lock: the stamp of the
    password hash ``password`` matches for an active user, or None (wrong, unknown, or attempts locked: then the hash
    is not checked at all). :func:`record_attempt` decides and writes."""
    username = _normal(username)
    if _retry_after(connection, now, source_ip, username) is not None:
        return None
    row = connection.execute(select(USER).where(USER.c.username == username)).first()
    if verify(connection, username, password) is None or row is None:
        return None
    return _stamp(row.password_hash)


def record_attempt(
    connection: Connection, username: str, proof: str | None, source_ip: str | None, now: datetime
) -> Attempt:
    """The second half, in a short write: the throttle is checked again (parallel guesses are counted one by one),
    the attempt audited whatever its outcome, and a session started when ``proof`` (from :func:`check_password`) still
    matches the user's password. The caller commits: nothing here raises."""
    username = _normal(username)
    retry_after = _retry_after(connection, now, source_ip, username)
    if retry_after is not None:
        audit.record(connection, username or "-", "login.throttled", None, now, source_ip=source_ip)
        return Attempt(None, retry_after)
    row = connection.execute(select(USER).where(USER.c.username == username, USER.c.active.is_(True))).first()
    if proof is None or row is None or not secrets.compare_digest(_stamp(row.password_hash), proof):
        audit.record(connection, username or "-", "login.failed", None, now, source_ip=source_ip)
        return Attempt(None)
    connection.execute(update(USER).where(USER.c.id == row.id).values(last_login_at=now))
    audit.record(connection, username, "login.success", None, now, {"role": row.role}, source_ip=source_ip)
    session = _start_session(connection, row.id, now)
    return Attempt(SignedIn(row.id, username, row.role, proof, session))


def sign_in(connection: Connection, username: str, password: str, source_ip: str | None, now: datetime) -> Attempt:
    """Check a sign-in attempt and audit it, whatever its outcome, in one transaction (the caller commits)."""
    return record_attempt(connection, username, check_password(connection, username, password, source_ip, now),
                          source_ip, now)  # fmt: skip


def attempt_sign_in(engine: Engine, username: str, password: str, source_ip: str | None, now: datetime) -> Attempt:
    """A sign-in from the web: :func:`check_password` read-only (the slow hash outside any write lock), then
    :func:`record_attempt` in a short transaction of its own."""
    with engine.connect() as connection:
        proof = check_password(connection, username, password, source_ip, now)
    with transaction(engine) as connection:
        return record_attempt(connection, username, proof, source_ip, now)


def sign_out(engine: Engine, session: str, actor: str, now: datetime, source_ip: str = audit.LOCAL) -> None:
    """End a session on the server and audit the sign-out, committed."""
    with transaction(engine) as connection:
        end_session(connection, session, now)
        audit.record(connection, actor, "logout", None, now, source_ip=source_ip)


def _session_hash(session: str) -> str:
    return hashlib.sha256(session.encode("utf-8")).hexdigest()


def _start_session(connection: Connection, user_id: int, now: datetime) -> str:
    """A new session on the server for ``user_id``; sessions past their lifetime are cleared on the way."""
    connection.execute(SESSION.delete().where(SESSION.c.started_at <= now - SESSION_LIFETIME))
    session = secrets.token_urlsafe(32)
    connection.execute(SESSION.insert().values(user_id=user_id, token_hash=_session_hash(session), started_at=now))
    return session


def end_session(connection: Connection, session: str, now: datetime) -> None:
    """Sign a session out on the server: its cookie, wherever it was copied, opens nothing from now on."""
    connection.execute(
        update(SESSION)
        .where(SESSION.c.token_hash == _session_hash(session), SESSION.c.ended_at.is_(None))
        .values(ended_at=now)
    )


def signed_in(connection: Connection, user_id: int, stamp: str, session: str, now: datetime) -> SignedIn | None:
    """The user a session names, while the session is open on the server (not signed out, within its lifetime), the
    user active and their password unchanged; None otherwise."""
    live = select(SESSION.c.id).where(
        SESSION.c.token_hash == _session_hash(session),
        SESSION.c.user_id == user_id,
        SESSION.c.ended_at.is_(None),
        SESSION.c.started_at > now - SESSION_LIFETIME,
    )
    row = connection.execute(select(USER).where(USER.c.id == user_id, USER.c.active.is_(True), live.exists())).first()
    if row is None or not secrets.compare_digest(_stamp(row.password_hash), stamp):
        return None
    return SignedIn(row.id, row.username, row.role, stamp, session)
