"""Errors the core raises for the command line are shown on pages from the translations: in the reader's language,
never quoting a command-line flag, while the command line keeps its own English sentence."""

from __future__ import annotations

import ast
import re
import string
from datetime import date
from pathlib import Path

import pytest

from helpers import REPO
from ioc.collecting.runner import backfill_window
from ioc.collecting.store import check_cron, check_url, parse_interval
from ioc.errors import IOCError
from ioc.kpi.registry import Target
from ioc.kpi.targets import check_target
from layouts.i18n import catalogue, error_text

FLAG = re.compile(r"(?<![\w-])--[a-z]")


def _keyed_raises() -> list[tuple[str, str, set[str]]]:
    """Every ``IOCError(..., key=..., **params)`` written in the code: where, its key and its parameters' names."""
    found = []
    for path in [
        *(REPO / "ioc").rglob("*.py"),
        *(REPO / "layouts").rglob("*.py"),
        *(REPO / "collectors").rglob("*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "IOCError":
                names = {keyword.arg for keyword in node.keywords if keyword.arg}
                key = next((k.value for k in node.keywords if k.arg == "key"), None)
                if isinstance(key, ast.Constant):
                    found.append((f"{Path(path).relative_to(REPO)}:{node.lineno}", key.value, names - {"key"}))
    return found


def test_every_keyed_error_is_translated_in_both_languages_with_its_parameters() -> None:
    raises = _keyed_raises()
    assert len(raises) >= 40
    for lang in ("vi", "en"):
        texts = catalogue(lang)
        for where, key, params in raises:
            text = texts.get(f"error.{key}")
            assert text is not None, f"{where}: error.{key} has no {lang} text"
            used = {field for _, field, _, _ in string.Formatter().parse(text) if field}
            assert used <= params, f"{where}: error.{key} ({lang}) uses {used - params}, not given"


def test_no_error_shown_on_a_page_quotes_a_command_line_flag() -> None:
    for lang in ("vi", "en"):
        quoting = {key: text for key, text in catalogue(lang).items() if FLAG.search(text)}
        assert not quoting, quoting


def _raised(action) -> IOCError:  # type: ignore[no-untyped-def]
    with pytest.raises(IOCError) as raised:
        action()
    return raised.value


@pytest.mark.parametrize(
    ("action", "flag", "vietnamese"),
    [
        (lambda: check_url("ftp://example"), "--url", "Địa chỉ «ftp://example»"),
        (lambda: parse_interval("often"), "--every", "Chu kỳ «often»"),
        (lambda: parse_interval("1s"), "--every", "ngắn nhất là"),
        (lambda: check_cron("every day"), "--cron", "Lịch cron «every day» không hợp lệ"),
        (lambda: backfill_window(date(2026, 5, 2), None), "--since", "cần cả ngày bắt đầu và ngày kết thúc"),
        (lambda: backfill_window(date(2026, 5, 2), date(2026, 5, 1)), "--until", "Ngày kết thúc 01/05/2026"),
        (lambda: check_target("on_time_rate", Target(90, 80, 85)), "--green-from", "ngưỡng xanh"),
    ],
)
def test_a_cli_error_keeps_its_flag_for_the_cli_and_is_vietnamese_on_a_page(action, flag, vietnamese) -> None:  # type: ignore[no-untyped-def]
    error = _raised(action)
    assert flag in str(error)
    shown = error_text(error, "vi")
    assert vietnamese in shown
    assert not FLAG.search(shown) and not FLAG.search(error_text(error, "en"))


def test_an_error_without_a_key_is_shown_as_its_sentence() -> None:
    assert error_text(IOCError("the file is empty"), "vi") == "the file is empty"


def test_a_boundary_import_run_as_a_command_shows_its_flag_free_error_on_the_page() -> None:
    """The boundaries page runs ``ioc boundaries import`` in a process of its own and reads its one-line error."""
    from ioc.boundary_jobs import StepState

    cli = (
        "xa.geojson: none of the 3 codes in field 'ma' is a commune of the province (for example 1, 2, 3); "
        "choose the code field with --code-field"
    )
    shown = error_text(StepState(running=False, error=cli).problem(), "vi")  # type: ignore[arg-type]
    assert shown.startswith("xa.geojson: không mã nào trong 3 mã của trường «ma»") and not FLAG.search(shown)
