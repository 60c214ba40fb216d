"""Every installed kind in the admin form, with its own options model: a kind located by its options is stored without
a URL (the core's rule, the CLI's too), a new collector's options start from the model's defaults, the help lists the
model's fields from its JSON schema, and options that are not JSON say where and what is wrong, in both languages.
The kinds are a third party's, installed through the ``ioc.collectors`` entry point (``plugin_kinds``)."""

from __future__ import annotations

import json

import pytest
from dash import no_update
from plugin_kinds import FOLDER_DEFAULTS, FOLDER_KIND, NEEDS_KIND, plant_kinds

from helpers import run_ioc
from ioc.collecting.options import default_options, option_fields
from ioc.collecting.registry import collector_kinds
from ioc.collecting.store import OptionsTextError, add_collector, get_collector, parse_options_text
from ioc.errors import IOCError
from layouts import warehouse as dashboard_warehouse
from layouts.admin import collector_form as form


@pytest.fixture
def kinds(tmp_path, monkeypatch):
    """The third party's kinds installed beside dossier-sync, for this test only."""
    folder = plant_kinds(tmp_path / "site")
    monkeypatch.syspath_prepend(str(folder))
    collector_kinds.cache_clear()
    yield folder
    collector_kinds.cache_clear()


@pytest.fixture
def pages(warehouse, kinds, monkeypatch):
    dashboard_warehouse.use(warehouse)
    monkeypatch.setattr(form, "current_username", lambda: "admin.test")
    monkeypatch.setattr(form, "current_ip", lambda: "192.0.2.10")
    return warehouse


# the core ---------------------------------------------------------------------------------------------------------


def test_a_kind_located_by_its_options_is_stored_without_a_url(warehouse, kinds):
    with warehouse.begin() as connection:
        config = add_collector(connection, "drop", FOLDER_KIND, "not an address", options={"path": "/srv/drop"})
    assert (config.url, config.options) == (None, {"path": "/srv/drop"})


def test_a_kind_read_from_its_url_still_needs_an_http_address(warehouse, kinds):
    with warehouse.begin() as connection, pytest.raises(IOCError, match="http:// or https://"):
        add_collector(connection, "table", NEEDS_KIND, "ftp://db.example/x", options={"table": "payments"})


def test_the_command_line_stores_an_options_kind_without_a_url(warehouse_env, warehouse, kinds):
    env = warehouse_env | {"PYTHONPATH": str(kinds)}
    given = ["--kind", FOLDER_KIND, "--url", "/srv/drop", "--option", "path=/srv/drop"]
    added = run_ioc("collector", "add", "drop", *given, env=env)
    assert added.returncode == 0, added.stderr
    with warehouse.connect() as connection:
        assert get_collector(connection, "drop").url is None


def test_a_new_collectors_options_start_from_the_models_defaults(kinds):
    assert default_options(FOLDER_KIND) == FOLDER_DEFAULTS
    assert default_options(NEEDS_KIND) == {}  # its model needs a table: nothing to start from


def test_the_options_help_comes_from_the_models_json_schema(kinds):
    fields = {field.name: field for field in option_fields(NEEDS_KIND)}
    assert list(fields) == ["table", "limit"]
    assert (fields["table"].type, fields["table"].required, fields["table"].default) == ("string", True, None)
    assert fields["table"].description == "The table read (required)"
    assert (fields["limit"].type, fields["limit"].required, fields["limit"].default) == ("integer", False, 100)
    folder = {field.name: field for field in option_fields(FOLDER_KIND)}
    assert (folder["sheets"].type, folder["sheets"].default) == ("array of string", ["Sheet1"])


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{\n  "path": "/srv/drop"\n  "pattern": "*.xlsx"\n}', 3, 3),
        ('{"path": /srv}', 1, 10),
        ("{'path': 1}", 1, 2),
        ('{"path": "x"} extra', 1, 15),
    ],
)
def test_options_that_are_not_json_say_the_line_and_column(text, line, column):
    with pytest.raises(OptionsTextError) as raised:
        parse_options_text(text)
    assert (raised.value.line, raised.value.column) == (line, column)
    assert f"line {line}, column {column}" in str(raised.value)


def test_empty_options_are_an_empty_object_and_a_list_is_refused():
    assert parse_options_text("") == parse_options_text("  ") == parse_options_text(None) == {}
    with pytest.raises(IOCError, match="JSON object"):
        parse_options_text("[1, 2]")


# the form ---------------------------------------------------------------------------------------------------------


def test_the_form_offers_every_installed_kind(kinds):
    offered = [item["value"] for item in form.drawer("vi").children.children[1].data]
    assert offered == list(collector_kinds()) and {"dossier-sync", FOLDER_KIND, NEEDS_KIND} <= set(offered)


def test_the_url_field_shows_only_for_a_kind_read_from_its_url(kinds):
    assert form.show_location(FOLDER_KIND) == "none"
    assert form.show_location(NEEDS_KIND) == form.show_location("dossier-sync") == "block"


def test_choosing_a_kind_for_a_new_collector_fills_its_default_options(kinds):
    assert json.loads(form.kind_options(FOLDER_KIND, None)) == FOLDER_DEFAULTS
    assert json.loads(form.kind_options(NEEDS_KIND, None)) == {}
    assert form.kind_options(FOLDER_KIND, "drop") is no_update  # an edited collector keeps its options


def test_the_form_opened_to_add_starts_from_the_first_kinds_defaults(kinds):
    values = form.form_values(None)
    assert json.loads(values["options"]) == default_options(values["kind"])


@pytest.mark.parametrize(("lang", "words"), [("vi", "dòng 3, cột 3"), ("en", "line 3, column 3")])
def test_malformed_options_in_the_form_say_where_in_the_persons_language(kinds, lang, words):
    text = '{\n  "path": "/srv/drop"\n  "pattern": "*.xlsx"\n}'
    errors, _ = form.check_form(lang, True, "drop", FOLDER_KIND, None, "none", {}, "manual", "", text)
    assert words in errors["options"], errors
    assert list(errors) == ["options"]
    if lang == "vi":
        assert "thiếu dấu phẩy" in errors["options"]


def test_the_options_help_lists_each_field_with_its_description(kinds):
    shown = json.dumps(form.options_help(NEEDS_KIND, "en").to_plotly_json(), default=str, ensure_ascii=False)
    assert "The table read (required)" in shown and "Rows a page" in shown and "integer" in shown


def test_a_collector_of_an_options_kind_is_saved_from_the_form_without_a_url(pages):
    secrets = dict.fromkeys(form.ROLES, "")
    text = json.dumps({"path": "/srv/drop"})
    filled = [None, "drop", FOLDER_KIND, "http://left.over/from/another/kind", "none", *secrets.values()]
    result = form.save(1, *filled, "manual", "", text, True, "vi")
    assert result[len(form.FIELDS) + 1] is True, result  # the form's error stays hidden
    with pages.connect() as connection:
        config = get_collector(connection, "drop")
    assert (config.kind, config.url, config.options) == (FOLDER_KIND, None, {"path": "/srv/drop"})
