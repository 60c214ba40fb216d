"""Security, against the real app (Flask test client): the role matrix over every page, callback and endpoint; CSRF;
sign-in throttling; sessions that end; display tokens; headers; hostile input; secrets never shown.

The expected roles are written here, independently of :mod:`layouts.access`: a page or callback the matrix cannot
classify fails the test, so a new one must be given its role on purpose.
"""

from __future__ import annotations

import ast
import copy
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from ioc import auth, playlists, tokens
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.config import load_settings, now_local
from ioc.initialise import initialise
from ioc.warehouse import schema
from ioc.warehouse.engine import make_engine
from ioc.warehouse.load import load_page
from layouts.access import output_ids
from layouts.shell import create_app
from tests.test_kpi_query import EDGE_CASES, NOW, edge

WHO = (None, "display", "leader", "analyst", "admin")
RANK = {None: -1, "display": 0, "leader": 1, "analyst": 2, "admin": 3}
HOSTILE = '<img src=x onerror="alert(1)">Trần <script>alert(2)</script>'
SECRET_VARIABLE = "IOC_TEST_SOURCE_API_KEY"
SECRET_VALUE = "s3cret-value-that-must-never-show-0d41"
MARCH = "from=2025-03-01&to=2025-03-31"


def password(who: str) -> str:
    return f"S3curity-test-{who[:3]}-password"


