"""The ``fields`` mapping shared by the ``rest-json`` and ``sql`` kinds: each named field of an indicator value is a
JMESPath expression over one record (a JSON object, or a row by column name).

A constant is a JMESPath literal: ``'docs_outgoing'`` (a raw string) or ``` `2026` ``` (JSON). Expressions are
compiled once, when the options are validated (``ioc collector add`` refuses a bad one in one line naming the
field); a plain name, a dotted path of names and a literal skip the interpreter, which matters at a million records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ioc.records import InvalidRecordError

#: The fields :func:`ioc.indicators.model.value_from_fields` reads.
FIELD_NAMES = (
    "indicator",
    "unit",
    "agency",
    "period",
    "value",
    "numerator",
    "denominator",
    "updated_at",
    "source_key",
)
#: Longest expression accepted (a mapping is configuration, not a program).
EXPRESSION_MAX = 500

Getter = Callable[[Any], Any]


def compile_expression(expression: str, what: str) -> Getter:
    """A function reading ``expression`` from a record; ``ValueError`` naming ``what`` when it does not compile."""
    if len(expression) > EXPRESSION_MAX:
        raise ValueError(f"{what}: the expression is longer than {EXPRESSION_MAX} characters")
    if not expression.strip():
        raise ValueError(f"{what}: the expression is empty")
    try:
        compiled = jmespath.compile(expression)
    except JMESPathError as error:
        detail = " ".join(str(error).split())[:160]
        raise ValueError(f"{what}: {expression!r} is not a JMESPath expression ({detail})") from None
    return _fast(compiled.parsed) or compiled.search


def _fast(node: dict[str, Any]) -> Getter | None:
    """A plain function for a literal, a name or a dotted path of names; None for anything else."""
    if node["type"] == "literal":
        constant = node["value"]
        return lambda _record: constant
    if node["type"] == "field":
        name = node["value"]
        return lambda record: record.get(name) if record.__class__ is dict else None
    if node["type"] == "subexpression" and all(child["type"] == "field" for child in node["children"]):
        names = [child["value"] for child in node["children"]]

        def path(record: Any) -> Any:
            for name in names:
                if record.__class__ is not dict:
                    return None
                record = record.get(name)
            return record

        return path
    return None


class FieldMap(BaseModel):
    """Each field of an indicator value as a JMESPath expression over one record (absent: not given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator: str = Field(description="the indicator's code, e.g. chi_tieu or 'docs_outgoing'")
    unit: str = Field(description="the official unit code")
    agency: str | None = Field(None, description="the agency's code (absent: none)")
    period: str = Field(description="YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY")
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    updated_at: str | None = Field(None, description="the source's update time, ISO 8601")
    source_key: str | None = Field(None, description="the source's own identifier of the record")

    @field_validator(*FIELD_NAMES)
    @classmethod
    def _compiles(cls, expression: str | None, info: Any) -> str | None:
        if expression is not None:
            compile_expression(expression, f"field {info.field_name}")
        return expression

    def compiled(self) -> CompiledFields:
        return CompiledFields(self)


class CompiledFields:
    """A :class:`FieldMap` compiled: :meth:`apply` gives a record's named fields."""

    def __init__(self, mapping: FieldMap) -> None:
        given = {name: getattr(mapping, name) for name in FIELD_NAMES if getattr(mapping, name) is not None}
        self.expressions: dict[str, str] = given
        self.getters: list[tuple[str, Getter]] = [
            (name, compile_expression(expression, f"field {name}")) for name, expression in given.items()
        ]

    def get(self, name: str, record: Any) -> Any:
        """One field of ``record`` (None when not mapped); raises :class:`InvalidRecordError` when it fails."""
        for field_name, getter in self.getters:
            if field_name == name:
                return self._evaluate(field_name, getter, record)
        return None

    def apply(self, record: Any) -> Mapping[str, Any]:
        """Every mapped field of ``record``; :class:`InvalidRecordError` names a field whose expression fails."""
        return {name: self._evaluate(name, getter, record) for name, getter in self.getters}

    def _evaluate(self, name: str, getter: Getter, record: Any) -> Any:
        try:
            return getter(record)
        except JMESPathError as error:
            detail = " ".join(str(error).split())[:120]
            raise InvalidRecordError(
                f"field {name}: expression {self.expressions[name]!r} fails on this record ({detail})"
            ) from None
