"""Writers side by side: sign-ins, wall-screens and the loader never fail because another writer is busy.

On SQLite a transaction that reads and then writes must upgrade its lock; if it began deferred and another
connection is writing (or committed since its first read), SQLite answers "database is locked" at once, without
waiting for the busy timeout. Each test holds or keeps committing a write in another connection while the app's
own transactions run, and asserts they all succeed. The same tests run on PostgreSQL, where nothing changes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, update

from ioc import auth, tokens
from ioc.collecting.store import add_collector
from ioc.config import load_settings, now_local
from ioc.initialise import initialise
from ioc.records import DossierRecord
from ioc.warehouse import audit, schema
from ioc.warehouse.access import transaction
from ioc.warehouse.engine import make_engine
from ioc.warehouse.load import load_page
from layouts import security
from tests.test_loader import dossier as loader_dossier

PASSWORD = "a-long-enough-password"
#: How long the other writer keeps its transaction open: longer than a sign-in's password check (about 0.15 s).
HOLD_SECONDS = 0.6


@pytest.fixture
def warehouse(warehouse_env: dict[str, str]) -> Iterator[tuple[Engine, int]]:
    initialise(load_settings())
    engine = make_engine(warehouse_env["IOC_DATABASE_URL"])
    with engine.begin() as connection:
        collector_id = add_collector(connection, "test", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        auth.add_user(connection, "analyst", "analyst", PASSWORD, "test", now_local())
    yield engine, collector_id
    engine.dispose()


def dossier(key: str, received: datetime) -> DossierRecord:
    """The loader tests' dossier, received (and updated) at ``received``, due four days later, in progress."""
    return loader_dossier(key, status=2, updated=received, received_at=received, due_at=received + timedelta(days=4))


def page(number: int, size: int = 200) -> list[DossierRecord]:
    start = datetime(2025, 3, 1, 8, 0) + timedelta(days=number % 300)
    return [dossier(f"p{number}-{i}", start + timedelta(minutes=i)) for i in range(size)]


def load_one_page(engine: Engine, collector_id: int, number: int) -> None:
    """What the runner does with a page: records and cursor in one transaction."""
    with transaction(engine) as connection:
        load_page(connection, collector_id, None, page(number), [], now_local())


def sign_in(engine: Engine, password: str = PASSWORD) -> auth.Attempt:
    """What the sign-in form does (layouts.security)."""
    with engine.begin() as connection:
        return auth.sign_in(connection, "analyst", password, "127.0.0.1", now_local())


class HeldWrite:
    """Another connection that has written and keeps its transaction open for ``seconds``, then commits."""

    def __init__(self, engine: Engine, seconds: float = HOLD_SECONDS) -> None:
        self.engine, self.seconds = engine, seconds
        self.writing = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        with self.engine.begin() as connection:
            audit.record(connection, "other-writer", "test.hold", None, now_local(), source_ip="local")
            self.writing.set()
            time.sleep(self.seconds)

    def __enter__(self) -> HeldWrite:
        self.thread.start()
        assert self.writing.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.thread.join(10)


def test_a_sign_in_waits_for_another_writer_instead_of_failing(warehouse) -> None:
    engine, _ = warehouse
    with HeldWrite(engine):
        attempt = sign_in(engine)
    assert attempt.user is not None and attempt.user.username == "analyst"
    with engine.connect() as connection:
        actions = connection.execute(select(schema.AuditLog.action).order_by(schema.AuditLog.id)).scalars().all()
    assert actions[-2:] == ["test.hold", "login.success"]


def test_a_loader_page_waits_for_another_writer_instead_of_failing(warehouse) -> None:
    engine, collector_id = warehouse
    with HeldWrite(engine):
        load_one_page(engine, collector_id, 0)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(schema.Dossier)).scalar_one() == 200


