"""``ioc collector …`` and ``ioc quarantine list|reprocess``: configure collectors, run them, read and re-process
what they rejected."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from sqlalchemy import Connection, Engine, func, select

from ioc.cli.common import FormatOption, OutputFormat, console, day_option, number, print_json, print_rows
from ioc.collecting.configure import create_collector, delete_collector, switch_collector
from ioc.collecting.mapping import map_and_reprocess
from ioc.collecting.reprocess import reprocess_quarantine
from ioc.collecting.runner import RunProgress, RunResult, StopRequest, run_collector
from ioc.collecting.status import shared_dossiers
from ioc.collecting.store import CollectorConfig, get_collector, list_collectors, parse_option_pairs
from ioc.config import load_settings
from ioc.errors import IOCError
from ioc.warehouse import schema
from ioc.warehouse.access import open_warehouse, transaction
from ioc.warehouse.audit import command_line_actor

app = typer.Typer(help="Configure and run collectors.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Records the collectors rejected, with the reasons.", no_args_is_help=True)


def _describe(config: CollectorConfig) -> dict[str, Any]:
    return {
        "name": config.name,
        "kind": config.kind,
        "url": config.url,
        "auth": config.auth,
        "secret_envs": config.secret_envs,
        "schedule": config.schedule,
        "enabled": config.enabled,
        "cursor": config.cursor,
        "options": config.options,
    }


@app.command("add")
def add(
    name: str,
    kind: Annotated[str, typer.Option(help="Kind of source, e.g. dossier-sync.")],
    url: Annotated[str | None, typer.Option(help="The source's address.")] = None,
    auth: Annotated[str, typer.Option(help="none, apikey, basic or oauth2.")] = "none",
    secret_env: Annotated[
        list[str] | None, typer.Option(help="ROLE=VARIABLE or VARIABLE: the environment variable holding a secret.")
    ] = None,
    every: Annotated[str | None, typer.Option(help="Run every 30s, 15m, 1h, 1d.")] = None,
    cron: Annotated[str | None, typer.Option(help='Run on a crontab schedule, e.g. "*/15 * * * *".')] = None,
    option: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE option of the kind (JSON values allowed).")
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it switched off.")] = False,
) -> None:
    """Add a collector. Secrets are given as environment variable names, never as values."""
    with open_warehouse(load_settings()) as engine:
        config = create_collector(
            engine,
            name,
            kind,
            url,
            auth,
            secret_env or [],
            every,
            cron,
            parse_option_pairs(option or []),
            enabled=not disabled,
        )
    console.print(f"Added collector [bold]{config.name}[/] ({config.kind}, {config.schedule})")


def _last_runs(connection: Connection) -> dict[int, Any]:
    """The latest run of each collector, one row each (the run history itself is never read whole)."""
    run = schema.CollectorRun.__table__
    latest_ids = select(func.max(run.c.id)).group_by(run.c.collector_id).scalar_subquery()
    query = select(run.c.collector_id, run.c.status, run.c.started_at).where(run.c.id.in_(latest_ids))
    return {row.collector_id: row for row in connection.execute(query)}


@app.command("list")
def list_(output: FormatOption = OutputFormat.table) -> None:
    """List the collectors with their schedules and last runs."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        configs = list_collectors(connection)
        runs = _last_runs(connection)
    rows = []
    for config in configs:
        last = runs.get(config.id)
        rows.append(
            {
                "name": config.name,
                "kind": config.kind,
                "schedule": config.schedule,
                "enabled": config.enabled,
                "last_run": f"{last.status} {last.started_at:%d/%m/%Y %H:%M}" if last else "never",
                "url": config.url,
            }
        )
    print_rows(rows, output, "Collectors")