@dataclass
class Site:
    app: dash.Dash
    engine: Engine
    display_token: str
    log: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One app for the module (Dash keeps its callbacks in one process-wide list): the domain's March dossiers, one
    holding HTML and script in its procedure and applicant names, a user per role, a display token, and a collector
    whose API key is a secret in the environment."""
    patch = pytest.MonkeyPatch()
    for name in list(os.environ):
        if name.startswith("IOC_") and name != "IOC_TEST_POSTGRES_URL":
            patch.delenv(name)
    data_dir = tmp_path_factory.mktemp("security")
    patch.setenv("IOC_DATA_DIR", str(data_dir))
    patch.setenv(SECRET_VARIABLE, SECRET_VALUE)
    settings = load_settings()
    initialise(settings)
    engine = make_engine(settings.warehouse_url)
    now = now_local()
    hostile = edge("hostile", procedure_code="9.999999", procedure_name=HOSTILE, applicant_name=HOSTILE)
    with engine.begin() as connection:
        collector = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso")
        load_page(connection, collector.id, None, [*EDGE_CASES, hostile], [], NOW)
        add_collector(connection, "keyed", "dossier-sync", "http://127.0.0.1:9/api/hoso", "apikey", [SECRET_VARIABLE])
        for role in auth.ROLES:
            auth.add_user(connection, f"test-{role}", role, password(role), "test", now, full_name=HOSTILE)
        auth.add_user(connection, "victim", "leader", password("victim"), "test", now)
        token = tokens.create(connection, tokens.DISPLAY, "room", "test", now)
    # A failing run of the keyed collector: its error is recorded, and must not hold the key.
    assert run_collector(engine, "keyed", settings.province).status == "failed"
    log = data_dir / "app.log"
    handler = logging.FileHandler(log)
    logging.getLogger().addHandler(handler)
    app = create_app(settings)
    app.server.logger.addHandler(handler)
    assert app.server.test_client().get("/healthz").status_code == 200  # Dash sets up its callbacks at a first request
    try:
        yield Site(app, engine, token, log)
    finally:
        logging.getLogger().removeHandler(handler)
        engine.dispose()
        patch.undo()


def sign_in(client: FlaskClient, username: str, secret: str, **environ: str) -> int:
    """Post the sign-in form as a browser would (signed out first), from the address ``REMOTE_ADDR`` if given."""
    client.delete_cookie("ioc_session")
    page = client.get("/login", environ_base=environ)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"username": username, "password": secret, "csrf_token": csrf, "next": "/"}
    return client.post("/login", data=form, environ_base=environ).status_code


def client_as(site: Site, who: str | None) -> FlaskClient:
    """A browser-like client: signed out, a wall-screen with the display link, or signed in with a role."""
    client = site.app.server.test_client()
    if who == "display":
        assert client.get(f"/display?token={site.display_token}").status_code == 302
    elif who is not None:
        assert sign_in(client, f"test-{who}", password(who)) == 302
    if who is not None:
        assert client.get("/wall").status_code == 200  # a page: the CSRF cookie comes with it
    return client


def csrf(client: FlaskClient) -> dict[str, str]:
    cookie = client.get_cookie("_csrf_token")
    return {"X-CSRFToken": cookie.value} if cookie else {}


@pytest.fixture(scope="module")
def clients(site: Site) -> dict[str | None, FlaskClient]:
    return {who: client_as(site, who) for who in WHO}


# --- what each page and callback needs, decided here -----------------------------------------------------------


def page_need(path: str) -> str:
    if path == "/admin" or path.startswith("/admin/"):
        return "admin"
    if path == "/wall" or path.startswith("/wall/"):
        return "display"
    return {"/": "leader", "/explore": "analyst"}[path]


def callback_need(module: str) -> str:
    if module.startswith("layouts.admin"):
        return "admin"
    return {
        "layouts.wall": "display",
        "layouts.wall_digital": "display",
        "layouts.wall_health": "display",
        "layouts.wall_index": "display",
        "layouts.wall_risk": "display",
        "layouts.explore": "analyst",
        "layouts.explore_view": "analyst",
        "layouts.explore_render": "analyst",
        "layouts.explore_drill": "analyst",
        "layouts.explore_export": "analyst",
        "layouts.explore_indicator": "analyst",
        "layouts.explore_index": "analyst",
        "layouts.explore_risk": "analyst",
        "layouts.explore_save": "analyst",
    }[module]


def pages() -> list[str]:
    return sorted(page["path"] for page in dash.page_registry.values())


def server_callbacks(app: dash.Dash) -> dict[str, dict]:
    """Every callback that runs on the server (clientside ones never reach it), by output key."""
    return {key: spec for key, spec in app.callback_map.items() if getattr(spec.get("callback"), "__module__", None)}


def callback_body(key: str, spec: dict, pathname: str | None = None) -> dict:
    def item(dependency: dict) -> dict | list:
        if dependency["id"].startswith("{"):
            return []  # a wildcard input: the components it matches (none here)
        value = pathname if dependency["id"] == "_pages_location" and dependency["property"] == "pathname" else None
        return {"id": dependency["id"], "property": dependency["property"], "value": value}

    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in (key.strip(".").split("...") if key.startswith("..") else [key])
    ]
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [item(d) for d in spec["inputs"]],
        "state": [item(d) for d in spec.get("state", [])],
        "changedPropIds": [f"{d['id']}.{d['property']}" for d in spec["inputs"] if not d["id"].startswith("{")][:1],
    }


def assert_refused(response, who: str | None) -> None:  # type: ignore[no-untyped-def]
    expected = 401 if who is None else 403
    assert response.status_code == expected, (who, response.status_code, response.text[:200])
    if response.mimetype == "application/json":
        assert set(response.get_json()) == {"error"}
    else:
        assert "Nguyễn" not in response.text and "66,67" not in response.text and "onerror" not in response.text


# --- the matrix --------------------------------------------------------------------------------------------------


def test_the_matrix_classifies_every_page_and_callback(site: Site) -> None:
    assert {"/", "/wall", "/wall/rankings", "/wall/digital", "/explore", "/admin", "/admin/indicators"} <= set(pages())
    for path in pages():
        page_need(path)  # a KeyError names a page nobody decided on
    modules = {spec["callback"].__module__ for spec in server_callbacks(site.app).values()}
    assert {"layouts.wall", "layouts.explore_render", "dash.dash"} <= modules
    assert {"layouts.wall_digital", "layouts.explore_indicator", "layouts.admin.indicators"} <= modules
    assert {"layouts.wall_risk", "layouts.explore_risk"} <= modules and "/wall/risk" in pages()
    for module in modules - {"dash.dash"}:
        callback_need(module)


@pytest.mark.parametrize("who", WHO)
def test_every_page_answers_only_the_roles_that_may_see_it(site: Site, clients, who: str | None) -> None:
    client = clients[who]
    for path in pages():
        response = client.get(path, headers={"Accept": "text/html"})
        if RANK[who] >= RANK[page_need(path)]:
            assert response.status_code == 200, (path, who)
        else:
            assert_refused(response, who)
            if who is None:
                assert 'name="password"' in response.text  # the sign-in form, and nothing else
        # The page router: the same rule when the page's content is asked for directly.
        router = next(k for k, s in server_callbacks(site.app).items() if s["callback"].__module__ == "dash.dash")
        body = callback_body(router, site.app.callback_map[router], path)
        routed = client.post("/_dash-update-component", json=body, headers=csrf(client))
        if RANK[who] >= RANK[page_need(path)]:
            assert routed.status_code == 200, (path, who, routed.text[:300])
        else:
            assert_refused(routed, who)


@pytest.mark.parametrize("who", WHO)
def test_every_callback_answers_only_the_roles_that_may_use_it(site: Site, clients, who: str | None) -> None:
    client = clients[who]
    checked = 0
    for key, spec in server_callbacks(site.app).items():
        module = spec["callback"].__module__
        if module == "dash.dash":
            continue  # the router: by page, above
        response = client.post("/_dash-update-component", json=callback_body(key, spec), headers=csrf(client))
        if RANK[who] >= RANK[callback_need(module)]:
            assert response.status_code not in (400, 401, 403), (key, who, response.text[:200])
        else:
            assert_refused(response, who)
        checked += 1
    assert checked >= 8


INDICATOR_SCREENS = {
    "/admin/indicators": ("layouts.admin.indicators", "admin"),
    "/wall/digital": ("layouts.wall_digital", "display"),
    "/explore": ("layouts.explore_indicator", "analyst"),
}


@pytest.mark.parametrize("who", WHO)
def test_the_indicator_screens_and_their_callbacks_answer_only_their_roles(
    site: Site, clients, who: str | None
) -> None:
    """The Indicators admin page and its form, the digital wall and the explorer's indicator panel: the server checks
    the role of every request (a leader gets neither the admin page nor its callback; signed out, nothing)."""
    client = clients[who]
    for path, (module, need) in INDICATOR_SCREENS.items():
        response = client.get(path, headers={"Accept": "text/html"})
        callbacks = [(k, s) for k, s in server_callbacks(site.app).items() if s["callback"].__module__ == module]
        assert callbacks, module
        replies = [
            client.post("/_dash-update-component", json=callback_body(k, s), headers=csrf(client)) for k, s in callbacks
        ]
        if RANK[who] >= RANK[need]:
            assert response.status_code == 200, (path, who)
            assert all(r.status_code not in (400, 401, 403) for r in replies), (path, who)
        else:
            assert_refused(response, who)
            for reply in replies:
                assert_refused(reply, who)
    if who is not None and RANK[who] < RANK["admin"]:
        listed = json.dumps(client.get("/_dash-dependencies").get_json())
        assert "admin-indicators" not in listed  # not even named to those who may not call it


@pytest.mark.parametrize("who", WHO)
def test_every_endpoint_checks_the_role(site: Site, clients, who: str | None) -> None:
    client = clients[who]
    public = ["/healthz", "/api/v1/openapi.json", "/assets/wall.css", "/_favicon.ico"]
    for path in public:
        assert client.get(path).status_code == 200, path
    assert client.get("/login").status_code == (302 if RANK[who] >= RANK["leader"] else 200)  # signed in: onwards
    for path in ("/_dash-layout", "/_dash-dependencies"):
        response = client.get(path)
        assert response.status_code == 200 if who else 401, path
    api = client.get(f"/api/v1/kpi?{MARCH}")
    listed = client.get("/api/v1/indicators")
    values = client.get(f"/api/v1/indicators/received/values?{MARCH}")
    if RANK[who] >= RANK["analyst"]:
        assert api.status_code == 200 and api.get_json()[0]["received"] == 9
        assert listed.status_code == 200 and "on_time_rate" in {row["code"] for row in listed.get_json()}
        assert values.status_code == 200 and values.get_json() == [{"value": 9, "numerator": None, "denominator": None}]
    else:
        for response in (api, listed, values):
            assert_refused(response, who)
    for unknown in ("/static/app.js", "/_reload-hash", "/no/such/page", "/wallpaper", "/api/v2/kpi"):
        response = client.get(unknown)  # deny by default: no rule names them
        assert response.status_code == (401 if who is None else 403) and "Nguyễn" not in response.text, unknown


def test_every_route_of_the_server_is_covered(site: Site) -> None:
    """A route added later without a rule is refused to everyone, which this lists so it is decided on purpose."""
    rules = {rule.rule for rule in site.app.server.url_map.iter_rules()}
    known = {
        "/static/<path:filename>", "/assets/<path:filename>", "/_dash-component-suites/<string:package_name>/"
        "<path:fingerprinted_path>", "/_dash-layout", "/_dash-dependencies", "/_dash-update-component",
        "/_reload-hash", "/_favicon.ico", "/", "/<path:path>", "/login", "/logout", "/display", "/api/v1/kpi",
        "/api/v1/openapi.json", "/healthz", "/api/v1/indicators", "/api/v1/indicators/<code>/values",
        "/wall/playlist.json", "/brief/<string:name>",
    }  # fmt: skip
    assert rules == known


@pytest.mark.parametrize("who", WHO)
def test_the_daily_brief_downloads_only_for_analysts_and_admins(site: Site, clients, who: str | None) -> None:
    client = clients[who]
    pdf, html = client.get("/brief/2025-03-31.pdf"), client.get("/brief/2025-03-31.html")
    if RANK[who] < RANK["analyst"]:
        for response in (pdf, html):
            assert_refused(response, who)
        return
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert html.status_code == 200 and "Bản tin điều hành ngày 31/03/2025" in html.text
    assert HOSTILE not in html.text and "<script>" not in html.text
    for wrong in ("/brief/2025-13-40.pdf", "/brief/2025-03-31.exe", "/brief/2025-3-31.pdf"):
        assert client.get(wrong).status_code == 404, wrong


# --- CSRF --------------------------------------------------------------------------------------------------------


def test_a_post_without_the_sessions_csrf_token_is_refused(site: Site) -> None:
    client = client_as(site, "analyst")
    key, spec = next((k, s) for k, s in server_callbacks(site.app).items() if k == "explore-download.data")
    body = callback_body(key, spec)
    for headers in ({}, {"X-CSRFToken": "forged"}, csrf(client_as(site, "leader"))):
        refused = client.post("/_dash-update-component", json=body, headers=headers)
        assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    assert client.post("/_dash-update-component", json=body, headers=csrf(client)).status_code in (200, 204)
    # The sign-in and sign-out forms too.
    fresh = site.app.server.test_client()
    form = {"username": "test-admin", "password": password("admin")}
    assert fresh.post("/login", data=form).status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.get("/explore").status_code == 200  # still signed in
    assert client.post("/logout", data={"csrf_token": csrf(client)["X-CSRFToken"]}).status_code == 302
    assert client.get("/explore").status_code == 401


# --- sign-in -----------------------------------------------------------------------------------------------------


def _actions(engine: Engine, actor: str) -> list[str]:
    with engine.connect() as connection:
        query = select(schema.AuditLog.action).where(schema.AuditLog.actor == actor).order_by(schema.AuditLog.id)
        return list(connection.execute(query).scalars())


def test_every_sign_in_is_audited_and_failures_are_throttled(site: Site) -> None:
    client = site.app.server.test_client()
    address = {"REMOTE_ADDR": "10.9.0.1"}
    assert sign_in(client, "victim", password("victim"), **address) == 302
    for _ in range(auth.MAX_FAILURES_PER_USER):
        assert sign_in(client, "victim", "wrong-password-guess", **address) == 401
    locked = client.get("/login")
    assert sign_in(client, "victim", password("victim"), **address) == 429  # even the right password, for now
    page = client.get("/login", environ_base=address)
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    throttled = client.post(
        "/login", data={"username": "victim", "password": "x", "csrf_token": csrf_token}, environ_base=address
    )
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 800
    assert locked.status_code == 200
    expected = ["login.success", *["login.failed"] * auth.MAX_FAILURES_PER_USER, "login.throttled", "login.throttled"]
    assert _actions(site.engine, "victim") == expected
    with site.engine.connect() as connection:
        addresses = connection.execute(
            select(schema.AuditLog.source_ip).where(schema.AuditLog.actor == "victim")
        ).scalars()
        assert set(addresses) == {"10.9.0.1"}
    # Another user from another address is not affected.
    assert sign_in(site.app.server.test_client(), "test-leader", password("leader"), REMOTE_ADDR="10.9.0.2") == 302


def test_one_address_guessing_many_names_is_throttled(site: Site) -> None:
    client = site.app.server.test_client()
    address = {"REMOTE_ADDR": "10.9.0.3"}
    for attempt in range(auth.MAX_FAILURES_PER_ADDRESS):
        assert sign_in(client, f"guess-{attempt}", "wrong-password-guess", **address) == 401
    assert sign_in(client, "test-analyst", password("analyst"), **address) == 429
    assert sign_in(client, "test-analyst", password("analyst"), REMOTE_ADDR="10.9.0.4") == 302


def test_throttling_lifts_after_the_window(warehouse: Engine) -> None:
    now = now_local()
    with warehouse.begin() as connection:
        auth.add_user(connection, "slow-typist", "leader", password("slow"), "test", now)
        for _ in range(auth.MAX_FAILURES_PER_USER):
            assert auth.sign_in(connection, "slow-typist", "wrong", "10.0.0.1", now) == auth.Attempt(None)
        locked = auth.sign_in(connection, "slow-typist", password("slow"), "10.0.0.1", now + timedelta(minutes=1))
        assert locked.user is None and 13 * 60 < locked.retry_after <= 14 * 60 + 1  # type: ignore[operator]
        later = now + auth.THROTTLE_WINDOW + timedelta(seconds=1)
        assert auth.sign_in(connection, "slow-typist", password("slow"), "10.0.0.1", later).user.role == "leader"  # type: ignore[union-attr]
        again = auth.sign_in(connection, " Slow-Typist ", password("slow"), "10.0.0.1", later).user
        assert again is not None and again.username == "slow-typist"


def test_a_wrong_name_and_a_wrong_password_look_the_same(site: Site) -> None:
    client = site.app.server.test_client()
    pages_seen = []
    for username in ("no-such-user", "test-leader", "' OR '1'='1' --"):
        page = client.get("/login")
        csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        form = {"username": username, "password": "not-the-password", "csrf_token": csrf_token}
        response = client.post("/login", data=form, environ_base={"REMOTE_ADDR": "10.9.0.5"})
        assert response.status_code == 401
        pages_seen.append(response.text.replace(username, "NAME").replace(csrf_token, "TOKEN"))
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in pages_seen[0]
    assert len({re.sub(r'value="[^"]*"', "", page) for page in pages_seen}) == 1


def test_after_sign_in_only_a_path_on_this_site_is_followed(site: Site) -> None:
    for target, expected in (("/explore?x=1", "/explore?x=1"), ("//evil.example/", "/"), ("https://evil.example", "/")):
        client = site.app.server.test_client()
        page = client.get(f"/login?next={target}")
        csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        form = {"username": "test-analyst", "password": password("analyst"), "csrf_token": csrf_token, "next": target}
        response = client.post("/login", data=form, environ_base={"REMOTE_ADDR": "10.9.0.6"})
        assert response.status_code == 302 and response.headers["Location"] == expected


def test_sessions_end_when_the_user_is_disabled_or_the_password_changes(site: Site) -> None:
    now = now_local()
    with site.engine.begin() as connection:
        auth.add_user(connection, "leaving", "analyst", password("leaving"), "test", now)
    first, second = site.app.server.test_client(), site.app.server.test_client()
    for client in (first, second):
        assert sign_in(client, "leaving", password("leaving"), REMOTE_ADDR="10.9.0.7") == 302
        assert client.get("/explore").status_code == 200
    with site.engine.begin() as connection:
        auth.set_password(connection, "leaving", password("leaving") + "-new", "test", now)
    assert first.get("/explore").status_code == 401
    assert sign_in(first, "leaving", password("leaving") + "-new", REMOTE_ADDR="10.9.0.7") == 302
    with site.engine.begin() as connection:
        auth.set_active(connection, "leaving", False, "test", now)
    assert first.get("/explore").status_code == 401
    assert second.get("/explore").status_code == 401


def test_a_display_token_opens_the_wall_only_until_revoked(site: Site) -> None:
    now = now_local()
    with site.engine.begin() as connection:
        token = tokens.create(connection, tokens.DISPLAY, "lobby", "test", now)
    screen = site.app.server.test_client()
    opened = screen.get(f"/display?token={token}&rotate=30&lang=en")
    assert opened.status_code == 302 and opened.headers["Location"] == "/wall?rotate=30&lang=en"
    assert screen.get("/wall").status_code == 200 and screen.get("/wall/rankings").status_code == 200
    for path in ("/", "/explore", "/admin", f"/api/v1/kpi?{MARCH}"):
        assert screen.get(path).status_code == 403, path
    assert screen.get("/display?token=iocd_guessed").status_code == 401
    with site.engine.begin() as connection:
        listed = {row["name"]: row for row in tokens.list_all(connection, tokens.DISPLAY)}
        assert listed["lobby"]["last_used_at"] is not None
        tokens.revoke(connection, tokens.DISPLAY, "lobby", "test", now)
    assert screen.get("/wall").status_code == 401
    assert _actions(site.engine, "display")[-2:] == ["display.open", "display.refused"]


def _playlist(site: Site, name: str) -> playlists.Playlist:
    with site.engine.connect() as connection:
        return playlists.playlist_named(connection, name)


def test_a_display_link_opens_its_playlist_and_reads_only_its_own(site: Site) -> None:
    now = now_local()
    with site.engine.begin() as connection:
        hall = tokens.create(connection, tokens.DISPLAY, "atrium", "test", now)
        tokens.create(connection, tokens.DISPLAY, "office-2", "test", now)
    playlists.save_playlist(site.engine, "atrium", [("/wall/digital", 20), ("/wall", 40)], "year", "weekday", "a", now)
    playlists.save_playlist(site.engine, "office-2", [("/wall/rankings", 300)], None, None, "a", now)
    screen = site.app.server.test_client()
    before = time.time()
    opened = screen.get(f"/display?token={hall}&lang=en")
    due = {playlists.position(_playlist(site, "atrium"), at)[0] for at in (before, time.time())}
    assert opened.status_code == 302
    pages = ["/wall/digital", "/wall"]
    assert opened.headers["Location"] in {
        f"{pages[i]}?period=year&compare=weekday&playlist=atrium&lang=en" for i in due
    }
    for asked in ("", "?playlist=office-2", "?playlist=nobody"):  # a screen reads its own playlist, whatever it names
        answer = screen.get(f"/wall/playlist.json{asked}").get_json()
        assert answer["entries"] == [
            {"href": "/wall/digital?period=year&compare=weekday", "seconds": 20},
            {"href": "/wall?period=year&compare=weekday", "seconds": 40},
        ]
        assert answer["total"] == 60 and answer["alert"] == {"href": "/wall?period=year&compare=weekday", "seconds": 40}
        assert any(":collector_failing:collector:keyed" in key for key in answer["red"])  # the keyed run failed
        assert abs(answer["now"] / 1000 - time.time()) < 60
    leader = client_as(site, "leader")  # a signed-in user may look at any link's playlist, or the default
    assert leader.get("/wall/playlist.json?playlist=office-2").get_json()["entries"] == [
        {"href": "/wall/rankings", "seconds": 300}
    ]
    default = [{"href": entry.page, "seconds": entry.seconds} for entry in playlists.DEFAULT.entries]
    for asked in ("", "?playlist=nobody", "?playlist=" + "x" * 5000):
        assert leader.get(f"/wall/playlist.json{asked}").get_json()["entries"] == default
    assert site.app.server.test_client().get("/wall/playlist.json").status_code == 401


# --- headers and cookies -----------------------------------------------------------------------------------------


def test_every_response_carries_a_csp_with_no_external_source(site: Site, clients) -> None:
    for path in ("/login", "/wall", "/assets/wall.css", "/healthz", "/explore"):
        response = clients["analyst"].get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert not re.search(r"https?:|\*|'unsafe-eval'", policy), policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert clients["analyst"].get("/explore").headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_http_only_and_same_site(site: Site) -> None:
    client = site.app.server.test_client()
    page = client.get("/login")
    cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith("ioc_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # Secure: behind TLS only


# --- hostile input -----------------------------------------------------------------------------------------------


def _render(site: Site, client: FlaskClient, view: dict) -> dict:
    key = next(k for k in site.app.callback_map if k.startswith("..explore-summary.children"))
    body = callback_body(key, site.app.callback_map[key])
    body["inputs"][0]["value"] = view
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200, response.text[:300]
    return response.get_json()["response"]


MARCH_VIEW = {"preset": "custom", "from": "2025-03-01", "to": "2025-03-31", "by": "procedure", "kpi": "received"}


def test_html_in_names_is_text_in_tables_and_escaped_in_figures(site: Site, clients) -> None:
    shown = _render(site, clients["analyst"], MARCH_VIEW)
    table = shown["explore-table"]["rowData"]
    assert HOSTILE in {row["name"] for row in table}  # ag-grid shows its cells as text
    bars = json.dumps(shown["explore-bars"]["figure"])
    assert "&lt;img src=x onerror=" in bars and "<img" not in bars and "<script" not in bars
    page = json.dumps(shown)
    assert "dangerously_allow_html" not in page and "Markdown" not in page


def test_sql_in_filters_changes_nothing_and_returns_no_error(site: Site, clients) -> None:
    with site.engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(schema.Dossier)).scalar_one()
    for hostile in ("19753' OR '1'='1", "1; DROP TABLE dossier; --", "' UNION SELECT password_hash FROM app_user --"):
        shown = _render(site, clients["analyst"], MARCH_VIEW | {"unit": hostile, "by": "unit"})
        assert "password_hash" not in json.dumps(shown) and "scrypt" not in json.dumps(shown)
        api = clients["analyst"].get(f"/api/v1/kpi?{MARCH}&unit={hostile}")
        assert api.status_code == 400 and set(api.get_json()) == {"error", "parameter"}
    with site.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(schema.Dossier)).scalar_one() == before


def test_no_secret_appears_in_any_response_or_log_line(site: Site, clients) -> None:
    admin = clients["admin"]
    seen = []
    for path in pages():
        seen.append(admin.get(path).text)
        router = next(k for k, s in server_callbacks(site.app).items() if s["callback"].__module__ == "dash.dash")
        body = callback_body(router, site.app.callback_map[router], path)
        seen.append(admin.post("/_dash-update-component", json=body, headers=csrf(admin)).text)
    for key, spec in server_callbacks(site.app).items():
        seen.append(admin.post("/_dash-update-component", json=callback_body(key, spec), headers=csrf(admin)).text)
    with site.engine.connect() as connection:
        stored = [str(row) for table in (schema.CollectorRun, schema.Collector, schema.AuditLog) for row in
                  connection.execute(select(table.__table__)).all()]  # fmt: skip
    assert any(SECRET_VARIABLE in text for text in stored)  # the variable's name is kept, its value never
    assert not [text for text in seen + stored if SECRET_VALUE in text]
    assert SECRET_VALUE not in site.log.read_text()
    assert SECRET_VALUE not in json.dumps([admin.get(f"/api/v1/kpi?{MARCH}").get_json()])


def _call(site: Site, client: FlaskClient, output_part: str, values: dict[str, object]) -> dict:
    """Post the callback whose output key holds ``output_part``, with ``values`` by ``id.property``."""
    key = next(k for k in site.app.callback_map if output_part in k)
    body = callback_body(key, site.app.callback_map[key])
    for item in body["inputs"] + body["state"]:
        item["value"] = values.get(f"{item['id']}.{item['property']}")
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200, response.text[:300]
    return response.get_json()["response"]


def test_a_display_link_opens_on_the_page_its_clock_is_at_not_always_the_first(site: Site) -> None:
    """The screen lands where the cycle is, as the playlist script would take it: no flash of the first page, and a
    rotation seen from the start keeps its order (a first page of three is due a third of the time, this one 1/721)."""
    now = now_local()
    with site.engine.begin() as connection:
        token = tokens.create(connection, tokens.DISPLAY, "lobby-clock", "test", now)
    playlists.save_playlist(
        site.engine, "lobby-clock", [("/wall/digital", 5), ("/wall/rankings", 3600)], None, None, "a", now
    )
    before = time.time()
    opened = site.app.server.test_client().get(f"/display?token={token}")
    after = time.time()
    playlist = _playlist(site, "lobby-clock")
    due = {["/wall/digital", "/wall/rankings"][playlists.position(playlist, at)[0]] for at in (before, after)}
    assert opened.status_code == 302
    assert opened.headers["Location"] in {f"{page}?playlist=lobby-clock" for page in due}


def test_an_admin_makes_and_revokes_a_display_link_from_the_admin_pages(site: Site, clients) -> None:
    admin = clients["admin"]
    made = _call(site, admin, "admin-displays-link.children", {"admin-displays-create.n_clicks": 1,
                 "admin-displays-name.value": "hall", "admin-displays-lang.data": "vi"})  # fmt: skip
    link = made["admin-displays-link"]["children"]
    assert link.startswith("http://localhost/display?token=iocd_")
    screen = site.app.server.test_client()
    assert screen.get(link.removeprefix("http://localhost")).status_code == 302
    assert screen.get("/wall").status_code == 200
    assert "hall" in json.dumps(made["admin-displays-table"]["rowData"]) and link not in json.dumps(
        made["admin-displays-table"]
    )
    revoked = _call(site, admin, "admin-displays-revoked.children", {"admin-displays-revoke.n_clicks": 1,
                    "admin-displays-pick.value": "hall", "admin-displays-lang.data": "vi"})  # fmt: skip
    assert revoked["admin-displays-revoked"]["color"] == "green"
    assert screen.get("/wall").status_code == 401
    assert _actions(site.engine, "test-admin")[-2:] == ["display_token.create", "display_token.revoke"]


def _export(site: Site, client: FlaskClient, fmt: str) -> dict:
    button = {"type": "explore-export", "table": "kpi", "format": fmt}
    key = "explore-download.data"
    body = callback_body(key, site.app.callback_map[key])
    body["inputs"] = [[{"id": button, "property": "n_clicks", "value": 1}]]
    body["state"][0]["value"] = MARCH_VIEW
    body["changedPropIds"] = [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    response = client.post("/_dash-update-component", json=body, headers=csrf(client))
    assert response.status_code == 200, response.text[:300]
    return response.get_json()["response"]["explore-download"]["data"]


def test_html_in_names_is_exported_as_the_same_text(site: Site, clients) -> None:
    import base64
    import csv
    import io

    import openpyxl

    exported = _export(site, clients["analyst"], "csv")
    assert exported["type"] == "text/csv"
    text = base64.b64decode(exported["content"]).decode("utf-8-sig")  # bytes, after a BOM for Excel
    assert HOSTILE in [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    workbook = openpyxl.load_workbook(
        io.BytesIO(base64.b64decode(_export(site, clients["analyst"], "xlsx")["content"]))
    )
    assert HOSTILE in [cell.value for row in workbook.active.iter_rows() for cell in row]


# --- callbacks are bound by position: the guard decides from what the callback will receive ----------------------
# Dash binds a request's inputs by position, so a request whose outputs, inputs or state differ from the registered
# callback's (order, ids, properties, count) is refused before anything runs, and the page router's page is the one
# Dash resolves from the value in the pathname's place. Every page × every role × every shape of lie.

UPDATE = "/_dash-update-component"


@pytest.fixture(scope="module")
def attackers(site: Site) -> dict:
    """A client per role; the signed-out one holds a CSRF token from the sign-in form, as an attacker would."""
    made = {who: client_as(site, who) for who in WHO}
    made[None].get("/login")
    return made


def csrf_any(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The CSRF header a page gives, or the one the sign-in form's session holds."""
    header = csrf(client)
    if header:
        return header
    page = client.get("/login")
    return {"X-CSRFToken": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)}


