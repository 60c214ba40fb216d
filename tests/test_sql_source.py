"""The ``sql`` kind against real source databases (an SQLite file and a database of its own on the CI's PostgreSQL),
into SQLite and PostgreSQL warehouses: rows loaded by column mapping, the cursor read back, the source never written,
a query error failing the run with the database's message and loading nothing, bad rows quarantined."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from ioc.collecting.reprocess import reprocess_quarantine
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.indicators.model import Indicator
from ioc.indicators.registry import add_indicator
from ioc.reasons import in_vietnamese
from ioc.warehouse import schema

VALUE = schema.IndicatorValue.__table__
ENV = "VENDOR_PAYMENTS_URL"
FIELDS = {
    "indicator": "indicator",
    "unit": "unit_code",
    "period": "month",
    "value": "amount",
    "numerator": "numerator",
    "denominator": "denominator",
    "updated_at": "updated_at",
}
COMMUNE = "19753"
#: The vendor's query, written for its own database (a PostgreSQL parameter needs its type where it is compared).
QUERIES = {
    "sqlite": "SELECT * FROM payments WHERE :cursor IS NULL OR updated_at >= :cursor ORDER BY updated_at",
    "postgresql": "SELECT * FROM payments WHERE updated_at >= COALESCE(CAST(:cursor AS timestamp), '-infinity') "
    "ORDER BY updated_at",
}


class SourceDatabase:
    """A source database with a ``payments`` table, on one engine."""

    def __init__(self, engine_name: str, url: str) -> None:
        self.engine_name = engine_name
        self.url = url
        self.engine = create_engine(make_url(url).set(drivername="postgresql+psycopg") if "postgres" in url else url)
        timestamp = "TIMESTAMP" if engine_name == "postgresql" else "TEXT"
        with self.engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TABLE payments (unit_code VARCHAR(16), month VARCHAR(10), indicator VARCHAR(64), "
                    f"amount NUMERIC(18, 2), numerator INTEGER, denominator INTEGER, updated_at {timestamp})"
                )
            )

    def insert(self, *rows: tuple) -> None:
        columns = ("unit_code", "month", "indicator", "amount", "numerator", "denominator", "updated_at")
        with self.engine.begin() as connection:
            connection.execute(
                text(f"INSERT INTO payments ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"),
                [dict(zip(columns, row, strict=True)) for row in rows],
            )

    def rows(self) -> list[tuple]:
        with self.engine.connect() as connection:
            return sorted(map(tuple, connection.execute(text("SELECT * FROM payments"))))


@pytest.fixture(params=["sqlite", "postgresql"])
def source_db(request, tmp_path: Path, monkeypatch) -> Iterator[SourceDatabase]:
    """A vendor database on SQLite or on a PostgreSQL database of its own, its URL in ``$VENDOR_PAYMENTS_URL``."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'vendor.db'}"
        database = SourceDatabase("sqlite", url)
        monkeypatch.setenv(ENV, url)
        yield database
        database.engine.dispose()
        return
    admin_url = make_url(request.getfixturevalue("postgres_admin_url")).set(drivername="postgresql+psycopg")
    name = f"vendor_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    database = SourceDatabase("postgresql", url)
    monkeypatch.setenv(ENV, url.replace("postgresql+psycopg", "postgresql"))
    try:
        yield database
    finally:
        database.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add(engine, name: str = "payments", **options):
    with engine.begin() as connection:
        return add_collector(connection, name, "sql", None, options={"url_env": ENV, "fields": FIELDS, **options})


def stored(engine) -> dict[str, tuple]:
    query = select(VALUE.c.value_key, VALUE.c.value, VALUE.c.numerator, VALUE.c.denominator)
    with engine.connect() as connection:
        return {key: (value, n, d) for key, value, n, d in connection.execute(query)}


def quarantined(engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(schema.Quarantine.reason)).scalars())


def value_count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(VALUE)).scalar_one()


def test_rows_load_by_column_name_and_the_next_run_starts_from_the_cursor(warehouse, source_db):
    source_db.insert(
        (COMMUNE, "2026-03", "cashless_transactions", 1200, None, None, "2026-04-01 08:00:00"),
        (COMMUNE, "2026-03", "cashless_value", 3456.75, None, None, "2026-04-01 08:00:00"),
        (COMMUNE, "2026-03", "cashless_rate", None, 800, 1000, "2026-04-02 09:00:00"),
        ("46", "2026-03", "cashless_rate", None, 30000, 41000, "2026-04-02 09:00:00"),
    )
    add(warehouse, query=QUERIES[source_db.engine_name], page_size=3)
    first = run_collector(warehouse, "payments", "46")
    assert first.status == "succeeded", first.error
    assert first.progress.inserted == 4 and first.progress.pages == 2
    assert stored(warehouse) == {
        f"cashless_transactions|{COMMUNE}||2026-03": (1200.0, None, None),
        f"cashless_value|{COMMUNE}||2026-03": (3456.75, None, None),
        f"cashless_rate|{COMMUNE}||2026-03": (None, 800.0, 1000.0),
        "cashless_rate|46||2026-03": (None, 30000.0, 41000.0),
    }
    source_db.insert((COMMUNE, "2026-04", "cashless_transactions", 300, None, None, "2026-04-20 10:00:00"))
    second = run_collector(warehouse, "payments", "46")
    assert second.status == "succeeded", second.error
    # read from the cursor on: the two rows at its time again (unchanged), and the new one
    assert (second.progress.records, second.progress.inserted, second.progress.unchanged) == (3, 1, 2)
    assert len(stored(warehouse)) == 5


