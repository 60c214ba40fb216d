"""``GET /api/v1/kpi``: the rows of ``ioc kpi`` over HTTP, for bearer tokens, and for the signed-in analysts the
dashboard's guard lets through (it sets ``flask.g.principal``); ``/api/v1/openapi.json`` describes it."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import Engine

from ioc import tokens
from ioc.api import indicators
from ioc.api.parameters import CODE, DAYS, BadParameterError, code_parameter, parse_common
from ioc.config import now_local
from ioc.errors import IOCError
from ioc.export import csv_bytes
from ioc.kpi.known import UnknownCodeError, check_filters
from ioc.kpi.periods import DAY, MAX_DAYS, Period
from ioc.kpi.query import BREAKDOWNS, Filters, cached_kpi_rows
from ioc.kpi.registry import KPIS
from ioc.warehouse.aggregates import data_version
from ioc.warehouse.reference import require_province

PARAMETERS = ("from", "to", "by", "unit", "agency", "field", "procedure", "channel", "applicant_type", "format")


def _number(name: str, allowed: range) -> int | None:
    text = request.args.get(name)
    if text is None:
        return None
    if text not in {str(number) for number in allowed}:  # ASCII digits only, and never a 5,000-digit int()
        raise BadParameterError(f"'{name}' must be one of {', '.join(map(str, allowed))}", name)
    return int(text)


def parse_query() -> tuple[Period, str | None, Filters, str]:
    """The period, breakdown, filters and format a request asks for; BadParameterError for anything else."""
    period, by, output = parse_common(PARAMETERS, BREAKDOWNS)
    filters = Filters(
        unit=code_parameter("unit"),
        agency=code_parameter("agency"),
        field=code_parameter("field"),
        procedure=code_parameter("procedure"),
        channel=_number("channel", range(1, 4)),
        applicant_type=_number("applicant_type", range(1, 10)),
    )
    return period, by, filters, output


def _error(status: int, message: str, parameter: str | None = None) -> Response:
    response = jsonify({"error": message} | ({"parameter": parameter} if parameter else {}))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ioc"'
    return response


def api_blueprint(engine: Engine, province: str | None = None) -> Blueprint:
    """The ``/api/v1`` endpoints, reading the warehouse behind ``engine`` (refused, as a 400, when ``province`` is
    given and the warehouse holds another)."""
    api = Blueprint("api_v1", __name__, url_prefix="/api/v1")

    def refused() -> Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if getattr(g, "principal", None) is None:  # mounted without the dashboard's guard, which decides otherwise
            if scheme.lower() != "bearer" or not token.strip():
                return _error(401, "a bearer token is required: Authorization: Bearer <token> (ioc api-token create)")
            if tokens.verify(engine, tokens.API, token.strip(), now_local()) is None:
                return _error(401, "the token is not valid or has been revoked")
        return None

    @api.get("/kpi")
    def kpi() -> Response:
        refusal = refused()
        if refusal is not None:
            return refusal
        try:
            period, by, filters, output = parse_query()
            with engine.connect() as connection:
                if province is not None:
                    require_province(connection, province)
                check_filters(connection, filters)
                rows = cached_kpi_rows(connection, period, by, filters)
                version, _ = data_version(connection)
        except UnknownCodeError as error:
            return _error(400, f"'{error.parameter}': {error}", error.parameter)
        except BadParameterError as error:
            return _error(400, str(error), error.parameter)
        except IOCError as error:
            return _error(400, str(error))
        if output == "csv":
            name = f"ioc-kpi-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.csv"
            response = Response(csv_bytes(rows), content_type="text/csv; charset=utf-8")
            response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        else:
            response = jsonify(rows)
        response.headers["X-IOC-Data-Version"] = str(version)
        response.headers["Cache-Control"] = "no-store"
        return response

    indicators.add_routes(api, engine, province, refused, _error)

    @api.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(openapi_document())

    return api


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of ``/api/v1``."""
    code = {"type": "string", "pattern": CODE.pattern}
    day = {"type": "string", "format": "date", "pattern": DAY.pattern}
    span = f"{DAYS}; at most {MAX_DAYS} days from 'from'"
    parameters = [
        ("from", True, day, f"First day, included (YYYY-MM-DD): {DAYS}."),
        ("to", True, day, f"Last day, included (YYYY-MM-DD): {span}."),
        ("by", False, {"type": "string", "enum": list(BREAKDOWNS)}, "One row per key; month keys are YYYY-MM."),
        ("unit", False, code, "Only this unit (official MaDVHC code)."),
        ("agency", False, code, "Only this agency."),
        ("field", False, code, "Only this field (lĩnh vực)."),
        ("procedure", False, code, "Only this procedure; needs whole months."),
        ("channel", False, {"type": "integer", "enum": [1, 2, 3]}, "1 desk, 2 online, 3 public postal service."),
        ("applicant_type", False, {"type": "integer", "minimum": 1, "maximum": 9}, "LoaiDoiTuong."),
        ("format", False, {"type": "string", "enum": ["json", "csv"], "default": "json"}, "Response format."),
    ]
    query_parameters = {
        n: {"name": n, "in": "query", "required": r, "schema": s, "description": d} for n, r, s, d in parameters
    }
    responses = {
        "400": {"description": "A bad parameter, or a code the warehouse does not know", "content": _json_error()},
        "401": {"description": "No valid bearer token", "content": _json_error()},
    }
    row = {
        "type": "object",
        "properties": {
            **{key: {"type": ["string", "integer", "null"]} for key in BREAKDOWNS},
            **{
                k.key: {"type": ["number", "null"], "description": f"{k.name_en} (%), 2 decimals; null: no data"}
                if k.is_rate
                else {"type": "integer", "description": k.name_en}
                for k in KPIS
            },
        },
    }
    error = {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "parameter": {"type": "string", "description": "The parameter to blame, when there is one."},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "IOC — chỉ số giải quyết thủ tục hành chính",
            "version": "1",
            "description": "Read-only KPIs of administrative dossiers, as `ioc kpi` computes them.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"KpiRow": row, "Error": error},
        },
        "security": [{"bearer": []}],
        "paths": {
            **indicators.openapi_paths(query_parameters, responses),
            "/api/v1/kpi": {
                "get": {
                    "summary": "Every KPI for a period, a filter and an optional breakdown",
                    "parameters": list(query_parameters.values()),
                    "responses": {
                        "200": {
                            "description": "One row per breakdown key (one row without `by`).",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/KpiRow"}}
                                },
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        **responses,
                    },
                }
            },
        },
    }


def _json_error() -> dict:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