def _router(site: Site) -> str:
    return next(k for k, s in server_callbacks(site.app).items() if s["callback"].__module__ == "dash.dash")


def _location(prop: str, value: str | None) -> dict:
    return {"id": "_pages_location", "property": prop, "value": value}


def _with_inputs(body: dict, inputs: list) -> dict:
    lied = copy.deepcopy(body)
    lied["inputs"] = inputs
    lied["changedPropIds"] = ["_pages_location.pathname"]
    return lied


def _lies(body: dict, path: str) -> dict[str, dict]:
    """Requests for the router that put ``path`` where Dash reads the pathname while claiming another page."""
    lies = {
        "reordered": _with_inputs(body, [_location("search", path), _location("pathname", "/login")]),
        "reordered to the wall": _with_inputs(body, [_location("search", path), _location("pathname", "/wall")]),
        "duplicated": _with_inputs(body, [_location("pathname", path), _location("pathname", "/login")]),
        "extra input": _with_inputs(
            body, [_location("pathname", path), _location("search", ""), _location("pathname", "/login")]
        ),
        "missing input": _with_inputs(body, [_location("search", path)]),
        "pathname only": _with_inputs(body, [_location("pathname", path)]),
        "another id": _with_inputs(
            body, [{"id": "shell-url", "property": "pathname", "value": path}, _location("search", "")]
        ),
        "a list for a plain input": _with_inputs(body, [[_location("pathname", path)], _location("search", "")]),
        "a dict id": _with_inputs(
            body, [{"id": {"id": "_pages_location"}, "property": "pathname", "value": path}, _location("search", "")]
        ),
        "extra key": _with_inputs(body, [_location("pathname", path) | {"id2": "x"}, _location("search", "")]),
        "search not text": _with_inputs(body, [_location("pathname", path), {**_location("search", ""), "value": 1}]),
    }
    state = copy.deepcopy(body)
    state["state"] = [_location("pathname", "/login")]
    state["inputs"][0]["value"] = path
    lies["extra state"] = state
    outputs = copy.deepcopy(body)
    outputs["outputs"] = list(reversed(outputs["outputs"]))
    outputs["inputs"][0]["value"] = path
    lies["outputs reordered"] = outputs
    changed = copy.deepcopy(body)
    changed["inputs"][0]["value"] = path
    changed["changedPropIds"] = ["admin-users-add.n_clicks"]
    lies["changed ids not among the inputs"] = changed
    return lies


