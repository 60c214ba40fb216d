"""``GET /api/v1/indicators`` (the registry) and ``/api/v1/indicators/{code}/values`` (the rows of
``ioc indicator values``), behind the same authentication as ``/api/v1/kpi``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from flask import Blueprint, Response, jsonify
from sqlalchemy import Engine

from ioc.api.parameters import BadParameterError, code_parameter, parse_common
from ioc.errors import IOCError
from ioc.export import csv_bytes
from ioc.indicators.model import CODE_PATTERN
from ioc.indicators.query import BREAKDOWNS, value_rows
from ioc.indicators.registry import registered
from ioc.kpi.periods import Period
from ioc.warehouse.aggregates import data_version
from ioc.warehouse.reference import require_province

PARAMETERS = ("from", "to", "by", "unit", "agency", "format")


def add_routes(
    api: Blueprint,
    engine: Engine,
    province: str | None,
    refused: Callable[[], Response | None],
    error: Callable[..., Response],
) -> None:
    """Add the indicator endpoints to ``api``; ``refused()`` answers a request without valid credentials."""

    def parse() -> tuple[Period, str | None, str | None, str | None, str]:
        period, by, output = parse_common(PARAMETERS, BREAKDOWNS)
        return period, by, code_parameter("unit"), code_parameter("agency"), output

    def answered(body: Response, version: int) -> Response:
        body.headers["X-IOC-Data-Version"] = str(version)
        body.headers["Cache-Control"] = "no-store"
        return body

    @api.get("/indicators")
    def indicators() -> Response:
        refusal = refused()
        if refusal is not None:
            return refusal
        with engine.connect() as connection:
            if province is not None:
                require_province(connection, province)
            listed = [asdict(indicator) for indicator in registered(connection).values()]
            version, _ = data_version(connection)
        return answered(jsonify(listed), version)

    @api.get("/indicators/<code>/values")
    def values(code: str) -> Response:
        refusal = refused()
        if refusal is not None:
            return refusal
        if len(code) > 64 or not CODE_PATTERN.fullmatch(code):
            return error(400, "the indicator code must be lower-case letters, digits, '_' and '.'", "code")
        try:
            period, by, unit, agency, output = parse()
            with engine.connect() as connection:
                if province is not None:
                    require_province(connection, province)
                rows = value_rows(connection, code, period, by, unit, agency)
                version, _ = data_version(connection)
        except BadParameterError as bad:
            return error(400, str(bad), bad.parameter)
        except IOCError as bad:
            status = 404 if str(bad).startswith("unknown indicator") else 400
            return error(status, str(bad))
        if output == "csv":
            name = f"ioc-{code}-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.csv"
            body = Response(csv_bytes(rows), content_type="text/csv; charset=utf-8")
            body.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        else:
            body = jsonify(rows)
        return answered(body, version)


def openapi_paths(parameters: dict[str, dict], errors: dict[str, dict]) -> dict:
    """The indicator endpoints' part of the OpenAPI description."""
    row = {
        "type": "object",
        "properties": {
            **{key: {"type": ["string", "null"]} for key in BREAKDOWNS},
            "value": {"type": ["number", "null"], "description": "For a ratio, the rate in %, 2 decimals"},
            "numerator": {"type": ["number", "null"], "description": "A ratio's summed numerator, else null"},
            "denominator": {"type": ["number", "null"], "description": "A ratio's summed denominator, else null"},
        },
    }
    values_parameters = [
        {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Indicator code"},
        parameters["from"],
        parameters["to"],
        {
            "name": "by",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(BREAKDOWNS)},
            "description": "One row per unit, agency or month (YYYY-MM).",
        },
        parameters["unit"],
        parameters["agency"],
        parameters["format"],
    ]
    return {
        "/api/v1/indicators": {
            "get": {
                "summary": "Every registered indicator: code, names, unit, aggregation, direction, origin",
                "responses": {
                    "200": {
                        "description": "The registry",
                        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}},
                    },
                    "401": errors["401"],
                },
            }
        },
        "/api/v1/indicators/{code}/values": {
            "get": {
                "summary": "An indicator's values for a period, with an optional breakdown",
                "parameters": values_parameters,
                "responses": {
                    "200": {
                        "description": "One row per breakdown key (one row without `by`).",
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": row}},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "400": errors["400"],
                    "401": errors["401"],
                    "404": {"description": "No such indicator", "content": errors["400"]["content"]},
                },
            }
        },
    }
