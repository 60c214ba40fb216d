"""Display tokens from the command line, the signing key kept in the data folder, and an access log that never holds
a token."""

from __future__ import annotations

import json
import stat
from datetime import datetime

import pytest

from helpers import run_ioc
from ioc.cli.services import ACCESS_LOG_FORMAT, gunicorn_command
from ioc.config import load_settings, signing_key
from ioc.errors import IOCError


def test_display_tokens_are_printed_once_as_a_link_listed_and_revoked(warehouse, warehouse_env):
    env = warehouse_env | {"IOC_PUBLIC_URL": "https://ioc.hue.gov.vn/"}
    created = run_ioc("display-token", "create", "phong-hop", env=env)
    assert created.returncode == 0, created.stderr
    link = created.stdout.strip()
    assert link.startswith("https://ioc.hue.gov.vn/display?token=iocd_") and len(link) > 80
    assert "cannot be shown again" in created.stderr
    listed = json.loads(run_ioc("display-token", "list", "--format", "json", env=env).stdout)
    assert [(row["name"], row["revoked_at"]) for row in listed] == [("phong-hop", None)]
    assert link.split("=", 1)[1] not in json.dumps(listed)
    assert run_ioc("display-token", "create", "phong-hop", env=env).returncode == 1  # names are unique
    assert run_ioc("display-token", "revoke", "phong-hop", env=env).returncode == 0
    listed = json.loads(run_ioc("display-token", "list", "--format", "json", env=env).stdout)
    assert listed[0]["revoked_at"] is not None
    again = run_ioc("display-token", "revoke", "phong-hop", env=env)
    assert again.returncode == 1 and "no active token" in again.stderr


def test_the_signing_key_is_made_once_and_kept_private(ioc_env, tmp_path):
    settings = load_settings()
    key = signing_key(settings)
    path = settings.data_dir / "secret_key"
    assert len(key) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing_key(load_settings()) == key  # every worker and every start reads the same key
    assert list(settings.data_dir.glob(".secret_key*")) == []


def test_a_given_signing_key_wins_and_must_be_long(ioc_env, monkeypatch):
    monkeypatch.setenv("IOC_SECRET_KEY", "k" * 40)
    assert signing_key(load_settings()) == b"k" * 40
    monkeypatch.setenv("IOC_SECRET_KEY", "short")
    with pytest.raises(IOCError, match="at least 32"):
        signing_key(load_settings())


def test_the_access_log_leaves_out_query_strings_and_referrers():
    command = gunicorn_command("127.0.0.1", 8050, 2)
    assert command[command.index("--access-logformat") + 1] == ACCESS_LOG_FORMAT
    assert "%(U)s" in ACCESS_LOG_FORMAT
    for leaking in ("%(r)s", "%(q)s", "%(f)s", "%({"):
        assert leaking not in ACCESS_LOG_FORMAT


def test_every_demo_start_reuses_the_demo_token_rotated_in_place(warehouse, monkeypatch):
    import io

    from rich.console import Console

    from ioc import tokens
    from ioc.cli import demo

    said = io.StringIO()
    monkeypatch.setattr(demo, "console", Console(file=said, width=200, color_system=None))
    starts = iter([datetime(2026, 12, 2, 9, 0), datetime(2026, 12, 2, 9, 5)])  # two starts, five minutes apart
    monkeypatch.setattr(demo, "now_local", lambda: next(starts))
    now = datetime(2026, 12, 2, 9, 6)
    first, _ = demo._ways_in(warehouse)
    second, _ = demo._ways_in(warehouse)
    with warehouse.begin() as connection:
        listed = [(row["name"], row["revoked_at"]) for row in tokens.list_all(connection, tokens.DISPLAY)]
        assert len(listed) == 1, listed
        assert listed == [(demo.DEMO_TOKEN, None)]
        assert tokens.authenticate(connection, tokens.DISPLAY, first, now) is None  # only a hash was kept
        assert tokens.authenticate(connection, tokens.DISPLAY, second, now) is not None
    created, rotated = said.getvalue().strip().splitlines()
    assert "created" in created and demo.DEMO_TOKEN in created
    assert "rotated in place" in rotated and "previous" in rotated