def _assert_no_content(response, who: str | None) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == (401 if who is None else 400), (who, response.status_code, response.text[:300])
    assert set(response.get_json()) == {"error"}
    assert "test-admin" not in response.text and "victim" not in response.text


@pytest.mark.parametrize("who", WHO)
def test_the_router_is_refused_any_request_that_does_not_fit_its_signature(site: Site, attackers, who) -> None:
    client = attackers[who]
    router = _router(site)
    body = callback_body(router, site.app.callback_map[router])
    checked = 0
    for path in pages():
        for name, lie in _lies(body, path).items():
            response = client.post(UPDATE, json=lie, headers=csrf_any(client))
            try:
                _assert_no_content(response, who)
            except AssertionError as error:
                raise AssertionError(f"{name} for {path}: {error}") from None
            checked += 1
    assert checked >= len(pages()) * 14


def test_the_issues_request_for_the_user_list_gets_nothing_signed_out_or_below_admin(site: Site, attackers) -> None:
    """The request from the report, verbatim: search first, pathname second."""
    router = _router(site)
    body = {
        "output": router,
        "outputs": callback_body(router, site.app.callback_map[router])["outputs"],
        "inputs": [_location("search", "/admin/users"), _location("pathname", "/login")],
        "changedPropIds": ["_pages_location.pathname"],
    }
    for who in WHO:
        response = attackers[who].post(UPDATE, json=body, headers=csrf_any(attackers[who]))
        assert response.status_code in (400, 401), (who, response.status_code)
        assert "test-admin" not in response.text and "last_login" not in response.text.lower()


