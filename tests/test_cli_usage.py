"""The `ioc` command as a newcomer meets it: a wrong flag, a missing argument or a bad date is one line on stderr;
``--help`` stays full; every date option takes dd/mm/yyyy as well as YYYY-MM-DD; ``collector run`` refuses an
unknown collector before drawing anything; tables fit 80 columns with every number whole and names beside codes, in
the one Vietnamese number format (``1.234,5``), while JSON and CSV stay unformatted."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from ioc.collecting.store import add_collector
from ioc.warehouse.engine import make_engine
from ioc.warehouse.load import load_page
from tests.helpers import run_ioc
from tests.test_cli import assert_one_line_error
from tests.test_kpi_query import EDGE_CASES, NOW

#: The characters rich draws progress bars with.
BAR_CHARACTERS = ("━", "╸", "╺")
LONG_NAME = "edge-collector-with-a-rather-long-name"
LONG_URL = "http://127.0.0.1:9/api/hoso/with/a/rather/long/path?and=a-query-string-too"
NARROW = {"COLUMNS": "80"}


@pytest.fixture(scope="module")
def edge_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An SQLite warehouse (province 46) holding the KPI edge cases, shared by this module's read-only commands."""
    folder: Path = tmp_path_factory.mktemp("cli-usage")
    env = {"IOC_DATA_DIR": str(folder / "data"), "IOC_DATABASE_URL": f"sqlite:///{folder / 'ioc.db'}"}
    assert run_ioc("init", env=env).returncode == 0
    engine = make_engine(env["IOC_DATABASE_URL"])
    with engine.begin() as connection:
        collector_id = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, EDGE_CASES, [], NOW)
        add_collector(connection, LONG_NAME, "dossier-sync", LONG_URL)
    engine.dispose()
    return env


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("kpi", "--frm", "2026-01-01"), ("No such option: --frm", "ioc kpi --help")),
        (("collector", "run"), ("Missing argument", "ioc collector run --help")),
        (("collector", "list", "--format", "xml"), ("'xml'", "ioc collector list --help")),
        (("nosuch",), ("No such command 'nosuch'", "ioc --help")),
        (("kpi", "--from", "2026-01-01", "--to", "2026-01-31", "--compare"), ("--compare needs --format json",)),
    ],
)
def test_a_usage_error_is_one_line_on_stderr(ioc_env, args, fragments):
    result = run_ioc(*args, env=ioc_env)
    assert_one_line_error(result, *fragments)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "╭" not in result.stderr and "Usage:" not in result.stderr


def test_help_stays_full_and_names_the_command_ioc(ioc_env):
    result = run_ioc("kpi", "--help", env=ioc_env)
    assert result.returncode == 0, result.stderr
    assert "Usage: ioc kpi [OPTIONS]" in result.stdout
    for option in ("--from", "--to", "--by", "--unit", "--format", "--compare"):
        assert option in result.stdout
    assert len(result.stdout.splitlines()) > 15


def test_the_shared_day_parser_takes_both_forms_and_nothing_else():
    from ioc.cli.common import parse_day

    assert parse_day("01/10/2026") == date(2026, 10, 1)
    assert parse_day("1/10/2026") == date(2026, 10, 1)
    assert parse_day("2026-10-01") == date(2026, 10, 1)
    for text in ("2026/10/01", "32/01/2026", "29/02/2025", "2026-1-1", "01-10-2026", "٠١/١٠/٢٠٢٦", "", "today"):
        with pytest.raises(ValueError, match="dd/mm/yyyy"):
            parse_day(text)


@pytest.mark.parametrize(
    "args",
    [
        ("kpi", "--from", "32/13/2026", "--to", "2026-10-31"),
        ("risk", "--date", "10-01-2026"),
        ("collector", "run", "sim", "--since", "2026-10-01", "--until", "31/9/2026"),
    ],
)
def test_a_bad_date_is_one_line_naming_both_forms(ioc_env, args):
    result = run_ioc(*args, env=ioc_env)
    assert_one_line_error(result, "dd/mm/yyyy", "YYYY-MM-DD")
    assert result.returncode == 2


def test_every_date_option_of_every_command_reads_through_the_shared_parser():
    import typing
    from datetime import datetime

    import typer.main

    from ioc.cli import app
    from ioc.cli.common import day_option

    shared = day_option("--x", help="").parser

    def commands(command, path):  # type: ignore[no-untyped-def]
        for name, sub in getattr(command, "commands", {}).items():
            yield from commands(sub, f"{path} {name}")
        if getattr(command, "callback", None) is not None:
            yield path, command.callback

    days = set()
    for path, callback in commands(typer.main.get_command(app), "ioc"):
        for name, hint in typing.get_type_hints(callback, include_extras=True).items():
            kind, *extras = typing.get_args(hint) or (hint,)
            if {kind, *typing.get_args(kind)} & {date, datetime}:
                (option,) = extras
                assert option.parser is shared, f"{path} {name}: a date outside the shared parser"
                days.add(f"{path} {name}")
    assert {"ioc kpi first", "ioc kpi last", "ioc risk day", "ioc brief day", "ioc index766 first"} <= days
    assert {"ioc indicator values last", "ioc collector run since", "ioc collector run until"} <= days


