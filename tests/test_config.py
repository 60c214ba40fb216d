"""Settings: every IOC_* variable is read, defaults are sane, and bad values fail with the variable's name."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ioc.config import TIMEZONE, Settings, load_settings, now_local
from ioc.errors import IOCError


def test_defaults_use_hue_and_an_sqlite_file_in_the_data_folder(ioc_env, monkeypatch, tmp_path):
    monkeypatch.delenv("IOC_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.province == "46"
    assert settings.data_dir == tmp_path / "data"
    assert settings.warehouse_url == f"sqlite:///{tmp_path / 'data' / 'ioc.db'}"
    assert settings.secret_key is None


def test_every_setting_is_read_from_its_environment_variable(ioc_env, monkeypatch, tmp_path):
    monkeypatch.setenv("IOC_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("IOC_DATABASE_URL", "postgresql://ioc@db.example.org/ioc")
    monkeypatch.setenv("IOC_PROVINCE", "48")
    monkeypatch.setenv("IOC_SECRET_KEY", "s3cr3t-value")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.warehouse_url == "postgresql://ioc@db.example.org/ioc"
    assert settings.province == "48"
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "s3cr3t-value"


def test_secret_key_never_appears_in_the_settings_repr(ioc_env, monkeypatch):
    monkeypatch.setenv("IOC_SECRET_KEY", "s3cr3t-value")
    settings = load_settings()
    assert "s3cr3t-value" not in repr(settings)
    assert "s3cr3t-value" not in str(settings.model_dump())


@pytest.mark.parametrize(("given", "official"), [("1", "01"), ("01", "01"), (" 46 ", "46"), ("079", "79")])
def test_province_codes_are_normalised_to_the_official_form(ioc_env, monkeypatch, given, official):
    monkeypatch.setenv("IOC_PROVINCE", given)
    assert load_settings().province == official


@pytest.mark.parametrize("bad", ["99", "2", "Hue", "", "46a"])
def test_unknown_province_is_one_clear_error_naming_the_variable(ioc_env, monkeypatch, bad):
    monkeypatch.setenv("IOC_PROVINCE", bad)
    with pytest.raises(IOCError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("IOC_PROVINCE: unknown province code")
    assert "46" in message
    assert "\n" not in message


def test_empty_database_url_falls_back_to_the_default(ioc_env, monkeypatch):
    monkeypatch.setenv("IOC_DATABASE_URL", "  ")
    settings = load_settings()
    assert settings.warehouse_url.startswith("sqlite:///")
    assert settings.warehouse_url.endswith("ioc.db")


def test_relative_data_folder_is_resolved_when_settings_are_read(ioc_env, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IOC_DATA_DIR", "var/ioc")
    assert load_settings().data_dir == tmp_path / "var" / "ioc"


def test_settings_are_read_when_asked_not_at_import(ioc_env, monkeypatch):
    monkeypatch.setenv("IOC_PROVINCE", "79")
    first = Settings()
    monkeypatch.setenv("IOC_PROVINCE", "48")
    assert (first.province, Settings().province) == ("79", "48")


def test_local_time_is_vietnam_time_without_zone():
    now = now_local()
    assert now.tzinfo is None
    assert TIMEZONE.utcoffset(now) == timedelta(hours=7)


def test_every_setting_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"IOC_{name.upper()}" in readme, f"IOC_{name.upper()} is not documented in README.md"