@pytest.mark.parametrize("who", WHO)
def test_the_router_renders_the_page_dash_resolves_not_the_one_named(site: Site, attackers, who) -> None:
    """Paths Dash resolves to a page by stripping slashes need what that page needs."""
    client = attackers[who]
    router = _router(site)
    for path in pages():
        for spelling in (f"{path}/", f"/{path}", f"{path}//", path.lstrip("/") or "/"):
            body = callback_body(router, site.app.callback_map[router], spelling)
            response = client.post(UPDATE, json=body, headers=csrf_any(client))
            if RANK[who] >= RANK[page_need(path)] and spelling.startswith("/"):
                assert response.status_code == 200, (who, spelling, response.text[:200])
            else:
                assert response.status_code in (401, 403), (who, spelling, response.status_code)
                assert "test-admin" not in response.text


def _shuffles(body: dict) -> dict[str, Callable[[dict], None]]:
    def reverse_inputs(lie: dict) -> None:
        lie["inputs"] = list(reversed(lie["inputs"]))

    def extra_input(lie: dict) -> None:
        lie["inputs"] = [*lie["inputs"], {"id": "explore-view", "property": "data", "value": None}]

    def missing_input(lie: dict) -> None:
        lie["inputs"] = lie["inputs"][:-1]

    def swap_state_into_inputs(lie: dict) -> None:
        lie["inputs"], lie["state"] = lie["state"] or [{}], lie["inputs"]

    def rename_a_property(lie: dict) -> None:
        first = lie["inputs"][0]
        (first[0] if isinstance(first, list) and first else first if isinstance(first, dict) else {})["property"] = "x"
        if isinstance(first, list) and not first:
            lie["inputs"][0] = [{"id": "x", "property": "x", "value": 1}]

    def drop_outputs(lie: dict) -> None:
        lie["outputs"] = []

    return {
        "reversed inputs": reverse_inputs,
        "an extra input": extra_input,
        "a missing input": missing_input,
        "state as inputs": swap_state_into_inputs,
        "a renamed property": rename_a_property,
        "no outputs": drop_outputs,
    }