def test_every_date_option_takes_dd_mm_yyyy(edge_env):
    iso = run_ioc("kpi", "--from", "2025-03-01", "--to", "2025-03-31", "--format", "json", env=edge_env)
    vietnamese = run_ioc("kpi", "--from", "01/03/2025", "--to", "31/3/2025", "--format", "json", env=edge_env)
    assert vietnamese.returncode == 0, vietnamese.stderr
    assert json.loads(vietnamese.stdout) == json.loads(iso.stdout) != []
    risk = run_ioc("risk", "--date", "01/06/2025", "--format", "json", env=edge_env)
    assert risk.returncode == 0, risk.stderr
    # the dates are read before the collector is looked up: the error is about the name, not the dates
    run = run_ioc("collector", "run", "nosuch", "--since", "01/03/2025", "--until", "31/03/2025", env=edge_env)
    assert_one_line_error(run, "no collector named 'nosuch'")


def test_running_an_unknown_collector_refuses_before_drawing_a_progress_bar(edge_env):
    result = run_ioc("collector", "run", "nosuch", env=edge_env)
    assert_one_line_error(result, "no collector named 'nosuch'")
    assert result.stdout == ""
    assert not any(character in result.stderr + result.stdout for character in BAR_CHARACTERS)


def cells(output: str) -> list[list[str]]:
    """The body lines of the rich tables in ``output``, each as its stripped cells."""
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines() if line.startswith("│")]


def column_text(output: str, index: int) -> str:
    """Column ``index`` of the table bodies in ``output``, its folded pieces joined, without spaces."""
    return "".join("".join(row[index].split()) for row in cells(output) if len(row) > index)


def assert_fits(output: str) -> None:
    assert output.strip()
    assert "…" not in output
    assert max(len(line) for line in output.splitlines()) <= 80


def test_kpi_tables_fit_80_columns_with_every_number_whole_and_names_beside_codes(edge_env):
    env = edge_env | NARROW
    period = ("--from", "2025-03-01", "--to", "2025-03-31")
    (row,) = json.loads(run_ioc("kpi", *period, "--format", "json", env=env).stdout)
    plain = run_ioc("kpi", *period, env=env)
    assert plain.returncode == 0, plain.stderr
    assert_fits(plain.stdout)
    shown = [cell for line in cells(plain.stdout) for cell in line]
    assert "Tỷ lệ giải quyết đúng hạn (%)" in shown and "66,67" in shown and "12,50" in shown
    assert {"8", "3", "2", "1", "50,00"} <= set(shown)
    by_unit = run_ioc("kpi", *period, "--by", "unit", env=env)
    assert by_unit.returncode == 0, by_unit.stderr
    assert_fits(by_unit.stdout)
    assert "19753" in column_text(by_unit.stdout, 0)
    assert "PhườngPhúXuân" in column_text(by_unit.stdout, 1)  # the unit's name beside its code
    body = {cell for line in cells(by_unit.stdout) for cell in line}
    assert {"8", "1", "12,50", "3", "66,67", "50,00"} <= body
    assert row["on_time_rate"] == 66.67  # the JSON stays unformatted


def test_collector_list_fits_80_columns_without_cutting_names_or_addresses(edge_env):
    listed = run_ioc("collector", "list", env=edge_env | NARROW)
    assert listed.returncode == 0, listed.stderr
    assert_fits(listed.stdout)
    assert LONG_NAME in column_text(listed.stdout, 0)
    assert LONG_URL in column_text(listed.stdout, 5)


def test_csv_stays_unformatted(edge_env):
    result = run_ioc("kpi", "--from", "2025-03-01", "--to", "2025-03-31", "--format", "csv", env=edge_env)
    assert result.returncode == 0, result.stderr
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert (row["on_time_rate"], row["received"]) == ("66.67", "8")


@pytest.fixture
def narrow_console(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What the command prints, on a console 80 columns wide."""
    from ioc.cli import collector, common

    written = io.StringIO()
    narrow = Console(file=written, width=80, color_system=None)
    monkeypatch.setattr(common, "console", narrow)
    monkeypatch.setattr(collector, "console", narrow)
    return written


def test_big_numbers_are_whole_and_vietnamese_in_every_table(narrow_console):
    from ioc.cli.kpi import print_kpi_table

    rows = [
        {"unit": "19753", "received": 328500, "resolved": 326941, "on_time_rate": 99.53, "pending": 1287},
        {"unit": "46", "received": 1234567, "resolved": 1, "on_time_rate": None, "pending": 0},
    ]
    print_kpi_table(rows, "Chỉ số", {"19753": "Phường Phú Xuân", "46": "Thành phố Huế"})
    output = narrow_console.getvalue()
    assert_fits(output)
    body = {cell for line in cells(output) for cell in line}
    assert {"328.500", "326.941", "99,53", "1.287", "1.234.567", "–"} <= body
    assert "328,500" not in output and "326941" not in output


def test_a_run_reports_its_counts_in_the_one_number_format(narrow_console):
    from ioc.cli.collector import report_run
    from ioc.collecting.runner import RunProgress, RunResult

    progress = RunProgress(run_id=7, mode="backfill", pages=329, records=328500, inserted=326941, updated=1287)
    report_run("demo-dossiers", RunResult(7, "success", progress))
    line = " ".join(narrow_console.getvalue().split())
    assert "329 pages, 326.941 inserted, 1.287 updated, 0 unchanged, 0 rejected" in line
