"""Users and roles: no default account, passwords kept only as slow hashes, every change audited."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from helpers import run_ioc
from ioc.auth import ROLES, add_user, list_users, role_at_least, set_active, set_password, verify
from ioc.errors import IOCError
from ioc.warehouse import schema

NOW = datetime(2026, 11, 27, 9, 0)
PASSWORD = "mật khẩu đủ dài 2026"


def test_roles_are_ordered():
    assert [role_at_least("analyst", needed) for needed in ROLES] == [True, True, False]
    assert role_at_least("admin", "admin") and not role_at_least("leader", "analyst")


def test_a_user_signs_in_with_the_password_only_while_active(warehouse):
    with warehouse.begin() as connection:
        assert list_users(connection) == []  # no default account
        add_user(connection, "lan.anh", "analyst", PASSWORD, "cli:test", NOW, "Trần Lan Anh")
    with warehouse.begin() as connection:
        stored = connection.execute(select(schema.User.password_hash)).scalar_one()
        assert stored.startswith("scrypt:32768:8:1$") and PASSWORD not in stored
        assert verify(connection, "lan.anh", PASSWORD) == "analyst"
        assert verify(connection, "lan.anh", PASSWORD + "x") is None
        assert verify(connection, "nobody", PASSWORD) is None
        set_active(connection, "lan.anh", False, "cli:test", NOW)
        assert verify(connection, "lan.anh", PASSWORD) is None
        set_active(connection, "lan.anh", True, "cli:test", NOW)
        set_password(connection, "lan.anh", "một mật khẩu mới hơn", "cli:test", NOW)
        assert verify(connection, "lan.anh", PASSWORD) is None
        assert verify(connection, "lan.anh", "một mật khẩu mới hơn") == "analyst"
        log = connection.execute(select(schema.AuditLog.action, schema.AuditLog.target, schema.AuditLog.details)).all()
    assert [(action, target) for action, target, _ in log] == [
        ("user.add", "lan.anh"),
        ("user.disable", "lan.anh"),
        ("user.enable", "lan.anh"),
        ("user.passwd", "lan.anh"),
    ]
    assert PASSWORD not in json.dumps([details for *_, details in log], ensure_ascii=False)


@pytest.mark.parametrize(
    ("username", "role", "password", "message"),
    [
        ("Bad Name", "admin", PASSWORD, "user name"),
        ("an", "root", PASSWORD, "unknown role"),
        ("an", "admin", "ngắn quá", "at least 12"),
        ("an.nguyen", "admin", "an.nguyen-2026-pass", "must not contain the user name"),
    ],
)
def test_bad_users_are_refused(warehouse, username, role, password, message):
    with warehouse.begin() as connection, pytest.raises(IOCError, match=message):
        add_user(connection, username, role, password, "cli:test", NOW)


def test_ioc_user_commands(warehouse, warehouse_env):
    env = warehouse_env | {"NEW_PASSWORD": PASSWORD}
    added = run_ioc("user", "add", "admin1", "--role", "admin", "--password-env", "NEW_PASSWORD", env=env)
    assert added.returncode == 0, added.stderr
    again = run_ioc("user", "add", "admin1", "--role", "admin", "--password-env", "NEW_PASSWORD", env=env)
    assert again.returncode == 1 and again.stderr.strip() == "ioc: error: a user named 'admin1' exists already"
    unset = run_ioc("user", "passwd", "admin1", "--password-env", "NOT_SET_ANYWHERE", env=env)
    assert unset.returncode == 1 and "NOT_SET_ANYWHERE" in unset.stderr
    assert run_ioc("user", "disable", "admin1", env=env).returncode == 0
    listed = run_ioc("user", "list", "--format", "json", env=env)
    assert listed.returncode == 0, listed.stderr
    (user,) = json.loads(listed.stdout)
    assert (user["username"], user["role"], user["active"]) == ("admin1", "admin", False)
    assert "password" not in listed.stdout and "scrypt" not in listed.stdout
    assert run_ioc("user", "disable", "nobody", env=env).stderr.strip() == (
        "ioc: error: no user named 'nobody'; see: ioc user list"
    )


def test_nobody_disables_their_own_account(warehouse):
    with warehouse.begin() as connection:
        add_user(connection, "quan.tri", "admin", PASSWORD, "cli:test", NOW)
        with pytest.raises(IOCError, match="your own account"):
            set_active(connection, "quan.tri", False, "quan.tri", NOW)
        set_active(connection, "quan.tri", False, "cli:root", NOW)  # another admin, or the command line, may
        assert verify(connection, "quan.tri", PASSWORD) is None
