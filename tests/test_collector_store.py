"""Collector configuration: validated once, stored with secret *names*, managed from the command line."""

from __future__ import annotations

import json

import pytest

from helpers import run_ioc
from ioc.collecting.store import parse_interval, parse_option_pairs, parse_secret_envs
from ioc.errors import IOCError


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("1h", 3600), ("2d", 172800)])
def test_intervals(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["15", "m", "5s", "1w", "-1m"])
def test_bad_intervals_are_refused(text):
    with pytest.raises(IOCError, match="--every"):
        parse_interval(text)


def test_secret_roles_map_to_variable_names():
    assert parse_secret_envs("basic", ["HUE_USER", "HUE_PASS"]) == {"username": "HUE_USER", "password": "HUE_PASS"}
    assert parse_secret_envs("oauth2", ["client_secret=S", "client_id=I"]) == {"client_id": "I", "client_secret": "S"}
    assert parse_secret_envs("none", []) == {}


@pytest.mark.parametrize(
    ("auth", "given", "message"),
    [
        ("apikey", [], "needs environment variables for api_key"),
        ("basic", ["ONLY_ONE"], "needs environment variables for password"),
        ("apikey", ["token=X"], "takes api_key"),
        ("apikey", ["s3cr3t value!"], "is not an environment variable name"),
        ("kerberos", [], "--auth 'kerberos'"),
    ],
)
def test_bad_secret_envs_are_refused(auth, given, message):
    with pytest.raises(IOCError, match=message):
        parse_secret_envs(auth, given)


def test_option_values_are_json_where_they_parse():
    options = parse_option_pairs(["page_size=500", 'field_map={"MaHoSo": "code"}', "token_url=http://127.0.0.1/t"])
    assert options == {"page_size": 500, "field_map": {"MaHoSo": "code"}, "token_url": "http://127.0.0.1/t"}


@pytest.fixture
def initialised(warehouse_env):
    assert run_ioc("init", env=warehouse_env).returncode == 0
    return warehouse_env


def test_collector_lifecycle_from_the_command_line(initialised):
    env = initialised
    add = run_ioc(
        "collector", "add", "hue-dvc", "--kind", "dossier-sync", "--url", "http://127.0.0.1:8765/api/hoso",
        "--auth", "oauth2", "--secret-env", "HUE_CLIENT_ID", "--secret-env", "HUE_CLIENT_SECRET",
        "--every", "15m", "--option", "page_size=2000", env=env,
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    shown = json.loads(run_ioc("collector", "show", "hue-dvc", env=env).stdout)
    assert shown["secret_envs"] == {"client_id": "HUE_CLIENT_ID", "client_secret": "HUE_CLIENT_SECRET"}
    assert (shown["schedule"], shown["enabled"], shown["options"]) == ("every 15m", True, {"page_size": 2000})
    assert run_ioc("collector", "disable", "hue-dvc", env=env).returncode == 0
    listed = json.loads(run_ioc("collector", "list", "--format", "json", env=env).stdout)
    assert [(row["name"], row["enabled"], row["last_run"]) for row in listed] == [("hue-dvc", False, "never")]
    assert run_ioc("collector", "enable", "hue-dvc", env=env).returncode == 0
    assert run_ioc("collector", "remove", "hue-dvc", env=env).returncode == 0
    assert json.loads(run_ioc("collector", "list", "--format", "json", env=env).stdout) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--kind", "nonsense", "--url", "http://127.0.0.1/x"], "unknown collector kind 'nonsense'"),
        (["--kind", "dossier-sync", "--url", "http://127.0.0.1/x", "--option", "page_size=0"], "option page_size"),
        (["--kind", "dossier-sync", "--url", "http://127.0.0.1/x", "--option", "colour=red"], "option colour"),
        (["--kind", "dossier-sync", "--url", "ftp://127.0.0.1/x"], "use an http:// or https:// address"),
        (["--kind", "dossier-sync"], "kind 'dossier-sync' reads its source at --url"),
        (["--kind", "dossier-sync", "--url", "http://127.0.0.1/x", "--cron", "* * *"], "--cron"),
        (["--kind", "dossier-sync", "--url", "http://127.0.0.1/x", "--every", "1m", "--cron", "* * * * *"], "not both"),
        (["--kind", "dossier-sync", "--url", "http://127.0.0.1/x", "--auth", "apikey"], "needs environment variables"),
    ],
)
def test_bad_collector_configuration_is_one_clear_line(initialised, arguments, message):
    result = run_ioc("collector", "add", "bad", *arguments, env=initialised)
    assert result.returncode == 1
    assert result.stderr.startswith("ioc: error: ")
    assert message in result.stderr
    assert json.loads(run_ioc("collector", "list", "--format", "json", env=initialised).stdout) == []


def test_collector_names_are_unique(initialised):
    arguments = ["collector", "add", "a", "--kind", "dossier-sync", "--url", "http://127.0.0.1/x"]
    assert run_ioc(*arguments, env=initialised).returncode == 0
    again = run_ioc(*arguments, env=initialised)
    assert "exists already" in again.stderr


def test_running_an_unknown_collector_is_one_clear_line(initialised):
    result = run_ioc("collector", "run", "ghost", env=initialised)
    assert result.returncode == 1
    assert "no collector named 'ghost'" in result.stderr