@pytest.mark.parametrize("who", WHO)
def test_every_callback_refuses_a_request_that_does_not_fit_its_signature(site: Site, attackers, who) -> None:
    client = attackers[who]
    refused = 0
    for key, spec in server_callbacks(site.app).items():
        body = callback_body(key, spec)
        for name, shuffle in _shuffles(body).items():
            lie = copy.deepcopy(body)
            shuffle(lie)
            if json.dumps(lie, sort_keys=True) == json.dumps(body, sort_keys=True):
                continue  # e.g. reversing a single input: the same request
            response = client.post(UPDATE, json=lie, headers=csrf_any(client))
            assert response.status_code == (401 if who is None else 400), (key[:80], name, response.text[:200])
            refused += 1
    assert refused >= len(server_callbacks(site.app)) * 3


def test_a_request_that_fits_is_still_served(site: Site, attackers) -> None:
    """The check is no blanket refusal: the analyst's explorer and the admin's pages answer as before."""
    for who, path in (("analyst", "/explore"), ("admin", "/admin/users"), ("display", "/wall")):
        router = _router(site)
        body = callback_body(router, site.app.callback_map[router], path)
        assert attackers[who].post(UPDATE, json=body, headers=csrf_any(attackers[who])).status_code == 200


# --- sessions and sign-in: signing out ends a session, throttling locks one address out, not a name -------------


def test_a_session_cookie_saved_before_sign_out_opens_nothing_after_it(site: Site) -> None:
    client = client_as(site, "admin")
    saved = client.get_cookie("ioc_session").value  # type: ignore[union-attr]
    assert client.get("/admin/users").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf(client)["X-CSRFToken"]}).status_code == 302
    replay = site.app.server.test_client()
    replay.set_cookie("ioc_session", saved)
    assert replay.get("/admin/users", headers={"Accept": "text/html"}).status_code == 401
    assert replay.get("/_dash-layout").status_code == 401
    assert replay.get(f"/api/v1/kpi?{MARCH}").status_code == 401
    other = client_as(site, "admin")  # the same user's other sessions go on
    assert other.get("/admin/users").status_code == 200


