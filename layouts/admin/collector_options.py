"""The collector form's options editor: what is wrong with its JSON and where (line, column, the problem in the
reader's language), said as soon as the editor is left, not only at Save; options that are JSON but not one object,
or that the kind's options model refuses, say so too."""

from __future__ import annotations

from dash import Input, Output, State, callback

from ioc.collecting.registry import collector_kinds
from ioc.collecting.store import OptionsTextError, parse_options_text, validate_options
from ioc.errors import IOCError
from layouts.i18n import error_text, t

#: What Python's JSON parser says is wrong, as the translations' keys (``admin.collectors.json.*``); any other
#: problem is given as "the JSON syntax is wrong", with the parser's own words.
JSON_PROBLEMS = {
    "Expecting value": "value",
    "Expecting ',' delimiter": "comma",
    "Expecting ':' delimiter": "colon",
    "Expecting property name enclosed in double quotes": "property_name",
    "Extra data": "extra",
    "Unterminated string starting at": "unterminated",
    "Invalid control character at": "control",
    "Invalid \\escape": "escape",
}


def options_error(error: IOCError, lang: str) -> str:
    """What is wrong with the options, in the person's language; for JSON that does not parse, where."""
    if isinstance(error, OptionsTextError):
        key = JSON_PROBLEMS.get(error.problem)
        problem = t(lang, f"admin.collectors.json.{key}") if key else t(lang, "admin.collectors.json.other")
        problem = problem if key else f"{problem} ({error.problem})"
        return t(lang, "admin.collectors.error.json", line=error.line, column=error.column, problem=problem)
    return f"{t(lang, 'admin.collectors.error.options')} — {error_text(error, lang)}"


def options_problem(text: str | None, kind: str | None, lang: str) -> str | None:
    """What is wrong with the options text for ``kind`` (checked against its model when the kind is known), or None."""
    try:
        options = parse_options_text(text)
        if kind in collector_kinds():
            validate_options(kind, options)
    except IOCError as error:
        return options_error(error, lang)
    return None


@callback(
    Output("admin-collectors-form-options", "error", allow_duplicate=True),
    Output("admin-collectors-form-options", "validationError", allow_duplicate=True),
    Input("admin-collectors-form-options", "n_blur"),
    State("admin-collectors-form-options", "value"),
    State("admin-collectors-form-kind", "value"),
    State("admin-collectors-lang", "data"),
    prevent_initial_call=True,
)
def check_on_leaving(_blurs, text, kind, lang):  # type: ignore[no-untyped-def]
    """On leaving the editor: the problem under it (Mantine shows ``validationError`` while the text is not JSON and
    ``error`` otherwise, so both are set), or no error."""
    problem = options_problem(text, kind, lang)
    return problem, problem or t(lang, "admin.collectors.form.options_not_json")