def test_a_query_error_fails_the_run_with_the_databases_message_on_one_line_and_loads_nothing(warehouse, source_db):
    add(warehouse, query="SELECT * FROM no_such_table WHERE updated_at >= :cursor")
    result = run_collector(warehouse, "payments", "46")
    assert result.status == "failed"
    message = {"sqlite": "no such table: no_such_table", "postgresql": 'relation "no_such_table" does not exist'}
    assert result.error.startswith(f"the query failed: {message[source_db.engine_name]}")
    assert "\n" not in result.error and "[SQL" not in result.error and source_db.url not in result.error
    assert value_count(warehouse) == 0


def test_the_source_is_opened_read_only(warehouse, source_db):
    source_db.insert((COMMUNE, "2026-03", "cashless_transactions", 1200, None, None, "2026-04-01 08:00:00"))
    before = source_db.rows()
    writes = {  # PostgreSQL reads through a server-side cursor, which takes no UPDATE: a writing function then
        "sqlite": "UPDATE payments SET amount = 0 WHERE :cursor IS NULL OR true RETURNING *",
        "postgresql": "SELECT nextval('vendor_sequence') AS n, CAST(:cursor AS text) AS c",
    }
    if source_db.engine_name == "postgresql":
        with source_db.engine.begin() as connection:
            connection.execute(text("CREATE SEQUENCE vendor_sequence"))
    add(warehouse, query=writes[source_db.engine_name])
    result = run_collector(warehouse, "payments", "46")
    assert result.status == "failed"
    message = {
        "sqlite": "attempt to write a readonly database",
        "postgresql": "cannot execute nextval() in a read-only transaction",
    }
    assert message[source_db.engine_name] in result.error
    assert source_db.rows() == before and value_count(warehouse) == 0


def test_a_query_past_its_statement_timeout_is_stopped(warehouse, source_db):
    slow = {
        "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT count(*) AS c FROM n WHERE :cursor IS NULL",
        "postgresql": "SELECT pg_sleep(10), CAST(:cursor AS text) AS c",
    }
    add(warehouse, query=slow[source_db.engine_name], statement_timeout_seconds=0.5)
    result = run_collector(warehouse, "payments", "46")
    assert result.status == "failed"
    message = {"sqlite": "interrupted", "postgresql": "canceling statement due to statement timeout"}
    assert message[source_db.engine_name] in result.error


def test_bad_rows_are_quarantined_with_their_row_field_and_value_in_english_and_vietnamese(warehouse, source_db):
    at = "2026-04-01 08:00:00"
    source_db.insert(
        (COMMUNE, "2026-03", "cashless_transactions", 10, None, None, at),
        ("99999", "2026-03", "cashless_transactions", 10, None, None, at),
        (COMMUNE, "03/2026", "cashless_transactions", 10, None, None, at),
        (COMMUNE, "2026-03", "cashless_transactions", -4, None, None, at),
        (COMMUNE, "2026-03", "cashless_rate", None, 12, 10, at),
        (COMMUNE, "2026-03", "no_such_indicator", 1, None, None, at),
    )
    add(warehouse, query=QUERIES[source_db.engine_name] + ", month, unit_code, amount")
    result = run_collector(warehouse, "payments", "46")
    assert result.status == "succeeded", result.error
    assert result.progress.inserted == 1 and result.progress.rejected == 5
    reasons = quarantined(warehouse)
    for fragment in (
        "unit '99999' is not province 46",
        "period '03/2026' is not a period",
        "cashless_transactions is a count: -4 is not a whole number",
        "cashless_rate: numerator 12 is above denominator 10",
        "indicator 'no_such_indicator' is not registered",
    ):
        assert any(r.startswith("row ") and fragment in r for r in reasons), (fragment, reasons)
    for reason in reasons:
        _, _, why = reason.partition(": ")
        assert in_vietnamese(why) != why and in_vietnamese(reason).startswith("Dòng ")


def test_a_missing_or_unreadable_url_fails_the_run_without_showing_it(warehouse, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    add(warehouse, query="SELECT 1 WHERE :cursor IS NULL")
    result = run_collector(warehouse, "payments", "46")
    assert result.status == "failed" and result.error == (
        f"environment variable {ENV} is not set: it must hold the database's SQLAlchemy URL"
    )
    monkeypatch.setenv(ENV, "postgresql://vendor:s3cret-pass@127.0.0.1:1/x?sslmode=disable")
    refused = run_collector(warehouse, "payments", "46")
    assert refused.status == "failed" and "the query failed" in refused.error
    assert "s3cret-pass" not in refused.error
    monkeypatch.setenv(ENV, "not a url s3cret-pass")
    unreadable = run_collector(warehouse, "payments", "46")
    assert unreadable.error == f"environment variable {ENV} does not hold a SQLAlchemy URL"


def test_a_row_of_an_unregistered_indicator_loads_on_reprocessing_once_it_is_registered(
    warehouse, source_db, monkeypatch
):
    source_db.insert((COMMUNE, "2026-03", "cashless_refunds", 7, None, None, "2026-04-01 08:00:00"))
    add(warehouse, query=QUERIES[source_db.engine_name])
    result = run_collector(warehouse, "payments", "46")
    assert result.progress.rejected == 1
    indicator = Indicator("cashless_refunds", "Hoàn tiền", "Refunds", "giao dịch", "count")
    with warehouse.begin() as connection:
        add_indicator(connection, indicator, "test", datetime(2026, 4, 2))
    monkeypatch.delenv(ENV)  # re-processing parses only: it needs no database (the variable may be set elsewhere)
    again = reprocess_quarantine(warehouse, "payments", "46", actor="test")
    assert (again.examined, again.loaded, again.inserted) == (1, 1, 1)
    assert stored(warehouse) == {f"cashless_refunds|{COMMUNE}||2026-03": (7.0, None, None)}
