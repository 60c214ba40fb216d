"""Alert rules (quy tắc cảnh báo) that admins write: what to watch (a dossier KPI or an indicator), where (the
province, a unit or an agency), when it raises (a threshold crossed in a direction, or the anomaly detector's flag) and
where the news goes (the alert subscribers by e-mail, a webhook) outside the local quiet hours.

``ioc alert-rule`` and the ``/admin/alerts`` page change rules through these functions only: validated, audited with
the actor and address, committed. Errors are :class:`~ioc.errors.IOCError` with a ``key`` the dashboard translates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, exists, select

from ioc.errors import IOCError
from ioc.kpi.registry import KPI_BY_KEY
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction

RULE = schema.AlertRule.__table__
INDICATOR = schema.Indicator.__table__
UNIT = schema.Unit.__table__
AGENCY = schema.Agency.__table__
SUBJECT_KINDS = ("kpi", "indicator")
SCOPES = ("province", "unit", "agency")
CONDITIONS = ("threshold", "anomaly")
DIRECTIONS = ("above", "below", "either")
#: The measures the anomaly detector (``ioc.anomalies``) watches; an anomaly rule watches one of them.
ANOMALY_MEASURES = ("received", "resolved", "on_time_rate")
NAME = re.compile(r"[^\x00-\x1f\x7f]{1,100}")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
QUIET = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])\s*[-–]\s*([01][0-9]|2[0-3]):([0-5][0-9])")
MAX_URL = 2000
THRESHOLD_LIMIT = 1e15


@dataclass(frozen=True)
class Rule:
    """One alert rule as stored (quiet hours in local minutes after midnight; None: never quiet)."""

    id: int
    name: str
    subject_kind: str
    subject: str
    scope: str
    scope_code: str
    condition: str
    threshold: float | None
    direction: str
    email: bool
    webhook_url: str | None
    webhook_secret_env: str | None
    quiet_from: int | None
    quiet_until: int | None
    enabled: bool

    @property
    def quiet(self) -> str | None:
        """The quiet hours as ``HH:MM-HH:MM``, or None."""
        if self.quiet_from is None or self.quiet_until is None:
            return None
        return f"{clock(self.quiet_from)}-{clock(self.quiet_until)}"


@dataclass(frozen=True)
class RuleInput:
    """What an admin gives for a rule (the CLI's options, the admin form's fields), before it is checked."""

    name: str
    subject_kind: str
    subject: str
    scope: str = "province"
    scope_code: str = ""
    condition: str = "threshold"
    threshold: float | None = None
    direction: str = "below"
    email: bool = True
    webhook_url: str | None = None
    webhook_secret_env: str | None = None
    quiet: str | None = None
    enabled: bool = True


FIELDS = tuple(name for name in Rule.__dataclass_fields__ if name != "id")


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _error(message: str, key: str, **params: object) -> IOCError:
    return IOCError(message, key=f"alert_rule.{key}", **params)


def parse_quiet(text: str | None) -> tuple[int | None, int | None]:
    """``HH:MM-HH:MM`` (local; the start may be after the end: overnight) as minutes after midnight, or (None, None)
    for no quiet hours."""
    if text is None or not text.strip():
        return None, None
    match = QUIET.fullmatch(text.strip())
    if not match:
        raise _error(f"quiet hours {text[:40]!r}: write HH:MM-HH:MM, e.g. 22:00-06:00", "quiet", quiet=text[:40])
    start = int(match[1]) * 60 + int(match[2])
    end = int(match[3]) * 60 + int(match[4])
    if start == end:
        raise _error("quiet hours must start and end at different times", "quiet_empty")
    return start, end


def check_webhook(url: str | None) -> str | None:
    """A webhook address: http or https, a host, at most :data:`MAX_URL` characters; None for none."""
    if url is None or not url.strip():
        return None
    url = url.strip()
    if len(url) > MAX_URL:
        raise _error(f"the webhook address is longer than {MAX_URL} characters", "webhook_long", most=MAX_URL)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in url):
        raise _error("the webhook must be an http:// or https:// address with a host", "webhook")
    return url


def webhook_host(url: str | None) -> str:
    """What a screen shows of a webhook: its scheme and host (a path or query may hold a token), or ""."""
    if not url:
        return ""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def _known(connection: Connection, table: Any, code: str) -> bool:
    return bool(connection.execute(select(exists().where(table.c.code == code))).scalar())


def checked(connection: Connection, given: RuleInput) -> dict[str, Any]:
    """The stored values of ``given``, or the first problem as an :class:`IOCError` with a ``key``."""
    name = given.name.strip() if isinstance(given.name, str) else ""
    if not NAME.fullmatch(name):
        raise _error("a rule's name must be 1 to 100 characters", "name")
    if given.subject_kind not in SUBJECT_KINDS:
        raise _error(f"subject kind {given.subject_kind!r}: use kpi or indicator", "subject_kind")
    subject = (given.subject or "").strip()
    if given.subject_kind == "kpi" and subject not in KPI_BY_KEY:
        raise _error(f"unknown KPI {subject!r}; use one of {', '.join(KPI_BY_KEY)}", "kpi", subject=subject[:64])
    if given.subject_kind == "indicator" and not (len(subject) <= 64 and _known(connection, INDICATOR, subject)):
        raise _error(f"unknown indicator {subject[:64]!r}; see `ioc indicator list`", "indicator", subject=subject[:64])
    if given.scope not in SCOPES:
        raise _error(f"scope {given.scope!r}: use province, unit or agency", "scope")
    code = (given.scope_code or "").strip() if given.scope != "province" else ""
    if given.scope != "province" and not (code and len(code) <= 64 and _known(connection, _scope_table(given), code)):
        raise _error(f"unknown {given.scope} {code[:64]!r}: not in this warehouse", given.scope, code=code[:64])
    if given.condition not in CONDITIONS:
        raise _error(f"condition {given.condition!r}: use threshold or anomaly", "condition")
    if given.direction not in DIRECTIONS:
        raise _error(f"direction {given.direction!r}: use above, below or either", "direction")
    threshold = given.threshold
    if given.condition == "threshold":
        if threshold is None or not isinstance(threshold, int | float) or not abs(threshold) < THRESHOLD_LIMIT:
            raise _error("a threshold rule needs a threshold (--above or --below a number)", "threshold")
        if given.direction == "either":
            raise _error("a threshold rule raises above or below it: choose one", "threshold_either")
        threshold = float(threshold)
    else:
        if subject not in ANOMALY_MEASURES:
            raise _error(
                f"the anomaly detector watches {', '.join(ANOMALY_MEASURES)} only, not {subject!r}",
                "anomaly_measure",
                measures=", ".join(ANOMALY_MEASURES),
            )
        threshold = None
    webhook = check_webhook(given.webhook_url)
    secret_env = (given.webhook_secret_env or "").strip() or None
    if secret_env is not None and not ENV_NAME.fullmatch(secret_env):
        raise _error(f"{secret_env[:40]!r} is not an environment variable's name", "secret_env")
    if secret_env is not None and webhook is None:
        raise _error("a webhook secret needs a webhook", "secret_without_webhook")
    if not given.email and webhook is None:
        raise _error("the rule would reach nobody: keep e-mail or give a webhook", "no_channel")
    quiet_from, quiet_until = parse_quiet(given.quiet)
    return {
        "name": name,
        "subject_kind": given.subject_kind,
        "subject": subject,
        "scope": given.scope,
        "scope_code": code,
        "condition": given.condition,
        "threshold": threshold,
        "direction": given.direction,
        "email": bool(given.email),
        "webhook_url": webhook,
        "webhook_secret_env": secret_env,
        "quiet_from": quiet_from,
        "quiet_until": quiet_until,
        "enabled": bool(given.enabled),
    }


def _scope_table(given: RuleInput) -> Any:
    return UNIT if given.scope == "unit" else AGENCY


def _rule(row: Any) -> Rule:
    return Rule(row.id, *(getattr(row, name) for name in FIELDS))


def list_rules(connection: Connection, *, enabled_only: bool = False) -> list[Rule]:
    """Every rule (or the enabled ones), by name."""
    query = select(RULE.c.id, *(RULE.c[name] for name in FIELDS)).order_by(RULE.c.name)
    if enabled_only:
        query = query.where(RULE.c.enabled)
    return [_rule(row) for row in connection.execute(query)]


def get_rule(connection: Connection, name: str) -> Rule:
    row = connection.execute(select(RULE.c.id, *(RULE.c[n] for n in FIELDS)).where(RULE.c.name == name)).first()
    if row is None:
        raise _error(f"no alert rule {name!r}; see `ioc alert-rule list`", "unknown", name=str(name)[:100])
    return _rule(row)


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a rule: everything but the webhook's path and query (they may hold a token)."""
    return values | {"webhook_url": webhook_host(values.get("webhook_url")) or None}


