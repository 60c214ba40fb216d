"""The server's guard: sign-in, sessions, display tokens, CSRF, and security headers, for every request.

- Sessions are Flask's signed cookies (HttpOnly, SameSite=Lax, Secure behind TLS) managed by Flask-Login. A user's
  session names their id and a stamp of their password: disabling the user or changing the password ends it at the
  next request; it also ends 12 hours after sign-in. A wall-screen's session names its display token, checked at
  every request, so revoking the token signs the screen out within a minute.
- Before anything runs, :mod:`layouts.access` decides from the path, or from the ids a Dash callback writes, what the
  request needs. Nobody signed in gets 401 (a page gets the sign-in form), the wrong role 403; no data either way.
- CSRF (Flask-WTF): every POST carries a token tied to the session — the sign-in and sign-out forms in a hidden
  field, Dash's callbacks in the ``X-CSRFToken`` header that dash-renderer copies from the ``_csrf_token`` cookie.
- Sign-in attempts are throttled and audited in the warehouse (:func:`ioc.auth.sign_in`), so the limit holds across
  workers and restarts.
- Headers: a Content-Security-Policy with no external source (inline scripts only by the hashes Dash reports), no
  framing, no sniffing, no referrer, and no caching of anything behind a sign-in.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import dash
from dash._pages import _path_to_page
from dash.exceptions import UnsupportedRelativePath
from flask import Flask, Response, g, redirect, render_template_string, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from ioc import auth, playlists, tokens
from ioc.config import Settings, now_local, signing_key
from layouts import callback_check
from layouts.access import (
    PUBLIC,
    ROUTER_OUTPUT,
    Principal,
    allowed,
    callback_need,
    current_ip,
    current_principal,
    dependency_need,
    output_ids,
    path_need,
)
from layouts.i18n import language, t

TEMPLATE = (Path(__file__).parent / "templates" / "sign_in.html").read_text(encoding="utf-8")
#: A wall-screen's session lasts as long as browsers keep cookies (400 days); revoking its token ends it sooner.
DISPLAY_DAYS = 400
CSRF_COOKIE = "_csrf_token"
MAX_REQUEST_BYTES = 50 * 1024 * 1024
DASH_CALLBACK = "/_dash-update-component"
DASH_DEPENDENCIES = "/_dash-dependencies"
#: The API paths a bearer token (``ioc api-token``) opens; it opens nothing else.
BEARER_PATHS = ("/api/v1/kpi", "/api/v1/indicators")
#: …and the paths under these.
BEARER_PREFIXES = ("/api/v1/indicators/",)
ROUTER_LOCATION = "_pages_location"
#: What a callback request needs when it does not fit its callback: refused (400 when signed in, else 401).
MALFORMED = "malformed"


class SessionUser(UserMixin):
    """A session's holder for Flask-Login: ``u:<id>:<stamp>:<session>`` for a user (``session`` names the session on
    the server, :func:`ioc.auth.signed_in`), ``d:<id>`` for a display token."""

    def __init__(self, session_id: str, name: str, role: str | None) -> None:
        self.id = session_id
        self.name = name
        self.role = role


def _load(engine: Engine, session_id: str) -> SessionUser | None:
    kind, _, rest = session_id.partition(":")
    now = now_local()
    if kind == "u":
        user_id, stamp, server_session = [*rest.split(":"), "", ""][:3]
        if not user_id.isdigit() or not server_session:
            return None
        with engine.connect() as connection:
            user = auth.signed_in(connection, int(user_id), stamp, server_session, now)
        return SessionUser(session_id, user.username, user.role) if user else None
    if kind == "d" and rest.isdigit():
        name = tokens.active_name(engine, tokens.DISPLAY, int(rest), now)  # reads; writes its last use when due
        return SessionUser(session_id, f"display:{name}", None) if name else None
    return None


def _safe_next(target: str | None) -> str:
    """A path on this site to go to after signing in; anything else (another host, a scheme) becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _page(status: int, lang: str, message: str | None, form: bool, username: str = "", next_: str = "/") -> Response:
    html = render_template_string(
        TEMPLATE,
        lang=lang,
        title=t(lang, "sign_in.title"),
        subtitle=t(lang, "app.title"),
        message=message,
        form=form,
        csrf_token=generate_csrf() if form else "",
        next=next_,
        username=username,
        username_label=t(lang, "sign_in.username"),
        password_label=t(lang, "sign_in.password"),
        submit=t(lang, "sign_in.submit"),
        home=next_,
        home_label=t(lang, "sign_in.home"),
    )
    return Response(html, status=status, mimetype="text/html")