@app.command()
def show(name: str) -> None:
    """Show a collector's configuration (secret variable names only), how many dossiers it shares with each other
    collector (counted once, in the newest version), and its recent runs."""
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        config = get_collector(connection, name)
        run = schema.CollectorRun.__table__
        columns = (run.c.id, run.c.mode, run.c.status, run.c.started_at, run.c.finished_at, run.c.pages)
        columns += (run.c.inserted, run.c.updated, run.c.unchanged, run.c.rejected, run.c.records, run.c.total)
        columns += (run.c.codes_mapped, run.c.error)
        recent = connection.execute(
            select(*columns).where(run.c.collector_id == config.id).order_by(run.c.id.desc()).limit(10)
        ).mappings()
        shared = shared_dossiers(connection, config.id).get(config.id, {})
        runs = [dict(row) for row in recent]
        print_json({**_describe(config), "shared_dossiers": shared, "recent_runs": runs})


@app.command()
def enable(name: str) -> None:
    """Switch a collector on: the scheduler runs it."""
    with open_warehouse(load_settings()) as engine:
        switch_collector(engine, name, True)
    console.print(f"Enabled {name}")


@app.command()
def disable(name: str) -> None:
    """Switch a collector off: the scheduler leaves it alone."""
    with open_warehouse(load_settings()) as engine:
        switch_collector(engine, name, False)
    console.print(f"Disabled {name}")


@app.command()
def remove(
    name: str, purge: Annotated[bool, typer.Option("--purge", help="Also delete the dossiers it loaded.")] = False
) -> None:
    """Remove a collector with its runs and quarantine."""
    with open_warehouse(load_settings()) as engine:
        purged = delete_collector(engine, name, purge)
    removed = f" and its {purged.removed} dossiers" if purged.removed else ""
    handed = ""
    if purged.handed_over:
        handed = f" ({purged.handed_over} of them still counted from another collector's rows)"
    console.print(f"Removed {name}{removed}{handed}")


