"""A hostile or broken source cannot stop a collector or exhaust the machine: real HTTP from a hostile loopback server
(tests/hostile_source.py) into SQLite and PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta

import pytest
from hostile_source import Reply, hostile_source, keyset_page, page_body, record
from sqlalchemy import func, select

from helpers import start_ioc
from ioc.collecting.runner import RunResult, run_collector
from ioc.collecting.store import add_collector
from ioc.config import now_local
from ioc.warehouse import schema

FAST = {"backoff_initial_seconds": 0.01, "backoff_max_seconds": 0.02, "max_attempts": 2}
RUN = schema.CollectorRun.__table__


def add(engine, url: str, **options) -> None:
    with engine.begin() as connection:
        add_collector(connection, "hostile", "dossier-sync", url, "none", [], options=options)


def run_bounded(engine, seconds: float = 30, **kwargs) -> RunResult:
    """Run the collector in a thread; a run still going after ``seconds`` is a failure of the test."""
    outcome: list[RunResult | BaseException] = []

    def target() -> None:
        try:
            outcome.append(run_collector(engine, "hostile", "46", **kwargs))
        except BaseException as error:  # handed to the test below
            outcome.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"the run was still going after {seconds} s"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def dossier_keys(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(schema.Dossier.source_key)).scalars())


def quarantined(engine) -> list[tuple[str, str]]:
    """(reason, raw) of every quarantined record."""
    quarantine = schema.Quarantine.__table__
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(quarantine.c.reason, quarantine.c.raw))]


def cursor(engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(schema.Collector.cursor)).scalar_one()


def run_row(engine, run_id: int):
    with engine.connect() as connection:
        return connection.execute(select(RUN).where(RUN.c.id == run_id)).one()


def _digits(text: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(c)) for c in text)


# A poisoned update time ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "poison",
    [
        "99991231235959",
        _digits("20250302100000", "\uff10"),  # full-width digits
        _digits("20250302100000", "\u0660"),  # Arabic-Indic digits
    ],
    ids=["year-9999", "full-width", "arabic-indic"],
)
def test_a_poisoned_update_time_is_quarantined_and_never_becomes_the_cursor(warehouse, poison):
    records = [record(f"H{i}", f"2025030108000{i}") for i in range(3)] + [record("POISON", poison)]
    # The source honours tu_ngay but not den_ngay, so the poisoned record is served on every request.
    with hostile_source(lambda params: Reply(keyset_page(records, params, honour_to=False))) as source:
        add(warehouse, source.url, page_size=50)
        first = run_bounded(warehouse)
        records.extend([record("LATER-1", "20250302090000"), record("LATER-2", "20250302090001")])
        second = run_bounded(warehouse)
    assert (first.status, second.status) == ("succeeded", "succeeded"), (first.error, second.error)
    assert dossier_keys(warehouse) == {"H0", "H1", "H2", "LATER-1", "LATER-2"}
    assert second.progress.inserted == 2, "the run after the poisoned record still collects"
    assert cursor(warehouse) == "20250302090001"
    horizon = (now_local() + timedelta(hours=24)).strftime("%Y%m%d%H%M%S")
    assert cursor(warehouse) <= horizon
    reasons = [reason for reason, _ in quarantined(warehouse)]
    assert len(reasons) == 1
    assert "NgayCapNhat" in reasons[0]


# A slow source -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_source_trickling_bytes_fails_the_request_at_its_deadline(warehouse, where):
    body = page_body([record("H1", "20250301080000")], size=50)
    slow = {"byte_delay": 0.5} if where == "body" else {"header_delay": 0.5}
    with hostile_source(lambda params: Reply(body, **slow)) as source:
        # Every read answers well within the 2 s time-out: only a deadline on the whole request stops it.
        add(warehouse, source.url, page_size=50, timeout_seconds=2, request_deadline_seconds=1.5, **FAST)
        started = time.monotonic()
        result = run_bounded(warehouse, seconds=20)
        took = time.monotonic() - started
    assert result.status == "failed"
    assert "deadline of 1.5 s" in (result.error or "")
    assert took < 10
    row = run_row(warehouse, result.run_id)
    assert (row.status, row.error) == ("failed", result.error)


def test_sigterm_ends_a_run_stuck_on_a_slow_source_within_seconds(warehouse, warehouse_env):
    body = page_body([record("H1", "20250301080000")], size=50)
    with hostile_source(lambda params: Reply(body, byte_delay=2.0)) as source:
        add(warehouse, source.url, page_size=50)  # default time-out (60 s per read) and deadline
        process = start_ioc("collector", "run", "hostile", "--quiet", env=warehouse_env)
        try:
            source.wait_for_requests(1)
            time.sleep(1.0)
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            out, err = process.communicate(timeout=15)
            took = time.monotonic() - started
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise AssertionError("the run ignored SIGTERM for 15 s") from None
    assert took < 8
    assert process.returncode == 1
    assert "Traceback" not in out + err
    with warehouse.connect() as connection:
        row = connection.execute(select(RUN)).one()
    assert row.status == "failed"
    assert "stopped by SIGTERM" in row.error
    assert row.finished_at is not None


# Pages that never end ------------------------------------------------------------------------------------------------


def _same_page(params: dict[str, str]) -> Reply:
    return Reply(page_body([record(f"H{i:03}", f"20250301080{i:03}"[:14]) for i in range(10)], size=10))


def _ignores_from(records: list[dict]) -> object:
    return lambda params: Reply(keyset_page(records, params, honour_from=False))


def _creeping(params: dict[str, str]) -> Reply:
    """The same ten dossiers each time, one second after whatever tu_ngay asks for."""
    later = datetime.strptime(params["tu_ngay"], "%Y%m%d%H%M%S") + timedelta(seconds=1)
    stamp = later.strftime("%Y%m%d%H%M%S")
    return Reply(page_body([record(f"H{i:03}", stamp) for i in range(10)], size=10))


@pytest.mark.parametrize("mode", ["same-page", "ignores-tu_ngay", "creeping"])
def test_a_source_that_makes_no_progress_fails_the_run_with_a_clear_error(warehouse, mode):
    many = [
        record(f"H{i:04}", (datetime(2025, 3, 1) + timedelta(minutes=i)).strftime("%Y%m%d%H%M%S")) for i in range(95)
    ]
    respond = {"same-page": _same_page, "ignores-tu_ngay": _ignores_from(many), "creeping": _creeping}[mode]
    with hostile_source(respond) as source:
        add(warehouse, source.url, page_size=10)
        result = run_bounded(
            warehouse, seconds=30, since=datetime(2025, 3, 1).date(), until=datetime(2025, 3, 2).date()
        )
        requests = len(source.requests)
    assert result.status == "failed"
    assert "no progress" in (result.error or "")
    assert requests <= 20
    assert run_row(warehouse, result.run_id).status == "failed"


# Pathological records and pages --------------------------------------------------------------------------------------


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _page_with(bad: bytes, total: bytes = b"2") -> bytes:
    good = json.dumps(record("GOOD", "20250301080000"), ensure_ascii=False).encode()
    return b'{"tong_so_ban_ghi":' + total + b',"trang":1,"so_ban_ghi":50,"du_lieu":[' + good + b"," + bad + b"]}"


def _bad_record(field: str, value: bytes) -> bytes:
    text = json.dumps(record("BAD", "20250301080001", **{field: "__X__"}), ensure_ascii=False).encode()
    return text.replace(b'"__X__"', value)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_page_with(_bad_record("TenTTHC", _nested(1000))), "TenTTHC must be a string"),
        (_page_with(_bad_record("KenhThucHien", str(2**63).encode())), "KenhThucHien 9223372036854775808 is not one"),
        (_page_with(_bad_record("KenhThucHien", str(2**64).encode())), "is not one of 1, 2, 3"),
        (_page_with(_bad_record("TenTTHC", b'"Th\xff t\xe1c"')), "TenTTHC is not valid UTF-8"),
        (
            _page_with(_bad_record("TenTTHC", b'"x"').replace(b'"TenTTHC"', b'"Ten\xffTHC"')),
            "a field name is not valid UTF-8",
        ),
        (_page_with(_bad_record("KenhThucHien", b"1"), total=str(2**63).encode()), None),
    ],
    ids=["nested-1000", "int-2^63", "int-2^64", "invalid-utf8", "invalid-utf8-name", "total-2^63"],
)
def test_a_pathological_record_is_quarantined_and_the_rest_loads(warehouse, body, reason):
    with hostile_source(lambda params: Reply(body)) as source:
        add(warehouse, source.url, page_size=50, **FAST)
        result = run_bounded(warehouse)
        again = run_bounded(warehouse)
    assert (result.status, again.status) == ("succeeded", "succeeded"), (result.error, again.error)
    kept = quarantined(warehouse)
    if reason is None:
        assert dossier_keys(warehouse) == {"GOOD", "BAD"}
        assert kept == []
        assert run_row(warehouse, result.run_id).total is None, "an impossible total is not kept"
    else:
        assert dossier_keys(warehouse) == {"GOOD"}
        assert len(kept) == 1
        assert reason in kept[0][0]
        assert len(kept[0][1]) < 10_000


def test_a_page_nested_past_any_parser_fails_the_page_with_a_reason(warehouse):
    body = _page_with(_bad_record("TenTTHC", _nested(5000)))
    with hostile_source(lambda params: Reply(body)) as source:
        add(warehouse, source.url, page_size=1000, **FAST)
        result = run_bounded(warehouse)
    assert result.status == "failed"
    assert "failed after 2 attempts: unreadable JSON" in (result.error or "")
    assert "nested" in (result.error or "")


# Size limits ---------------------------------------------------------------------------------------------------------

FIFTY_MB = 50 * 1024 * 1024


def _huge_page(size: int):
    """A page of ``size`` bytes, produced 64 KiB at a time (never held whole)."""
    yield b'{"tong_so_ban_ghi":1,"trang":1,"so_ban_ghi":50,"du_lieu":[{"MaHoSo":"H1","TenTTHC":"'
    chunk = b"x" * 65536
    for _ in range(size // len(chunk)):
        yield chunk
    yield b'"}]}'


@pytest.mark.parametrize("announced", [False, True], ids=["chunked", "content-length"])
def test_a_50_mb_page_is_refused_after_the_cap_without_reading_the_rest(warehouse, announced):
    length = FIFTY_MB + 200 if announced else None
    with hostile_source(lambda params: Reply(_huge_page(FIFTY_MB), content_length=length)) as source:
        add(warehouse, source.url, page_size=50, max_page_bytes=1_000_000, **FAST)
        result = run_bounded(warehouse)
        sent = source.sent
    assert result.status == "failed"
    assert "larger than max_page_bytes (1000000 bytes)" in (result.error or "")
    assert len(source.requests) == 1, "a page over the cap is not asked for again"
    assert sent < 16 * 1024 * 1024, f"the server sent {sent} bytes: the collector kept reading past the cap"


def test_a_page_of_a_million_empty_objects_is_refused_before_decoding(warehouse):
    """Two bytes of ``{}`` become some 64 bytes of dict: under the byte cap, such a page would still take 150 MB."""
    body = b'{"tong_so_ban_ghi":1,"trang":1,"so_ban_ghi":50,"du_lieu":[' + b",".join([b"{}"] * 1_000_000) + b"]}"
    with hostile_source(lambda params: Reply(body)) as source:
        add(warehouse, source.url, page_size=50, **FAST)
        result = run_bounded(warehouse)
    assert result.status == "failed"
    assert "the page holds up to 1000002 JSON objects and arrays, more than its records can (4224)" in (
        result.error or ""
    )


def test_a_field_longer_than_the_cap_is_quarantined_and_kept_cut(warehouse):
    name = "Thủ tục " * 400_000  # 3.2 million characters
    records = [record("H1", "20250301080000"), record("LONG", "20250301080001", TenTTHC=name)]
    with hostile_source(lambda params: Reply(page_body(records, size=50))) as source:
        add(warehouse, source.url, page_size=50, max_page_bytes=20_000_000, max_field_chars=2000)
        result = run_bounded(warehouse)
    assert result.status == "succeeded", result.error
    assert dossier_keys(warehouse) == {"H1"}
    [(reason, raw)] = quarantined(warehouse)
    assert reason == "TenTTHC is longer than 2000 characters (3200000)"
    assert len(raw) < 10_000, "the quarantine keeps the record cut, not 3 million characters"


# Wrong types ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "MaCoQuan", "MaDVHC", "ChuHoSo"])
def test_a_string_field_given_another_type_is_quarantined_not_coerced(warehouse, field):
    wrong = [True, False, ["H"], {"H": 1}, 123, 46.0]
    records = [record("GOOD", "20250301080000")]
    records += [record(f"BAD-{i}", f"2025030108000{i + 1}", **{field: value}) for i, value in enumerate(wrong)]
    with hostile_source(lambda params: Reply(page_body(records, size=50))) as source:
        add(warehouse, source.url, page_size=50)
        result = run_bounded(warehouse)
    assert result.status == "succeeded", result.error
    assert dossier_keys(warehouse) == {"GOOD"}
    reasons = [reason for reason, _ in quarantined(warehouse)]
    assert len(reasons) == len(wrong)
    assert all(reason.startswith(f"{field} must be a string") for reason in reasons), reasons
    with warehouse.connect() as connection:
        assert connection.execute(select(func.count()).select_from(schema.Dossier)).scalar_one() == 1