def _first_page(engine: Engine, found: tuple[int, str], kept: dict[str, str]) -> str:
    """Where a wall-screen opening its link goes: the page its playlist's cycle is at now (where the playlist script
    would take it, so the screen never shows another page first), with the link's period and comparison and
    ``?playlist=`` (the screen then follows the playlist); with ``?rotate=`` on the link, the wall rotating instead."""
    if "rotate" in kept:
        return "/wall" + (f"?{urlencode(kept)}" if kept else "")
    with engine.connect() as connection:
        playlist = playlists.playlist_of(connection, found[0])
    index, _ = playlists.position(playlist, time.time())
    first = urlsplit(playlist.href(playlist.entries[index]))
    query = dict(parse_qsl(first.query)) | {"playlist": found[1]} | kept
    return f"{first.path}?{urlencode(query)}"


def _wants_page() -> bool:
    return request.method == "GET" and request.accept_mimetypes.accept_html and not request.path.startswith("/_")


def _refuse(status: int) -> Response:
    lang = language(request.args.get("lang"))
    if _wants_page():
        if status == 401:
            return _page(401, lang, None, True, next_=request.full_path.rstrip("?"))
        principal = current_principal()
        home = "/wall" if principal is not None and principal.role is None else "/"  # a wall-screen has only the wall
        return _page(403, lang, t(lang, "sign_in.forbidden"), False, next_=home)
    response = Response(json.dumps({"error": "sign in required" if status == 401 else "forbidden"}), status=status)
    response.mimetype = "application/json"
    return response


def _json_refusal(status: int, message: str) -> Response:
    response = Response(json.dumps({"error": message}), status=status)
    response.mimetype = "application/json"
    return response


def _malformed() -> Response:
    return _json_refusal(400, "the callback request does not match the callback's registered outputs, inputs and state")


def _routed_page(app: dash.Dash, pathname: Any) -> str | None:
    """The registered path of the page Dash's router renders for ``pathname`` (as it resolves it), or None."""
    if not isinstance(pathname, str):
        return None
    try:
        page, _ = _path_to_page(app.strip_relative_path(pathname))
    except UnsupportedRelativePath:  # not under the app's prefix: Dash would fail on it
        return None
    return page.get("path") if page else None


def request_need(app: dash.Dash) -> str | None:
    """What this request needs (see :mod:`layouts.access`); None when no rule allows it, :data:`MALFORMED` for a
    callback request that does not fit the callback it names (Dash would bind its values by position)."""
    if request.path == DASH_CALLBACK:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("output"), str):
            return MALFORMED
        spec = app.callback_map.get(body["output"])
        if spec is None or not callback_check.matches(spec, body):
            return MALFORMED
        if ROUTER_OUTPUT not in output_ids(body["output"]):
            return callback_need(body["output"])
        search = callback_check.value_of(spec, body, ROUTER_LOCATION, "search")
        if search is not None and not isinstance(search, str):
            return MALFORMED
        pathname = callback_check.value_of(spec, body, ROUTER_LOCATION, "pathname")
        return callback_need(body["output"], _routed_page(app, pathname))
    return path_need(request.path)


def _bearer_guard(engine: Engine, need: str | None) -> Response | None:
    """An API request carrying ``Authorization``: only a valid bearer token for an API path lets it through."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _json_refusal(401, "a bearer token is required: Authorization: Bearer <token> (ioc api-token create)")
    found = tokens.verify(engine, tokens.API, token.strip(), now_local())
    if found is None:
        return _json_refusal(401, "the token is not valid or has been revoked")
    if request.path not in BEARER_PATHS and not request.path.startswith(BEARER_PREFIXES):
        return _json_refusal(403, "forbidden")
    g.principal = Principal(f"api:{found[1]}", "analyst")
    return None


def _only_allowed_callbacks(response: Response, principal: Principal | None) -> None:
    """Keep in Dash's list of callbacks only those ``principal`` may call: a wall-screen learns nothing of the admin
    pages' callbacks. The page router stays for everyone; what it renders is checked per request."""
    listed = json.loads(response.get_data())
    kept = [callback for callback in listed if allowed(principal, dependency_need(callback.get("output", "")))]
    response.set_data(json.dumps(kept))