def test_wrong_passwords_from_one_address_do_not_lock_the_name_out_elsewhere(site: Site) -> None:
    now = now_local()
    with site.engine.begin() as connection:
        auth.add_user(connection, "target-admin", "admin", password("target"), "test", now)
    attacker = site.app.server.test_client()
    for _ in range(auth.MAX_FAILURES_PER_USER * 3):
        assert sign_in(attacker, "target-admin", "wrong-password-guess", REMOTE_ADDR="10.9.1.1") in (401, 429)
    assert sign_in(attacker, "target-admin", password("target"), REMOTE_ADDR="10.9.1.1") == 429
    assert sign_in(site.app.server.test_client(), "target-admin", password("target"), REMOTE_ADDR="10.9.1.2") == 302


def test_an_address_that_guesses_many_names_stays_locked_longer(warehouse: Engine) -> None:
    now = now_local()
    with warehouse.begin() as connection:
        auth.add_user(connection, "busy-clerk", "leader", password("busy"), "test", now)
        for attempt in range(auth.MAX_FAILURES_PER_ADDRESS):
            assert auth.sign_in(connection, f"guess-{attempt}", "wrong", "10.0.0.9", now).user is None
        past_the_name_window = now + auth.THROTTLE_WINDOW + timedelta(minutes=5)
        locked = auth.sign_in(connection, "busy-clerk", password("busy"), "10.0.0.9", past_the_name_window)
        assert locked.user is None and locked.retry_after is not None
        assert locked.retry_after > (auth.ADDRESS_WINDOW - auth.THROTTLE_WINDOW - timedelta(minutes=6)).total_seconds()
        elsewhere = auth.sign_in(connection, "busy-clerk", password("busy"), "10.0.0.10", past_the_name_window)
        assert elsewhere.user is not None
        later = now + auth.ADDRESS_WINDOW + timedelta(seconds=1)
        assert auth.sign_in(connection, "busy-clerk", password("busy"), "10.0.0.9", later).user is not None


def test_an_authorization_header_never_skips_the_guard(site: Site, clients) -> None:
    with site.engine.begin() as connection:
        token = tokens.create(connection, tokens.API, "guard-test", "test", now_local())
    paths = ("/api/v1/kpi", "/api/v2/kpi", "/api/v1/nothing", "/api/internal", "/api/v1/kpi/..%2F..%2Fadmin")
    paths += ("/api/v1/indicators", "/api/v1/indicators/received/values")
    for who in (None, "display", "leader"):
        for header in ("Basic dGVzdDp0ZXN0", "Bearer wrong", "Bearer ", "Bearer ioc_forged", "x"):
            for path in paths:
                response = clients[who].get(f"{path}?{MARCH}", headers={"Authorization": header})
                assert response.status_code == 401, (who, header, path, response.status_code)
                assert set(response.get_json()) == {"error"}
    valid = {"Authorization": f"Bearer {token}"}
    fresh = site.app.server.test_client()
    assert fresh.get(f"/api/v1/kpi?{MARCH}", headers=valid).status_code == 200
    assert fresh.get("/api/v1/indicators", headers=valid).status_code == 200
    assert fresh.get(f"/api/v1/indicators/received/values?{MARCH}", headers=valid).status_code == 200
    for path in ("/api/v1/indicatorsx", "/api/v2/kpi", "/api/v1/nothing", "/explore", "/admin/users", "/_dash-layout"):
        assert fresh.get(path, headers=valid).status_code in (401, 403), path


def _dependency_ids(client: FlaskClient) -> set[str]:
    listed = client.get("/_dash-dependencies").get_json()
    return {component for callback in listed for component in output_ids(callback["output"])}


def test_dash_dependencies_list_only_the_callbacks_the_role_may_use(site: Site, clients) -> None:
    everything = {component for key in site.app.callback_map for component in output_ids(key)}
    forbidden = {"display": ("admin-", "explore-", "shell-"), "leader": ("admin-", "explore-"), "analyst": ("admin-",)}
    for who, prefixes in forbidden.items():
        shown = _dependency_ids(clients[who])
        assert "_pages_content" in shown and any(c.startswith("wall-") for c in shown), who
        assert not [c for c in shown if c.startswith(prefixes)], who
    assert {c for c in everything if c.startswith("admin-")} <= _dependency_ids(clients["admin"])


# --- the audit log's address -------------------------------------------------------------------------------------

#: Each audited action of the admin pages (the values its callback is sent, the button clicked first) and its entry.
AUDITED_WEB_ACTIONS = [
    (
        {
            "admin-users-add.n_clicks": 1,
            "admin-users-new-name.value": "audit.address",
            "admin-users-new-role.value": "leader",
            "admin-users-new-password.value": password("audit"),
            "admin-users-new-password-again.value": password("audit"),
        },
        ("user.add", "audit.address"),
    ),
    (
        {
            "admin-users-reset.n_clicks": 1,
            "admin-users-pick.value": "audit.address",
            "admin-users-reset-password.value": password("audit-2"),
            "admin-users-reset-password-again.value": password("audit-2"),
        },
        ("user.passwd", "audit.address"),
    ),
    (
        {"admin-users-disable.n_clicks": 1, "admin-users-pick.value": "audit.address"},
        ("user.disable", "audit.address"),
    ),
    (
        {"admin-users-enable.n_clicks": 1, "admin-users-pick.value": "audit.address"},
        ("user.enable", "audit.address"),
    ),
    (
        {"admin-displays-create.n_clicks": 1, "admin-displays-name.value": "audit-room"},
        ("display_token.create", "audit-room"),
    ),
    (
        {"admin-displays-revoke.n_clicks": 1, "admin-displays-pick.value": "audit-room"},
        ("display_token.revoke", "audit-room"),
    ),
    (
        {
            "admin-targets-save.n_clicks": 1,
            "admin-targets-kpi.value": "on_time_rate",
            "admin-targets-target.value": 90,
            "admin-targets-green_from.value": 90,
            "admin-targets-amber_from.value": 70,
            "admin-targets-scope.value": "province",
        },
        ("kpi_target.set", "on_time_rate/province/"),
    ),
]