@contextmanager
def _stop_on_signals(stop: threading.Event | None = None) -> Iterator[threading.Event]:
    """SIGTERM and a first Ctrl-C ask the run to stop after the page in flight (abandoned if it does not come within
    a few seconds); a second Ctrl-C aborts."""
    stop = stop if stop is not None else StopRequest()

    def request_stop(signum: int, _frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        if isinstance(stop, StopRequest):
            stop.reason = signal.Signals(signum).name
        stop.set()
        console.print("[yellow]Stopping after the page in flight…[/]")

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _CountsColumn(ProgressColumn):
    """Pages, records and records a second, in the one number format of the command's output (``1.234``)."""

    def render(self, task: Task) -> Text:
        pages, rate = task.fields["pages"], task.fields["rate"]
        return Text(f"{number(pages)} pages · {number(task.completed)} records · {number(rate)}/s")


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        _CountsColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def run_with_progress(
    engine: Engine,
    name: str,
    province: str,
    since: date | None = None,
    until: date | None = None,
    *,
    quiet: bool = False,
    stop: threading.Event | None = None,
    after_page: Callable[[RunProgress], None] | None = None,
) -> RunResult:
    """Run collector ``name`` in this process with a progress bar (``ioc collector run``, ``ioc demo``).

    SIGTERM or a first Ctrl-C sets ``stop`` (a new event if none is given): the run ends after the page in flight.
    ``after_page`` is called after each committed page; it may set ``stop`` too.
    The bar is drawn from the first page on, so a run refused before it starts (no such collector, a bad window,
    a run in progress) is one line of error with no bar before it; its clock starts with the run all the same.
    """
    bar = _progress_bar()
    task = bar.add_task(name, total=None, pages=0, rate=0.0, visible=not quiet)
    with _stop_on_signals(stop) as stop_event:

        def on_page(progress: RunProgress) -> None:
            if not bar.live.is_started:
                bar.start()
            rate = progress.records / progress.elapsed if progress.elapsed else 0.0
            bar.update(task, completed=progress.records, total=progress.expected, pages=progress.pages, rate=rate)
            if after_page is not None:
                after_page(progress)

        try:
            return run_collector(engine, name, province, since, until, on_page=on_page, stop=stop_event)
        finally:
            if bar.live.is_started:
                bar.stop()


@app.command()
def run(
    name: str,
    since: Annotated[date | None, day_option("--since", help="Backfill from this day:")] = None,
    until: Annotated[date | None, day_option("--until", help="Backfill up to this day, included:")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Run a collector now: incrementally from its cursor, or a backfill when --since and --until are given."""
    settings = load_settings()
    with open_warehouse(settings) as engine:
        result = run_with_progress(
            engine,
            name,
            settings.province,
            since,
            until,
            quiet=quiet,
        )
    report_run(name, result)


def report_run(name: str, result: RunResult) -> None:
    """One line on how a run ended; a failed run is an error."""
    progress = result.progress
    console.print(
        f"Run {result.run_id} of {name}: [bold]{result.status}[/] in {number(progress.elapsed, 1)} s — "
        f"{number(progress.pages)} pages, {number(progress.inserted)} inserted, {number(progress.updated)} updated, "
        f"{number(progress.unchanged)} unchanged, {number(progress.rejected)} rejected"
        + (f", {number(progress.codes_mapped)} unit codes mapped from draft codes" if progress.codes_mapped else "")
    )
    if result.status == "failed":
        raise IOCError(f"run {result.run_id} of {name} failed: {result.error}")


@app.command("map-name")
def map_name_command(
    name: str,
    portal_name: Annotated[str, typer.Option("--portal-name", help="The source's name for the unit, as it wrote it.")],
    unit: Annotated[str, typer.Option(help="Official code of the commune, or of the province for an agency.")],
    agency: Annotated[str, typer.Option(help="The agency's code (for a provincial agency).")] = "",
) -> None:
    """Map a source's unit name that matched nothing; its records waiting in quarantine then load."""
    settings = load_settings()
    with open_warehouse(settings) as engine:
        done = map_and_reprocess(engine, name, portal_name, unit, agency, settings.province, actor=command_line_actor())
    result = done.reprocessed
    console.print(
        f"Mapped {done.name!r} of {name} to unit {unit}{f', agency {agency}' if agency else ''}; "
        f"re-processed the quarantine: {result.loaded} loaded, {result.still_rejected} still rejected"
    )


@quarantine_app.command("list")
def quarantine_list(
    collector: Annotated[str | None, typer.Option(help="Only this collector's rejections.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List rejected records with their reasons."""
    table = schema.Quarantine.__table__
    collectors = schema.Collector.__table__
    query = (
        select(collectors.c.name.label("collector"), table.c.source_key, table.c.reason, table.c.quarantined_at)
        .join(collectors, collectors.c.id == table.c.collector_id)
        .order_by(table.c.id.desc())
        .limit(limit)
    )
    if output is OutputFormat.json:
        query = query.add_columns(table.c.raw)
    with open_warehouse(load_settings()) as engine, transaction(engine) as connection:
        if collector is not None:
            query = query.where(collectors.c.id == get_collector(connection, collector).id)
        rows = [dict(row) for row in connection.execute(query).mappings()]
    print_rows(rows, output, "Quarantine")


def _record_ids(values: list[str]) -> list[int]:
    """``--ids 3 --ids 5,8`` → [3, 5, 8]."""
    ids = []
    for value in values:
        for part in filter(None, (p.strip() for p in value.split(","))):
            if not part.isdigit():
                raise IOCError(f"--ids {value!r}: give record ids (numbers), separated by commas")
            ids.append(int(part))
    return ids


@quarantine_app.command("reprocess")
def quarantine_reprocess(
    collector: str,
    ids: Annotated[
        list[str] | None, typer.Option("--ids", help="Only these records (ids, comma-separated or repeated).")
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Parse a collector's rejected records again with its current configuration; load those that now pass."""
    settings = load_settings()
    with open_warehouse(settings) as engine:
        result = reprocess_quarantine(
            engine,
            collector,
            settings.province,
            _record_ids(ids) if ids else None,
            actor=command_line_actor(),
        )
    if output is OutputFormat.json:
        print_json({key: getattr(result, key) for key in type(result).__dataclass_fields__})
        return
    console.print(
        f"Re-processed {result.examined} records of {collector}: {result.loaded} loaded ({result.inserted} inserted, "
        f"{result.updated} updated, {result.unchanged} unchanged), {result.still_rejected} still rejected"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(quarantine_app, name="quarantine")
