"""Requests Dash itself would answer with a 500, answered as the client's mistakes they are.

- A script or style under ``/_dash-component-suites/`` that no registered package serves (an unknown package, an
  unknown path) is a 404, not Dash's ``DependencyException``.
- A callback request (``POST /_dash-update-component``) whose envelope does not fit any callback of the app — an
  unknown output, inputs or state not lists of the callback's length, dependencies without an id and a property — is a
  400 with a one-line JSON ``error``. The values inside are each callback's to check (:mod:`layouts.view`,
  :mod:`layouts.explore_input`).

Installed after the guard (:mod:`layouts.security`), so a signed-out or unauthorised request still gets 401 or 403.
"""

from __future__ import annotations

import json

import dash
from dash.exceptions import DependencyException
from flask import Response, request

CALLBACK_PATH = "/_dash-update-component"
#: Wildcards whose dependency is a list of the components they match.
_MANY = ('["ALL"]', '["ALLSMALLER"]')


def _error(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}), status=status, mimetype="application/json")


def _dependency(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), str | dict)
        and bool(item.get("id"))
        and isinstance(item.get("property"), str)
    )


def _matches(items: object, expected: list[dict]) -> bool:
    """Whether ``items`` (a request's inputs or state) fit the callback's dependencies ``expected``."""
    if not isinstance(items, list) or len(items) != len(expected):
        return False
    for item, dependency in zip(items, expected, strict=True):
        if any(wildcard in dependency["id"] for wildcard in _MANY):
            if not isinstance(item, list) or not all(_dependency(each) for each in item):
                return False
        elif not (_dependency(item) or (isinstance(item, list) and all(_dependency(each) for each in item))):
            return False
    return True


def _output_fits(given: object, declared: str) -> bool:
    """Whether one output of a request is the callback's ``declared`` one (``id.property``, ``@…`` after the property
    of a duplicate output, which renderers may leave out); a pattern id's components are the page's, so only their
    shape is checked."""
    if isinstance(given, list):  # the components a wildcard output matches
        return declared.startswith("{") and all(_dependency(each) for each in given)
    if not _dependency(given):
        return False
    component, prop = given["id"], given["property"]  # type: ignore[index]
    declared_id, _, declared_prop = declared.rpartition(".")
    return isinstance(component, dict) or (component, prop.split("@")[0]) == (declared_id, declared_prop.split("@")[0])


def _outputs_fit(outputs: object, key: str) -> bool:
    if outputs is None:
        return True  # older renderers send the output key only
    if not key.startswith(".."):
        return _output_fits(outputs, key)
    declared = key.strip(".").split("...")  # several outputs: ``..a.b...c.d..``, sent as a list
    if not isinstance(outputs, list) or len(outputs) != len(declared):
        return False
    return all(_output_fits(part, name) for part, name in zip(outputs, declared, strict=True))


def _changed_fits(prop: object) -> bool:
    """A changed property, ``id.property``; a pattern id is JSON, which Dash parses."""
    if not isinstance(prop, str) or "." not in prop:
        return False
    component = prop.rsplit(".", 1)[0]
    if not component.startswith("{"):
        return True
    try:
        return isinstance(json.loads(component), dict)
    except ValueError:
        return False


def envelope_error(body: object, callback_map: dict[str, dict]) -> str | None:
    """Why a callback request's body fits no callback of the app, or None when Dash may run it."""
    if not isinstance(body, dict):
        return "a callback request is a JSON object"
    key = body.get("output")
    spec = callback_map.get(key) if isinstance(key, str) else None
    if spec is None:
        return "no callback has that output"
    for name, expected in (("inputs", spec["inputs"]), ("state", spec.get("state", []))):
        if not _matches(body.get(name, []), expected):
            return f"'{name}' do not match the callback's"
    if not spec.get("no_output") and not _outputs_fit(body.get("outputs"), key):  # type: ignore[arg-type]
        return "'outputs' do not match the callback's"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(_changed_fits(prop) for prop in changed):
        return "'changedPropIds' must be a list of component.property strings"
    return None


def install(app: dash.Dash) -> None:
    """Answer ``app``'s unanswerable requests with 400 and 404 instead of 500."""
    server = app.server

    @server.errorhandler(DependencyException)
    def unknown_script(_: DependencyException) -> Response:
        return Response("not found\n", status=404, mimetype="text/plain")

    @server.before_request
    def check_callback_envelope() -> Response | None:
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        problem = envelope_error(request.get_json(silent=True), app.callback_map)
        return _error(400, problem) if problem else None
