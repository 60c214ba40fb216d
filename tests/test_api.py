"""The read-only HTTP API: the rows of ``ioc kpi`` for bearer tokens made by ``ioc api-token``, clean 400s, an
OpenAPI description; on both engines and over real HTTP on loopback."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator

import httpx
import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from ioc.api.kpi import api_blueprint
from ioc.collecting.store import add_collector
from ioc.warehouse import schema
from ioc.warehouse.load import load_page
from tests.helpers import run_ioc
from tests.test_kpi_query import EDGE_CASES, NOW

MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


@pytest.fixture
def served(warehouse, warehouse_env) -> Iterator[tuple[str, str, dict]]:
    """The API on a real loopback server over the edge-case warehouse, and a fresh token."""
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, EDGE_CASES, [], NOW)
    created = run_ioc("api-token", "create", "open-data portal", env=warehouse_env)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    server_app = Flask("test")
    server_app.register_blueprint(api_blueprint(warehouse))
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", token, warehouse_env
    finally:
        server.shutdown()


def get(base: str, token: str | None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{base}/api/v1/kpi", params=params, headers=headers, timeout=10)


def test_the_api_gives_the_same_rows_as_ioc_kpi(served) -> None:
    base, token, env = served
    for extra in ({}, {"by": "channel"}, {"by": "month"}, {"unit": "19753", "channel": "1"}):
        response = get(base, token, **MARCH, **extra)
        assert response.status_code == 200, response.text
        args = [arg for name, value in extra.items() for arg in (f"--{name.replace('_', '-')}", value)]
        cli = run_ioc("kpi", "--from", MARCH["from"], "--to", MARCH["to"], *args, "--format", "json", env=env)
        assert response.json() == json.loads(cli.stdout)
    assert get(base, token, **MARCH).json()[0]["on_time_rate"] == 66.67


def test_csv_has_the_same_figures(served) -> None:
    base, token, _ = served
    response = get(base, token, **MARCH, by="channel", format="csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbfchannel,")  # a UTF-8 BOM: Excel on Windows reads Vietnamese
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["channel"], r["received"], r["online_rate"], r["on_time_rate"]) for r in rows] == [
        ("1", "7", "0.0", "50.0"),
        ("2", "1", "100.0", "100.0"),
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "'from' is required"),
        ({"from": "2025-03-01"}, "'to' is required"),
        ({"from": "01/03/2025", "to": "2025-03-31"}, "YYYY-MM-DD"),
        ({**MARCH, "to": "2025-02-01"}, "before"),
        ({**MARCH, "by": "colour"}, "'by' must be one of"),
        ({**MARCH, "channel": "9"}, "'channel' must be one of"),
        ({**MARCH, "format": "xml"}, "json or csv"),
        ({**MARCH, "form": "json"}, "unknown parameter 'form'"),
        ({**MARCH, "unit": "19753' OR '1'='1"}, "'unit' must be a code"),
        ({**MARCH, "agency": "x; DROP TABLE dossier; --"}, "'agency' must be a code"),
        ({"from": "2025-03-02", "to": "2025-03-31", "procedure": "1.001234"}, "whole months"),
        ({"from": "2000-01-01", "to": "2025-03-31"}, "at most"),
    ],
)
def test_bad_parameters_get_a_clear_400_and_change_nothing(served, params, message) -> None:
    base, token, _ = served
    response = get(base, token, **params)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert get(base, token, **MARCH).json()[0]["received"] == 8


@pytest.mark.parametrize(
    ("name", "value"),
    [("unit", "99999"), ("agency", "NOPE"), ("field", "X"), ("procedure", "X"), ("applicant_type", "7")],
)
def test_an_unknown_code_gets_a_400_naming_the_parameter(served, name, value) -> None:
    base, token, _ = served
    response = get(base, token, **MARCH, **{name: value})
    assert response.status_code == 400, response.text
    assert response.json()["parameter"] == name
    assert f"'{name}'" in response.json()["error"] and value in response.json()["error"]
    assert "received" not in response.text


def test_the_api_names_the_parameter_of_any_bad_value(served) -> None:
    base, token, _ = served
    assert get(base, token, **MARCH, channel="9").json()["parameter"] == "channel"
    assert get(base, token, **MARCH, unit="19753", agency="UBND-19753", field="HT").status_code == 200


def test_requests_without_a_valid_token_get_401_and_no_data(served) -> None:
    base, token, env = served
    for bad in (None, "", "ioc_not-a-token", token + "x"):
        response = get(base, bad, **MARCH)
        assert response.status_code == 401 and "received" not in response.text
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert run_ioc("api-token", "revoke", "open-data portal", env=env).returncode == 0
    assert get(base, token, **MARCH).status_code == 401


def test_tokens_are_stored_hashed_listed_without_secret_and_audited(served, warehouse) -> None:
    base, token, env = served
    assert get(base, token, **MARCH).status_code == 200
    listed = json.loads(run_ioc("api-token", "list", "--format", "json", env=env).stdout)
    assert [row["name"] for row in listed] == ["open-data portal"] and listed[0]["last_used_at"]
    assert token not in json.dumps(listed)
    with warehouse.connect() as connection:
        stored = connection.execute(select(schema.ApiToken.token_hash)).scalar_one()
        actions = connection.execute(select(schema.AuditLog.action)).scalars().all()
    assert token not in stored and len(stored) == 64
    assert [action for action in actions if action.startswith("api_token.")] == ["api_token.create"]
    again = run_ioc("api-token", "create", "open-data portal", env=env)
    assert again.returncode != 0 and "exists already" in again.stderr


def test_the_openapi_description_names_every_parameter_and_kpi(served) -> None:
    base, _, _ = served
    document = httpx.get(f"{base}/api/v1/openapi.json", timeout=10).json()
    operation = document["paths"]["/api/v1/kpi"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"from", "to", "by", "unit", "agency", "field", "procedure", "channel", "applicant_type", "format"}
    row = document["components"]["schemas"]["KpiRow"]["properties"]
    assert {"received", "on_time_rate", "pending_overdue", "digitisation_rate"} <= set(row)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_indicator_values_over_http_are_the_rows_of_ioc_indicator_values(served, warehouse) -> None:
    from ioc.indicators.load import load_values
    from ioc.indicators.model import IndicatorValue, parse_period

    base, token, env = served
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "docs", "dossier-sync", "http://127.0.0.1:9/api/docs").id
        communes = connection.execute(select(schema.Unit.code).where(schema.Unit.level == "commune")).scalars()
        first, second = sorted(communes)[:2]
        values = [
            IndicatorValue("docs_sent_electronic", first, "", parse_period("2025-03"), None, 3, 3),
            IndicatorValue("docs_sent_electronic", second, "", parse_period("2025-03"), None, 1500, 3000),
        ]
        load_values(connection, collector_id, None, values, NOW)
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base}/api/v1/indicators/docs_sent_electronic/values"
    for extra in ({}, {"by": "unit"}, {"by": "month"}, {"unit": first}):
        response = httpx.get(url, params={**MARCH, **extra}, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        args = [arg for name, value in extra.items() for arg in (f"--{name}", value)]
        cli = run_ioc(
            *("indicator", "values", "docs_sent_electronic", "--from", MARCH["from"], "--to", MARCH["to"], *args),
            *("--format", "json"),
            env=env,
        )
        assert response.json() == json.loads(cli.stdout)
    assert httpx.get(url, params=MARCH, headers=headers, timeout=10).json() == [
        {"value": 50.05, "numerator": 1503, "denominator": 3003}
    ]
    listed = httpx.get(f"{base}/api/v1/indicators", headers=headers, timeout=10).json()
    assert {"on_time_rate", "docs_sent_electronic", "portal766.total"} <= {row["code"] for row in listed}
    unknown = httpx.get(f"{base}/api/v1/indicators/nope/values", params=MARCH, headers=headers, timeout=10)
    assert unknown.status_code == 404 and "unknown indicator" in unknown.json()["error"]
    bad = httpx.get(url, params={**MARCH, "by": "field"}, headers=headers, timeout=10)
    assert bad.status_code == 400 and bad.json()["parameter"] == "by"
    for path in ("/api/v1/indicators", "/api/v1/indicators/docs_sent_electronic/values"):
        assert httpx.get(f"{base}{path}", params=MARCH, timeout=10).status_code == 401
    document = httpx.get(f"{base}/api/v1/openapi.json", timeout=10).json()
    operation = document["paths"]["/api/v1/indicators/{code}/values"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"code", "from", "to", "by", "unit", "agency", "format"}
