"""A filter naming a unit, agency, field, procedure, channel or applicant type the warehouse does not know is an error,
never a row of zeros; and ``ioc kpi`` refuses a warehouse of another province, as ``ioc init`` does. On both engines."""

from __future__ import annotations

import json
import socket
import threading

import httpx
import pytest
from flask import Flask
from werkzeug.serving import make_server

from ioc import tokens
from ioc.api.kpi import api_blueprint
from ioc.config import load_settings, now_local
from ioc.errors import IOCError
from ioc.kpi.query import Filters
from layouts.shell import create_app
from tests.helpers import run_ioc
from tests.test_cli import assert_one_line_error
from tests.test_kpi_query import edge_warehouse  # noqa: F401  (a fixture)

MARCH = ("--from", "2025-03-01", "--to", "2025-03-31")
#: Every filter of the edge cases' dossiers, each naming what they carry.
KNOWN = Filters(unit="19753", agency="UBND-19753", field="HT", procedure="1.001234", channel=1, applicant_type=1)
UNKNOWN = [
    ("unit", "99999"),
    ("unit", "48"),  # another province's code
    ("agency", "NOPE"),
    ("field", "X"),
    ("procedure", "X"),
    ("channel", 9),
    ("applicant_type", 7),
]


@pytest.mark.parametrize(("name", "value"), UNKNOWN)
def test_an_unknown_code_is_refused_naming_its_filter(edge_warehouse, warehouse, name, value) -> None:  # noqa: F811
    from ioc.kpi.known import UnknownCodeError, check_filters

    with warehouse.connect() as connection:
        check_filters(connection, KNOWN)  # every code the dossiers carry is known
        check_filters(connection, Filters())
        with pytest.raises(UnknownCodeError) as raised:
            check_filters(connection, Filters(**{name: value}))
    assert raised.value.parameter == name
    assert str(value) in str(raised.value) and "\n" not in str(raised.value)


def test_a_field_known_only_from_the_procedures_table_is_known(edge_warehouse, warehouse) -> None:  # noqa: F811
    from ioc.kpi.known import check_filters

    with warehouse.connect() as connection:
        check_filters(connection, Filters(field="HT", procedure="1.001234"))


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--unit", "99999", "unit '99999'"),
        ("--agency", "NOPE", "agency 'NOPE'"),
        ("--field", "X", "field 'X'"),
        ("--procedure", "X", "procedure 'X'"),
        ("--channel", "9", "channel 9"),
        ("--applicant-type", "7", "applicant type 7"),
    ],
)
def test_ioc_kpi_with_an_unknown_code_is_one_line_and_fails(edge_warehouse, option, value, fragment) -> None:  # noqa: F811
    result = run_ioc("kpi", *MARCH, option, value, "--format", "json", env=edge_warehouse)
    assert_one_line_error(result, fragment)
    assert result.stdout == ""  # no rows of zeros


def test_ioc_kpi_with_known_codes_still_counts(edge_warehouse) -> None:  # noqa: F811
    args = ["--unit", "19753", "--agency", "UBND-19753", "--field", "HT", "--procedure", "1.001234", "--channel", "1"]
    result = run_ioc("kpi", *MARCH, *args, "--applicant-type", "1", "--format", "json", env=edge_warehouse)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["received"] == 7  # the desk dossiers of March


def test_ioc_kpi_refuses_a_warehouse_of_another_province(edge_warehouse) -> None:  # noqa: F811
    other = {**edge_warehouse, "IOC_PROVINCE": "48"}
    for command in (["kpi", *MARCH], ["index766", *MARCH], ["kpi-target", "list"]):
        assert_one_line_error(run_ioc(*command, env=other), "holds province 46, not IOC_PROVINCE=48")
    init = run_ioc("init", env=other)  # the very refusal of ioc init
    assert_one_line_error(init, "holds province 46, not IOC_PROVINCE=48")


def test_ioc_serve_refuses_a_warehouse_of_another_province(edge_warehouse) -> None:  # noqa: F811
    with socket.socket() as busy:  # were the province not checked, serve would stop at the busy port, not start
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = run_ioc("serve", "--port", port, env={**edge_warehouse, "IOC_PROVINCE": "48"})
    assert_one_line_error(result, "holds province 46, not IOC_PROVINCE=48")


def test_the_api_and_the_dashboard_refuse_a_warehouse_of_another_province(edge_warehouse, warehouse) -> None:  # noqa: F811
    with warehouse.begin() as connection:
        token = tokens.create(connection, tokens.API, "portal", "test", now_local())
    server_app = Flask("test")
    server_app.register_blueprint(api_blueprint(warehouse, province="48"))
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response = httpx.get(
            f"http://127.0.0.1:{server.server_port}/api/v1/kpi",
            params={"from": "2025-03-01", "to": "2025-03-31"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
    finally:
        server.shutdown()
    assert response.status_code == 400
    assert "holds province 46, not IOC_PROVINCE=48" in response.json()["error"]
    with pytest.raises(IOCError, match="holds province 46, not IOC_PROVINCE=48"):
        create_app(load_settings().model_copy(update={"province": "48"}))


def test_targets_for_an_unknown_unit_or_agency_are_refused(edge_warehouse) -> None:  # noqa: F811
    listed = run_ioc("kpi-target", "list", "--unit", "99999", env=edge_warehouse)
    assert_one_line_error(listed, "unknown unit '99999'")
    bands = ["--target", "95", "--green-from", "95", "--amber-from", "85"]
    assert_one_line_error(
        run_ioc("kpi-target", "set", "on_time_rate", *bands, "--agency", "NOPE", env=edge_warehouse),
        "unknown agency 'NOPE'",
    )
