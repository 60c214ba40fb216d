"""Who may reach what: the role each page, callback and endpoint needs, and who is asking.

Deny by default. A page is matched by its path, a Dash callback by the ids of the components it writes (``wall-…``,
``explore-…``, ``admin-…``), an endpoint by its path; anything no rule names is refused. The server checks this before
any page, callback or endpoint runs (:mod:`layouts.security`), so hiding a button is never the only guard.

Principals: a signed-in user with a role (``leader`` < ``analyst`` < ``admin``), or a wall-screen holding a display
token, which reaches the wall and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import has_request_context, request
from flask_login import current_user

from ioc.auth import ROLES, role_at_least

#: What a rule may need: anyone (no sign-in), the wall (a display token or any user), or at least a role.
PUBLIC = "public"
WALL = "wall"
NEEDS = (PUBLIC, WALL, *ROLES)

#: Paths → what they need.
PATHS: dict[str, str] = {
    "/login": PUBLIC,
    "/logout": PUBLIC,
    "/display": PUBLIC,
    "/healthz": PUBLIC,
    "/_favicon.ico": PUBLIC,
    "/api/v1/openapi.json": PUBLIC,
    "/_dash-layout": WALL,
    "/_dash-dependencies": WALL,
    "/": "leader",
    "/wall": WALL,
    "/explore": "analyst",
    "/admin": "admin",
}
#: Path prefixes → what the paths under them need; the longest match wins.
PREFIXES: dict[str, str] = {
    "/assets/": PUBLIC,
    "/_dash-component-suites/": PUBLIC,
    "/wall/": WALL,
    "/admin/": "admin",
    "/api/v1/": "analyst",
    "/brief/": "analyst",  # the daily brief to download (layouts.admin.subscribers)
}

#: Prefixes of the ids of the components a callback writes → what it needs.
CALLBACK_IDS: dict[str, str] = {
    "wall-": WALL,
    "explore-": "analyst",
    "admin-": "admin",
    "shell-": "leader",
    "grid-": "analyst",  # a grid's CSV export: a clientside callback (layouts/grid.py), listed for who sees grids
}

#: Dash's page router: it needs what the page it renders needs.
ROUTER_OUTPUT = "_pages_content"


def path_need(path: str) -> str | None:
    """What ``path`` needs, or None when no rule names it (refused)."""
    if path in PATHS:
        return PATHS[path]
    prefixes = [prefix for prefix in PREFIXES if path.startswith(prefix)]
    return PREFIXES[max(prefixes, key=len)] if prefixes else None


def _id_prefix_need(component_id: str) -> str | None:
    for prefix, need in CALLBACK_IDS.items():
        if component_id.startswith(prefix):
            return need
    return None


def strictest(needs: list[str | None]) -> str | None:
    """The most demanding of ``needs``; None if any is unknown or there are none."""
    if not needs or None in needs:
        return None
    return max(needs, key=NEEDS.index)  # type: ignore[arg-type]


def output_ids(output: str) -> list[str]:
    """The component ids in a Dash callback's output key (``a.b``, ``..a.b...c.d..``, or a pattern id as JSON)."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    ids = []
    for part in parts:
        component = part.rsplit(".", 1)[0]
        if component.startswith("{"):
            try:
                component = str(json.loads(component).get("type", ""))
            except (ValueError, AttributeError):
                component = ""
        ids.append(component)
    return ids


def callback_need(output: str, pathname: str | None = None) -> str | None:
    """What a callback writing ``output`` needs; the page router needs what the page at ``pathname`` needs."""
    ids = output_ids(output)
    if ROUTER_OUTPUT in ids:
        return path_need(pathname) if isinstance(pathname, str) else None
    return strictest([_id_prefix_need(component) for component in ids])


def dependency_need(output: str) -> str | None:
    """What a callback needs to be listed in ``/_dash-dependencies``: the page router (and Dash's own title callback)
    for anyone who sees a page at all, any other callback what calling it needs."""
    if any(component.startswith("_pages_") for component in output_ids(output)):
        return WALL
    return callback_need(output)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user's name and role, or a display token's name (role ``None``)."""

    name: str
    role: str | None


def allowed(principal: Principal | None, need: str | None) -> bool:
    """Whether ``principal`` (None: nobody signed in) may reach what ``need`` guards."""
    if need is None:
        return False
    if need == PUBLIC:
        return True
    if principal is None:
        return False
    if need == WALL:
        return True
    return principal.role is not None and role_at_least(principal.role, need)


def current_principal() -> Principal | None:
    """The signed-in user or display, in a request; None when nobody is (or outside a request)."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return None
    return Principal(current_user.name, current_user.role)


def current_username() -> str:
    """The signed-in user's name, for the audit log; the server has already checked the role."""
    principal = current_principal()
    if principal is None or principal.role is None:
        raise PermissionError("nobody is signed in")
    return principal.name


def is_admin() -> bool:
    principal = current_principal()
    return principal is not None and principal.role == "admin"


def current_ip() -> str | None:
    """The address the request came from, for the audit log (gunicorn on loopback, or the client's as the province's
    proxy gives it in X-Forwarded-For when ``IOC_BEHIND_TLS``); "unknown" if the server was told none."""
    return (request.remote_addr or "unknown") if has_request_context() else None