def content_security_policy(app: dash.Dash, behind_tls: bool) -> str:
    """The CSP for every response: nothing from outside this server; inline scripts only by their hashes."""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *app.csp_hashes()]),
        "style-src": "'self' 'unsafe-inline'",  # Mantine and plotly.js set styles at run time
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",  # the map (maplibre) draws in a worker it makes from a blob
        "child-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    if behind_tls:
        directives["upgrade-insecure-requests"] = ""
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


def install(app: dash.Dash, engine: Engine, settings: Settings) -> None:
    """Guard every request ``app`` serves."""
    server: Flask = app.server
    server.config.update(
        SECRET_KEY=signing_key(settings),
        SESSION_COOKIE_NAME="ioc_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.behind_tls,
        PERMANENT_SESSION_LIFETIME=timedelta(days=DISPLAY_DAYS),
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session, which has its own limits
        WTF_CSRF_SSL_STRICT=settings.behind_tls,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    if settings.behind_tls:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    logins = LoginManager()
    logins.session_protection = None  # the stamp and the 12-hour limit end sessions; a wall's address may change
    logins.init_app(server)
    logins.user_loader(lambda session_id: _load(engine, session_id))

    @server.before_request
    def guard() -> Response | None:
        need = request_need(app)
        if need == PUBLIC:
            return None
        if request.path.startswith("/api/") and "Authorization" in request.headers:
            return _bearer_guard(engine, need)  # a bearer token decides alone, whoever else is signed in
        principal = current_principal()
        if need == MALFORMED:
            return _refuse(401) if principal is None else _malformed()
        if allowed(principal, need):
            g.principal = principal
            return None
        return _refuse(401 if principal is None else 403)

    CSRFProtect(server)  # after the guard: nobody signed in gets 401 before any CSRF question

    @server.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> Response:
        response = Response(json.dumps({"error": f"CSRF check failed: {error.description}"}), status=400)
        response.mimetype = "application/json"
        return response

    @server.route("/login", methods=["GET", "POST"])
    def sign_in() -> Response:
        lang = language(request.args.get("lang"))
        next_ = _safe_next(request.values.get("next"))
        if request.method == "GET":
            if current_user.is_authenticated and current_user.role:
                return redirect(next_)  # type: ignore[return-value]
            return _page(200, lang, None, True, next_=next_)
        username, password = request.form.get("username", ""), request.form.get("password", "")
        attempt = auth.attempt_sign_in(engine, username, password, current_ip(), now_local())
        if attempt.retry_after is not None:
            response = _page(429, lang, t(lang, "sign_in.throttled", minutes=-(-attempt.retry_after // 60)), True)
            response.headers["Retry-After"] = str(attempt.retry_after)
            return response
        user = attempt.user
        if user is None:
            return _page(401, lang, t(lang, "sign_in.failed"), True, username=username[:100], next_=next_)
        session.clear()
        login_user(SessionUser(f"u:{user.id}:{user.stamp}:{user.session}", user.username, user.role))
        return redirect(next_)  # type: ignore[return-value]

    @server.post("/logout")
    def sign_out() -> Response:
        principal = current_principal()
        if principal is not None and principal.role is not None:
            server_session = current_user.id.split(":")[-1]
            auth.sign_out(engine, server_session, principal.name, now_local(), current_ip())
        logout_user()
        session.clear()
        return redirect("/login")  # type: ignore[return-value]

    @server.get("/display")
    def open_display() -> Response:
        lang = language(request.args.get("lang"))
        token = request.args.get("token", "")
        found = tokens.open_display(engine, token, now_local(), current_ip())
        if found is None:
            return _page(401, lang, t(lang, "sign_in.display_refused"), False)
        session.clear()
        session.permanent = True
        login_user(SessionUser(f"d:{found[0]}", f"display:{found[1]}", None))
        kept = {key: value for key, value in request.args.items() if key != "token"}
        return redirect(_first_page(engine, found, kept))  # type: ignore[return-value]

    policy: list[str] = []

    @server.after_request
    def headers(response: Response) -> Response:
        if not policy:  # Dash adds its last inline script at the first request: hash them then
            policy.append(content_security_policy(app, settings.behind_tls))
        response.headers["Content-Security-Policy"] = policy[0]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if settings.behind_tls:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if path_need(request.path) != PUBLIC:
            response.headers["Cache-Control"] = "no-store"
        principal = getattr(g, "principal", None)
        if request.path == DASH_DEPENDENCIES and response.status_code == 200:
            _only_allowed_callbacks(response, principal)
        if principal is not None and response.mimetype == "text/html":
            response.set_cookie(
                CSRF_COOKIE, generate_csrf(), secure=settings.behind_tls, samesite="Strict", httponly=False
            )
        return response
