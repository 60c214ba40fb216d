"""Whether a Dash callback request is shaped exactly as the callback it names: the same outputs, inputs and state, in
the registered order, with the registered ids and properties.

Dash binds a request's inputs to the callback's arguments by *position*, whatever ids and properties the request
gives them. So the guard may only read a value (the page router's ``pathname``) once the request is known to match
the registration item by item; anything else is refused before the callback runs.

Pattern-matching dependencies (``{"type": "x", "index": ALL}``) match a list of components whose ids have the same
keys, the same fixed values and a scalar where the pattern has a wildcard; ``MATCH`` alone matches one component.
"""

from __future__ import annotations

import json
from typing import Any

from dash._utils import split_callback_id, stringify_id

#: The keys dash-renderer sends for one input or state (``value`` is left out when it is undefined) and one output.
INPUT_KEYS = frozenset({"id", "property", "value"})
OUTPUT_KEYS = frozenset({"id", "property"})
#: At most this many components for one wildcard dependency: no page of IOC has a tenth of that.
MAX_MATCHES = 500
MULTIPLE = ("ALL", "ALLSMALLER")
WILDCARDS = ("MATCH", *MULTIPLE)
MAX_ID_VALUE_CHARS = 200


def _wildcard(value: Any) -> str | None:
    """``ALL``, ``MATCH`` or ``ALLSMALLER`` for a registered pattern value (stringified as ``["ALL"]``), else None."""
    if isinstance(value, list) and len(value) == 1 and value[0] in WILDCARDS:
        return value[0]
    return None


def _pattern(component_id: str) -> dict | None:
    """The pattern of a registered id that is stringified JSON; None for a plain string id."""
    if not component_id.startswith("{"):
        return None
    return json.loads(component_id)


def _scalar(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_ID_VALUE_CHARS
    return isinstance(value, int | float | bool)


def _id_matches(registered: str, pattern: dict | None, sent: Any) -> bool:
    if pattern is None:
        return isinstance(sent, str) and sent == registered
    if not isinstance(sent, dict) or set(sent) != set(pattern):
        return False
    for key, expected in pattern.items():
        value = sent[key]
        if not _scalar(value):
            return False
        if _wildcard(expected) is None and value != expected:
            return False
    return True


def _one_matches(dependency: dict, pattern: dict | None, sent: Any, keys: frozenset[str]) -> bool:
    return (
        isinstance(sent, dict)
        and set(sent) <= keys
        and sent.get("property") == dependency["property"]
        and _id_matches(dependency["id"], pattern, sent.get("id"))
    )


def _dependency_matches(dependency: dict, sent: Any, keys: frozenset[str]) -> bool:
    pattern = _pattern(dependency["id"])
    if pattern is not None and any(_wildcard(value) in MULTIPLE for value in pattern.values()):
        return (
            isinstance(sent, list)
            and len(sent) <= MAX_MATCHES
            and all(_one_matches(dependency, pattern, item, keys) for item in sent)
        )
    return _one_matches(dependency, pattern, sent, keys)


def _all_match(dependencies: list[dict], sent: Any, keys: frozenset[str]) -> bool:
    return (
        isinstance(sent, list)
        and len(sent) == len(dependencies)
        and all(_dependency_matches(each, item, keys) for each, item in zip(dependencies, sent, strict=True))
    )


def _prop_ids(sent_inputs: list) -> set[str]:
    items = [item for entry in sent_inputs for item in (entry if isinstance(entry, list) else [entry])]
    return {f"{stringify_id(item['id'])}.{item['property']}" for item in items}


def matches(spec: dict, body: dict) -> bool:
    """Whether ``body`` (a ``/_dash-update-component`` request) fits ``spec``, the entry of ``app.callback_map`` for
    ``body["output"]``: every output, input and state in its place, and only inputs among the changed ones."""
    if spec.get("no_output"):
        outputs_fit = body.get("outputs") in (None, [])
    else:
        registered = split_callback_id(body["output"])
        outputs = body.get("outputs")
        if isinstance(registered, dict):
            outputs_fit = _dependency_matches(registered, outputs, OUTPUT_KEYS)
        else:
            outputs_fit = _all_match(registered, outputs, OUTPUT_KEYS)
    if not outputs_fit:
        return False
    inputs, state = body.get("inputs"), body.get("state", [])
    if not _all_match(spec["inputs"], inputs, INPUT_KEYS) or not _all_match(spec["state"], state, INPUT_KEYS):
        return False
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(prop_id, str) for prop_id in changed):
        return False
    return set(changed) <= _prop_ids(inputs)


def value_of(spec: dict, body: dict, component_id: str, component_property: str) -> Any:
    """The value a matching ``body`` gives the registered input or state ``component_id.component_property``, as the
    callback will receive it (by position); None when the callback has no such dependency."""
    dependencies = [*spec["inputs"], *spec["state"]]
    sent = [*body["inputs"], *body.get("state", [])]
    for dependency, item in zip(dependencies, sent, strict=True):
        if dependency["id"] == component_id and dependency["property"] == component_property:
            return item.get("value") if isinstance(item, dict) else None
    return None
