"""The `ioc` command as a person uses it: summaries on stdout, one clear line on stderr for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from helpers import clean_environment, run_ioc
from ioc.warehouse.engine import make_engine


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ioc: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_init_prints_what_the_warehouse_holds(warehouse_env):
    result = run_ioc("init", env=warehouse_env)
    assert result.returncode == 0, result.stderr
    assert "initialised" in result.stdout
    assert "46 Thành phố Huế: 40 communes" in result.stdout
    again = run_ioc("init", env=warehouse_env)
    assert "up to date" in again.stdout
    assert "nothing to change" in again.stdout


def test_init_json_reports_counts(warehouse_env):
    result = run_ioc("init", "--format", "json", env={**warehouse_env, "IOC_PROVINCE": "48"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["units"] == {"province": 1, "commune": 94}
    assert report["summary"]["province_name"] == "Thành phố Đà Nẵng"
    assert report["changed"] is True


def test_units_lists_the_province_and_its_communes(warehouse_env):
    run_ioc("init", env=warehouse_env)
    rows = json.loads(run_ioc("units", "--format", "json", env=warehouse_env).stdout)
    assert len(rows) == 41
    assert rows[0] == {
        "code": "46",
        "name": "Thành phố Huế",
        "level": "province",
        "division_type": "thành phố trung ương",
        "parent_code": None,
    }
    communes = json.loads(run_ioc("units", "--level", "commune", "--format", "json", env=warehouse_env).stdout)
    assert len(communes) == 40
    table = run_ioc("units", env=warehouse_env)
    assert table.returncode == 0
    assert "Phường Phú Xuân" in table.stdout


def test_agencies_lists_departments_and_commune_committees(warehouse_env):
    run_ioc("init", env=warehouse_env)
    rows = json.loads(run_ioc("agencies", "--format", "json", env=warehouse_env).stdout)
    levels = [row["level"] for row in rows]
    assert levels.count("commune") == 40
    assert "SYT" in {row["code"] for row in rows}


def test_the_default_warehouse_is_an_sqlite_file_in_data_of_the_working_folder(tmp_path):
    result = run_ioc("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "ioc.db").is_file()


def test_unknown_province_fails_before_writing_anything(ioc_env, tmp_path):
    result = run_ioc("init", env={**ioc_env, "IOC_PROVINCE": "99"})
    assert_one_line_error(result, "IOC_PROVINCE", "unknown province code '99'")
    assert not Path(ioc_env["IOC_DATA_DIR"]).exists()


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://ioc@127.0.0.1/ioc", "unsupported database 'mysql'"),
        ("sqlite://", "in-memory SQLite"),
    ],
)
def test_a_malformed_database_url_is_one_clear_line(ioc_env, url, fragment):
    result = run_ioc("init", env={**ioc_env, "IOC_DATABASE_URL": url})
    assert_one_line_error(result, "IOC_DATABASE_URL", fragment)


def test_an_unreachable_database_is_one_line_with_the_password_masked(ioc_env):
    url = "postgresql://ioc:hunter2-secret@127.0.0.1:9/ioc"
    result = run_ioc("init", env={**ioc_env, "IOC_DATABASE_URL": url})
    assert_one_line_error(result, "127.0.0.1", "ioc:***@")
    assert "hunter2-secret" not in result.stderr + result.stdout


def test_a_file_that_is_not_a_database_is_refused_and_kept(ioc_env, tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database", encoding="utf-8")
    result = run_ioc("init", env={**ioc_env, "IOC_DATABASE_URL": f"sqlite:///{path}"})
    assert_one_line_error(result, "file is not a database")
    assert path.read_text(encoding="utf-8") == "not a database"


def _run_init_with_read_only_folder(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run `ioc init` with ``data_dir`` read-only.

    Permission bits do not stop root, so as root the folder is bind-mounted read-only in a private
    mount namespace (util-linux ``unshare``): writes fail with EROFS, as on a read-only volume.
    """
    if os.geteuid() != 0:
        data_dir.chmod(0o555)
        return run_ioc("init", env={"IOC_DATA_DIR": str(data_dir)}, cwd=data_dir.parent)
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
    command = ["unshare", "--mount", "sh", "-c", script, "sh", str(data_dir), sys.executable, "-m", "ioc", "init"]
    return subprocess.run(
        command,
        env=clean_environment({"IOC_DATA_DIR": str(data_dir)}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=data_dir.parent,
    )


def test_a_read_only_data_folder_is_one_clear_line(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    result = _run_init_with_read_only_folder(data_dir)
    assert "mount:" not in result.stderr, f"could not make a read-only folder here: {result.stderr}"
    assert_one_line_error(result, "cannot write to the data folder", str(data_dir))
    data_dir.chmod(0o755)
    assert list(data_dir.iterdir()) == []


def test_a_warehouse_from_a_newer_ioc_is_refused_by_every_command(warehouse_env):
    assert run_ioc("init", env=warehouse_env).returncode == 0
    engine = make_engine(warehouse_env["IOC_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d_future'"))
    for command in (["init"], ["units"], ["agencies"]):
        assert_one_line_error(run_ioc(*command, env=warehouse_env), "made by a newer IOC")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "f00d_future"
    engine.dispose()


def test_listing_before_init_asks_for_init_and_creates_nothing(ioc_env):
    result = run_ioc("units", env=ioc_env)
    assert_one_line_error(result, "run `ioc init`")
    assert not Path(ioc_env["IOC_DATA_DIR"]).exists()


def test_listing_an_empty_postgres_database_asks_for_init(ioc_env, postgres_url):
    result = run_ioc("units", env={**ioc_env, "IOC_DATABASE_URL": postgres_url})
    assert_one_line_error(result, "not initialised", make_url(postgres_url).database)