def save_rule(
    engine: Engine,
    given: RuleInput,
    actor: str,
    now: datetime,
    *,
    replace: str | None = None,
    source_ip: str = audit.LOCAL,
) -> Rule:
    """Add a rule, or with ``replace`` change the rule of that name (it may be renamed). Audited, committed."""
    with transaction(engine) as connection:
        values = checked(connection, given)
        clash = connection.execute(select(RULE.c.id).where(RULE.c.name == values["name"])).scalar()
        if replace is None:
            if clash is not None:
                raise _error(f"an alert rule named {values['name']!r} exists", "exists", name=values["name"])
            connection.execute(
                RULE.insert().values(**values, created_at=now, created_by=actor, updated_at=now, updated_by=actor)
            )
            action = "alert_rule.add"
        else:
            old = get_rule(connection, replace)
            if clash is not None and clash != old.id:
                raise _error(f"an alert rule named {values['name']!r} exists", "exists", name=values["name"])
            connection.execute(
                RULE.update().where(RULE.c.id == old.id).values(**values, updated_at=now, updated_by=actor)
            )
            action = "alert_rule.change"
        audit.record(connection, actor, action, values["name"], now, _audited(values), source_ip=source_ip)
        return get_rule(connection, values["name"])


def set_rule_enabled(
    engine: Engine, name: str, enabled: bool, actor: str, now: datetime, *, source_ip: str = audit.LOCAL
) -> Rule:
    """Switch a rule on or off. Audited, committed."""
    with transaction(engine) as connection:
        rule = get_rule(connection, name)
        connection.execute(
            RULE.update().where(RULE.c.id == rule.id).values(enabled=enabled, updated_at=now, updated_by=actor)
        )
        action = "alert_rule.enable" if enabled else "alert_rule.disable"
        audit.record(connection, actor, action, name, now, source_ip=source_ip)
        return get_rule(connection, name)


def remove_rule(engine: Engine, name: str, actor: str, now: datetime, *, source_ip: str = audit.LOCAL) -> None:
    """Remove a rule (its notifications stay, without their rule). Audited, committed."""
    with transaction(engine) as connection:
        rule = get_rule(connection, name)
        connection.execute(RULE.delete().where(RULE.c.id == rule.id))
        audit.record(connection, actor, "alert_rule.remove", name, now, source_ip=source_ip)
