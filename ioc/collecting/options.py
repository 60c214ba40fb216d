"""What a kind's options model tells a person filling them in: the defaults a new collector starts from, and each
option with its type, default, whether it is required and its description, read from the model's JSON schema."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ioc.collecting.registry import get_kind


@dataclass(frozen=True)
class OptionField:
    """One option of a kind, as its JSON schema describes it."""

    name: str
    type: str
    default: Any
    required: bool
    description: str


def default_options(kind: str) -> dict[str, Any]:
    """The kind's options with every default (``Options().model_dump(mode="json")``), or ``{}`` when its model
    cannot be built without arguments."""
    try:
        return get_kind(kind).Options().model_dump(mode="json")
    except (ValidationError, TypeError):
        return {}


def _type(schema: dict[str, Any], definitions: dict[str, Any]) -> str:
    """``string``, ``integer``, ``array of string``, ``string | null``, a referenced model's title, …"""
    if "$ref" in schema:
        target = definitions.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return str(target.get("title") or schema["$ref"].rsplit("/", 1)[-1])
    if "enum" in schema:
        return " | ".join(json.dumps(value, ensure_ascii=False) for value in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(_type(part, definitions) for part in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array of {_type(schema['items'], definitions)}"
    return str(kind)


def option_fields(kind: str) -> list[OptionField]:
    """The kind's options in the model's order, from its JSON schema."""
    model = get_kind(kind).Options
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    defaults = default_options(kind)
    return [
        OptionField(
            name=name,
            type=_type(field, definitions),
            default=field.get("default", defaults.get(name)),
            required=name in required,
            description=str(field.get("description") or field.get("title") or ""),
        )
        for name, field in schema.get("properties", {}).items()
    ]