def _display_token(engine: Engine, name: str, last_used_at: datetime | None) -> int:
    with engine.begin() as connection:
        tokens.create(connection, tokens.DISPLAY, name, "test", now_local())
        table = tokens.DISPLAY.table
        connection.execute(update(table).where(table.c.name == name).values(last_used_at=last_used_at))
        return connection.execute(select(table.c.id).where(table.c.name == name)).scalar_one()


def test_a_wall_screen_whose_last_use_is_due_is_let_in_while_another_writer_is_busy(warehouse) -> None:
    engine, _ = warehouse
    token_id = _display_token(engine, "wall-1", now_local() - timedelta(hours=1))
    with HeldWrite(engine):
        user = security._load(engine, f"d:{token_id}")
    assert user is not None and user.name == "display:wall-1"
    with engine.connect() as connection:
        seen = connection.execute(select(tokens.DISPLAY.table.c.last_used_at)).scalar_one()
    assert now_local() - seen < timedelta(minutes=1)


def test_a_wall_screen_not_due_for_a_last_use_note_is_not_held_up_by_a_writer(warehouse) -> None:
    engine, _ = warehouse
    token_id = _display_token(engine, "wall-1", now_local())
    with HeldWrite(engine, seconds=3.0):
        started = time.monotonic()
        user = security._load(engine, f"d:{token_id}")
        waited = time.monotonic() - started
    assert user is not None
    assert waited < 2.0  # a read: it never queues behind the writer (which holds on for 3 s)


def test_a_read_is_not_held_up_by_a_writer_and_a_write_after_it_still_waits(warehouse) -> None:
    engine, _ = warehouse
    with HeldWrite(engine, seconds=3.0):
        started = time.monotonic()
        with engine.connect() as connection:  # the same pooled connection serves the write below
            assert connection.execute(select(func.count()).select_from(schema.AuditLog)).scalar_one() >= 1
        assert time.monotonic() - started < 2.0
        assert sign_in(engine).user is not None  # begun IMMEDIATE: waits for the writer, then succeeds


def _run_until(stop: threading.Event, errors: list[str], work: Callable[[int], None]) -> Callable[[], None]:
    def loop() -> None:
        number = 0
        while not stop.is_set():
            try:
                work(number)
            except Exception as error:  # every failure is counted, none stops the others
                errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
            number += 1

    return loop


def test_sign_ins_and_wall_screens_beside_a_backfill_all_succeed(warehouse) -> None:
    """A loader committing pages continuously; sign-ins (right and wrong passwords), wall-screens opening their
    display link and being checked at each request: no error at all."""
    engine, collector_id = warehouse
    walls = [_display_token(engine, f"wall-{i}", None) for i in range(30)]
    stop, errors = threading.Event(), []
    pages: list[int] = []
    sign_ins: list[auth.Attempt] = []

    def load(number: int) -> None:
        load_one_page(engine, collector_id, number)
        pages.append(number)

    def signing(number: int) -> None:
        sign_ins.append(sign_in(engine, PASSWORD if number % 3 else "wrong-password-here"))

    def wall(number: int) -> None:
        token_id = walls[number % len(walls)]
        if security._load(engine, f"d:{token_id}") is None:
            errors.append(f"wall {token_id} was refused")

    def opening(number: int) -> None:
        now = now_local()
        with engine.begin() as connection:  # what GET /display does
            assert tokens.authenticate(connection, tokens.DISPLAY, "iocd_not-a-token", now) is None
            audit.record(connection, "display", "display.refused", None, now, source_ip="127.0.0.1")

    threads = [threading.Thread(target=_run_until(stop, errors, load), daemon=True)]
    threads += [threading.Thread(target=_run_until(stop, errors, signing), daemon=True) for _ in range(2)]
    threads += [threading.Thread(target=_run_until(stop, errors, wall), daemon=True) for _ in range(3)]
    threads += [threading.Thread(target=_run_until(stop, errors, opening), daemon=True)]
    for thread in threads:
        thread.start()
    time.sleep(3.0)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(pages) >= 3 and len(sign_ins) >= 4
    assert {attempt.user is not None for attempt in sign_ins} == {True, False}