def _admin_callback(site: Site, client: FlaskClient, values: dict, address: str):  # type: ignore[no-untyped-def]
    """Post the callback of the button named first in ``values`` as dash-renderer would, from ``address``."""
    clicked = next(iter(values))
    (key,) = [
        key
        for key, spec in server_callbacks(site.app).items()
        if any(f"{d['id']}.{d['property']}" == clicked for d in spec["inputs"])
    ]
    spec = site.app.callback_map[key]

    def item(dependency: dict) -> dict:
        name = f"{dependency['id']}.{dependency['property']}"
        return {"id": dependency["id"], "property": dependency["property"], "value": values.get(name)}

    body = callback_body(key, spec) | {
        "inputs": [item(d) for d in spec["inputs"]],
        "state": [item(d) for d in spec.get("state", [])],
        "changedPropIds": [clicked],
    }
    return client.post(
        "/_dash-update-component", json=body, headers=csrf(client), environ_base={"REMOTE_ADDR": address}
    )


def test_every_audited_action_of_the_admin_pages_records_the_address_it_came_from(site: Site, clients) -> None:
    for number, (values, (action, target)) in enumerate(AUDITED_WEB_ACTIONS, start=1):
        address = f"10.77.0.{number}"
        response = _admin_callback(site, clients["admin"], values, address)
        assert response.status_code == 200, (action, response.text[:300])
        with site.engine.connect() as connection:
            entry = connection.execute(
                select(schema.AuditLog.actor, schema.AuditLog.target, schema.AuditLog.source_ip)
                .where(schema.AuditLog.action == action)
                .order_by(schema.AuditLog.id.desc())
            ).first()
        assert entry is not None, (action, response.text[:300])
        assert tuple(entry) == ("test-admin", target, address), action


def test_an_audit_entry_cannot_be_written_without_an_address(warehouse: Engine) -> None:
    """The guard: ``source_ip`` is keyword-only with no default, so a new call site that forgets it is a TypeError
    (and an empty one is refused); the command line and the scheduler give the local marker."""
    from ioc.warehouse import audit

    with warehouse.begin() as connection:
        with pytest.raises(TypeError):
            audit.record(connection, "someone", "thing.do", None, now_local())  # type: ignore[call-arg]
        with pytest.raises(TypeError):
            audit.record(connection, "someone", "thing.do", None, now_local(), {}, "10.0.0.1")  # type: ignore[misc]
        for empty in (None, ""):
            with pytest.raises(ValueError, match="address"):
                audit.record(connection, "someone", "thing.do", None, now_local(), source_ip=empty)  # type: ignore[arg-type]
        auth.add_user(connection, "local-added", "leader", password("local"), audit.command_line_actor(), now_local())
        address = connection.execute(
            select(schema.AuditLog.source_ip).where(schema.AuditLog.target == "local-added")
        ).scalar_one()
    assert address == audit.LOCAL == "local"


# --- single-choice dropdowns -------------------------------------------------------------------------------------


def _selects(tree: object) -> list[dict]:
    """The props of every Mantine Select in a page's JSON."""
    if isinstance(tree, list):
        return [found for item in tree for found in _selects(item)]
    if not isinstance(tree, dict):
        return []
    own = [tree["props"]] if tree.get("type") == "Select" and tree.get("namespace") == "dash_mantine_components" else []
    return own + [found for value in tree.values() for found in _selects(value)]


def _keeps_its_value(props: dict) -> bool:
    """A Select either keeps its value when its chosen option is clicked again, or says it may be emptied."""
    return props.get("allowDeselect") is False or props.get("clearable") is True


def test_every_single_choice_dropdown_keeps_its_value_unless_it_may_be_emptied(site: Site, clients) -> None:
    """Mantine's Select empties itself when its chosen option is clicked again (allowDeselect): every one in every
    page an admin sees, and every one the pages' code makes (in callbacks too), keeps it or is clearable on purpose."""
    client = clients["admin"]
    router = next(k for k, s in server_callbacks(site.app).items() if s["callback"].__module__ == "dash.dash")
    seen = 0
    for path in pages():
        routed = client.post(
            "/_dash-update-component",
            json=callback_body(router, site.app.callback_map[router], path),
            headers=csrf(client),
        )
        assert routed.status_code == 200, path
        for props in _selects(routed.get_json()):
            seen += 1
            assert _keeps_its_value(props), (path, props.get("id"))
    assert seen >= 10
    for source in sorted((Path(__file__).parents[1] / "layouts").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "dmc.Select":
                given = {k.arg: ast.unparse(k.value) for k in node.keywords if k.arg}
                assert given.get("allowDeselect") == "False" or given.get("clearable") == "True", (source, node.lineno)


def _callee(module: object, expression: ast.expr) -> object:
    """What a call's ``name`` or ``name.attribute`` is in ``module``, or None (also for Flask's request proxies)."""
    try:
        if isinstance(expression, ast.Name):
            return getattr(module, expression.id, None)
        if isinstance(expression, ast.Attribute):
            return getattr(_callee(module, expression.value), expression.attr, None)
    except Exception:  # a proxy (Flask's request, Dash's ctx) outside a request
        return None
    return None


def _gives_the_address(call: ast.Call, dicts_with_address: set[str]) -> bool:
    for keyword in call.keywords:
        if keyword.arg == "source_ip":
            return True
        if keyword.arg is None and ast.unparse(keyword.value) in dicts_with_address:  # **who
            return True
    return any(ast.unparse(a) in ("current_ip()", "request.remote_addr") for a in call.args)


def test_every_page_that_calls_an_audited_action_hands_it_the_requests_address() -> None:
    """The core's audited actions default to the local marker (the command line, the scheduler); a page calling
    one must hand it the request's address, or its entries would say "local"."""
    import importlib
    import inspect

    checked = 0
    for source in sorted((Path(__file__).parents[1] / "layouts").rglob("*.py")):
        name = ".".join(source.relative_to(Path(__file__).parents[1]).with_suffix("").parts)
        module = importlib.import_module(name.removesuffix(".__init__"))
        tree = ast.parse(source.read_text(encoding="utf-8"))
        dicts_with_address = {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
            for target in node.targets
            if isinstance(target, ast.Name)
            and any(isinstance(k, ast.Constant) and k.value == "source_ip" for k in node.value.keys)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            function = _callee(module, node.func)
            if not (callable(function) and (getattr(function, "__module__", None) or "").startswith("ioc.")):
                continue
            try:
                parameters = inspect.signature(function).parameters
            except (TypeError, ValueError):
                continue
            if "source_ip" in parameters:
                checked += 1
                assert _gives_the_address(node, dicts_with_address), (str(source), node.lineno, ast.unparse(node.func))
    assert checked >= 20


def test_a_request_whose_address_the_server_was_not_told_is_audited_as_unknown(site: Site) -> None:
    from layouts.access import current_ip

    with site.app.server.test_request_context(environ_base={"REMOTE_ADDR": ""}):
        assert current_ip() == "unknown"  # never an empty address, which the audit log refuses
    with site.app.server.test_request_context(environ_base={"REMOTE_ADDR": "10.3.2.1"}):
        assert current_ip() == "10.3.2.1"
    assert current_ip() is None  # outside a request: no address of a browser
