"""The ``rest-json`` kind over real HTTP on loopback (the simulator's document and feedback APIs, and hostile servers),
into SQLite and PostgreSQL warehouses: values loaded as the source holds them, reloads replacing, bad input quarantined
with a reason a person can act on (in Vietnamese too), failing sources failing the run."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import httpx
import orjson
import pytest
from hostile_source import Reply, hostile_source
from sqlalchemy import func, select
from werkzeug.wrappers import Request, Response

from collectors.fields import FieldMap
from ioc.collecting.reprocess import reprocess_quarantine
from ioc.collecting.runner import run_collector
from ioc.collecting.store import add_collector
from ioc.config import now_local
from ioc.errors import IOCError
from ioc.indicators.model import Indicator
from ioc.indicators.registry import add_indicator
from ioc.reasons import in_vietnamese
from ioc.simulator import SimulatorConfig, running_simulator
from ioc.simulator.indicator_apis import DOCUMENTS_OPTIONS, FEEDBACK_OPTIONS, document_records, feedback_records
from ioc.warehouse import schema

VALUE = schema.IndicatorValue.__table__
FAST = {"backoff_initial_seconds": 0.01, "backoff_max_seconds": 0.02, "max_attempts": 3}
FIELDS = {
    "indicator": "code",
    "unit": "unit",
    "period": "period",
    "value": "v",
    "numerator": "n",
    "denominator": "d",
    "updated_at": "at",
}
COMMUNE = "19753"


def add(engine, name: str, url: str, **options):
    with engine.begin() as connection:
        return add_collector(connection, name, "rest-json", url, options=options)


def stored(engine, name: str) -> dict[str, tuple]:
    """The collector's values by key: (value, numerator, denominator)."""
    collector = schema.Collector.__table__
    query = (
        select(VALUE.c.value_key, VALUE.c.value, VALUE.c.numerator, VALUE.c.denominator)
        .join(collector, collector.c.id == VALUE.c.collector_id)
        .where(collector.c.name == name)
    )
    with engine.connect() as connection:
        return {key: (value, n, d) for key, value, n, d in connection.execute(query)}


def quarantined(engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(schema.Quarantine.reason)).scalars())


def value_count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(VALUE)).scalar_one()


def expected(records: list[dict], value: str, numerator: str, denominator: str, code: str, unit: str, period: str):
    """The simulator's records as the warehouse should hold them, by value key."""

    def number(x):
        return None if x is None else float(x)

    return {
        f"{r[code]}|{r[unit]}||{r[period]}": (number(r[value]), number(r[numerator]), number(r[denominator]))
        for r in records
    }


def test_the_document_api_loads_exactly_and_later_runs_read_only_what_changed(warehouse):
    start = date(2026, 1, 1)
    config = SimulatorConfig(seed=5, start=start, now=datetime(2026, 4, 15, 10, 30))
    truth = document_records(config, config.now)
    with running_simulator(config) as url:
        add(warehouse, "docs", f"{url}/api/qlvb/chi-tieu", **{**DOCUMENTS_OPTIONS, "paging": {"page_size": 70}})
        first = run_collector(warehouse, "docs", "46")
        assert first.status == "succeeded", first.error
        assert first.progress.inserted == len(truth) and first.progress.pages > 5
        keys = ("so_lieu", "tu_so", "mau_so", "chi_tieu", "ma_don_vi", "ky_bao_cao")
        assert stored(warehouse, "docs") == expected(truth, *keys)
        again = run_collector(warehouse, "docs", "46")
        assert again.status == "succeeded" and again.progress.records == 0  # the boundary second is skipped
        later = datetime(2026, 5, 3, 8, 0)
        httpx.post(f"{url}/_sim/clock", json={"now": later.strftime("%Y%m%d%H%M%S")}).raise_for_status()
        third = run_collector(warehouse, "docs", "46")
    assert third.status == "succeeded", third.error
    truth_later = document_records(config, later)
    changed = [r for r in truth_later if r["cap_nhat"] >= "2026-04-15T10:00:00"]
    assert third.progress.records == len(changed) == 400  # April reported in full, and May so far
    assert stored(warehouse, "docs") == expected(truth_later, *keys)  # April replaced, May added, none twice
    assert quarantined(warehouse) == []


def test_the_feedback_api_reads_the_open_months_again_and_a_backfill_reads_its_window(warehouse):
    today = now_local().date()
    config = SimulatorConfig(seed=8, start=date(today.year - 1, 1, 1))
    with running_simulator(config) as url:
        add(warehouse, "feedback", f"{url}/api/phan-anh/thong-ke", **{**FEEDBACK_OPTIONS, "paging": {
            **FEEDBACK_OPTIONS["paging"], "page_size": 37}})  # fmt: skip
        result = run_collector(warehouse, "feedback", "46")
        assert result.status == "succeeded", result.error
        now = now_local()
        this_month = today.replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1)
        truth = feedback_records(config, now, last_month) + feedback_records(config, now, this_month)
        loaded = stored(warehouse, "feedback")
        assert set(loaded) == {f"{r['chi_so']}|{r['xa']}||{r['thang']}" for r in truth}
        on_time = {k: v for k, v in loaded.items() if k.startswith("feedback_on_time|") and last_month.strftime(
            "%Y-%m") in k}  # fmt: skip
        assert all(n <= d and value is None for value, n, d in on_time.values()) and on_time
        again = run_collector(warehouse, "feedback", "46")
        assert again.status == "succeeded" and again.progress.inserted == 0
        assert again.progress.unchanged + again.progress.updated == len(truth)  # read again, replaced, not added
        backfill = run_collector(warehouse, "feedback", "46", since=date(today.year - 1, 1, 1), until=today)
    assert backfill.status == "succeeded", backfill.error
    months = {key.rsplit("|", 1)[1] for key in stored(warehouse, "feedback")}
    assert f"{today.year - 1}-01" in months and len(months) >= 13


def test_bad_records_are_quarantined_with_where_what_and_why_in_english_and_vietnamese(warehouse):
    good = {"code": "docs_outgoing", "unit": COMMUNE, "period": "2026-03", "v": 12, "at": "2026-04-01T08:00:00"}
    records = [
        good,
        {**good, "code": "docs_unknown"},
        {**good, "unit": "99999"},
        {**good, "period": "March 2026"},
        {**good, "code": "docs_sent_electronic", "v": None, "n": 12, "d": 10},
        {**good, "v": -3},
        {**good, "v": "1.234"},
        ["not", "an", "object"],
        {**good, "code": "tasks_overdue", "v": None, "n": {"x": 1}, "d": 5},
        {**good, "period": "2026-04", "at": "2099-01-01T00:00:00"},
    ]
    with hostile_source(lambda params: Reply({"items": records})) as source:
        fields = {**FIELDS, "numerator": "n && abs(n)"}
        add(warehouse, "bad", source.url, records="items", fields=fields, paging={"mode": "none"}, **FAST)
        result = run_collector(warehouse, "bad", "46")
    assert result.status == "succeeded", result.error
    assert result.progress.inserted == 1 and result.progress.rejected == len(records) - 1
    reasons = quarantined(warehouse)
    for index, fragment in (
        (2, "indicator 'docs_unknown' is not registered"),
        (3, "unit '99999' is not province 46"),
        (4, "period 'March 2026' is not a period"),
        (5, "docs_sent_electronic: numerator 12 is above denominator 10"),
        (6, "docs_outgoing is a count: -3 is not a whole number"),
        (7, "value '1.234' is ambiguous"),
        (8, "the record is a list, not a JSON object"),
        (9, "field numerator: expression 'n && abs(n)' fails on this record"),
        (10, "updated_at 2099-01-01T00:00:00 is later than now + lookahead_hours"),
    ):
        assert any(r.startswith(f"page 1, record {index}: {fragment}") for r in reasons), (fragment, reasons)
    for reason in reasons:
        _, _, why = reason.partition(": ")
        assert in_vietnamese(why) != why, f"no Vietnamese for {why!r}"
        assert in_vietnamese(reason).startswith("Trang 1, bản ghi ")


def test_a_records_expression_that_yields_no_list_quarantines_the_page_and_fails_the_run(warehouse):
    with hostile_source(lambda params: Reply({"data": {"items": {"oops": 1}}})) as source:
        add(warehouse, "nolist", source.url, records="data.items", fields=FIELDS, paging={"mode": "none"}, **FAST)
        result = run_collector(warehouse, "nolist", "46")
    assert result.status == "failed"
    assert "the records expression 'data.items' gives a dict, not a list" in result.error
    [reason] = quarantined(warehouse)
    assert reason.startswith("page 1: the records expression")
    assert in_vietnamese(reason) != reason and value_count(warehouse) == 0


def page_server(total: int, *, fail_first: int = 0, ignore_page: bool = False):
    """Pages of ``total`` good values (by page and page_size); the first ``fail_first`` requests answer 503."""
    calls = {"n": 0}
    lock = threading.Lock()

    def respond(params):
        with lock:
            calls["n"] += 1
            if calls["n"] <= fail_first:
                return Reply({"error": "busy"}, status=503)
        page = 1 if ignore_page else int(params.get("page", 1))
        size = int(params.get("page_size", 10))
        items = [
            {"code": "docs_outgoing", "unit": COMMUNE, "period": f"{date(2020, 1, 1) + timedelta(days=i)}", "v": i}
            for i in range((page - 1) * size, min(page * size, total))
        ]
        return Reply({"items": items})

    return respond


def test_a_source_failing_with_5xx_then_answering_is_retried_and_loads_everything(warehouse):
    with hostile_source(page_server(25, fail_first=2)) as source:
        add(warehouse, "flaky", source.url, records="items", fields=FIELDS, paging={"page_size": 10}, **FAST)
        result = run_collector(warehouse, "flaky", "46")
    assert result.status == "succeeded", result.error
    assert result.progress.inserted == 25 and result.progress.pages == 3


def test_a_source_ignoring_the_page_parameter_fails_the_run_instead_of_looping(warehouse):
    with hostile_source(page_server(25, ignore_page=True)) as source:
        add(warehouse, "stuck", source.url, records="items", fields=FIELDS, paging={"page_size": 10}, **FAST)
        result = run_collector(warehouse, "stuck", "46")
    assert result.status == "failed"
    assert "page 2 is the same as the page before: the source ignores 'page'" in result.error


def test_a_cursor_that_comes_back_fails_the_run_instead_of_looping(warehouse):
    def respond(params):
        day = {"a": 1, "b": 2}.get(params.get("cursor", ""), 0)
        item = {"code": "docs_outgoing", "unit": COMMUNE, "period": f"2026-01-0{day + 1}", "v": day}
        return Reply({"items": [item], "next": "b" if params.get("cursor") == "a" else "a"})

    paging = {"mode": "cursor", "next_cursor": "next", "page_size": 1}
    with hostile_source(respond) as source:
        add(warehouse, "loop", source.url, records="items", fields=FIELDS, paging=paging, **FAST)
        result = run_collector(warehouse, "loop", "46")
    assert result.status == "failed"
    assert "the source sent the cursor 'a' again: its paging loops" in result.error


def test_a_huge_page_and_malformed_json_fail_the_run_with_a_clear_error_and_load_nothing(warehouse):
    huge = b'{"items": [' + b" " * 4_000_000 + b"]}"
    with hostile_source(lambda params: Reply(huge)) as source:
        add(warehouse, "huge", source.url, records="items", fields=FIELDS, max_page_bytes=1_000_000, **FAST)
        result = run_collector(warehouse, "huge", "46")
    assert result.status == "failed" and "larger than max_page_bytes (1000000 bytes)" in result.error
    with hostile_source(lambda params: Reply(b'{"items": [{"code": ')) as source:
        add(warehouse, "broken", source.url, records="items", fields=FIELDS, **FAST)
        broken = run_collector(warehouse, "broken", "46")
    assert broken.status == "failed" and "failed after 3 attempts: unreadable JSON" in broken.error
    assert "\n" not in broken.error and value_count(warehouse) == 0


def test_records_at_the_cursors_second_are_read_again_and_skipped_and_a_new_one_there_is_kept(warehouse):
    stamp = "2026-04-01T08:00:00"
    served = [
        {"code": "docs_outgoing", "unit": COMMUNE, "period": f"2026-0{m}", "v": m, "at": stamp} for m in (1, 2, 3)
    ]

    def respond(params):
        since = params.get("since", "")
        return Reply({"items": [r for r in served if r["at"] >= since]})

    options = {"records": "items", "fields": FIELDS, "paging": {"mode": "none"}, "updated_since_param": "since"}
    with hostile_source(respond) as source:
        add(warehouse, "keyset", source.url, **options, **FAST)
        first = run_collector(warehouse, "keyset", "46")
        assert first.progress.inserted == 3
        assert source.requests[-1] == {}
        second = run_collector(warehouse, "keyset", "46")
        assert source.requests[-1] == {"since": stamp} and second.progress.records == 0
        served.append({**served[0], "period": "2026-04", "v": 4})  # another value updated within the same second
        third = run_collector(warehouse, "keyset", "46")
    assert third.progress.records == 1 and third.progress.inserted == 1
    assert len(stored(warehouse, "keyset")) == 4


def test_options_are_checked_when_the_collector_is_added_one_line_naming_the_field(warehouse):
    with pytest.raises(IOCError, match=r"^option fields\.value: .*field value: 'so_lieu\[' is not a JMESPath"):
        add(warehouse, "x", "http://127.0.0.1:9/api", records="items", fields={**FIELDS, "value": "so_lieu["})
    with pytest.raises(IOCError, match=r"^option records: .*records: the expression is longer than 500"):
        add(warehouse, "x", "http://127.0.0.1:9/api", records="a" * 501, fields=FIELDS)
    with pytest.raises(IOCError, match="cursor paging needs next_cursor"):
        add(warehouse, "x", "http://127.0.0.1:9/api", records="items", fields=FIELDS, paging={"mode": "cursor"})
    with pytest.raises(IOCError, match=r"updated_since_param needs fields\.updated_at"):
        fields = {k: v for k, v in FIELDS.items() if k != "updated_at"}
        add(warehouse, "x", "http://127.0.0.1:9/api", records="items", fields=fields, updated_since_param="since")


def test_a_constant_field_is_a_jmespath_literal_and_plain_paths_read_like_jmespath():
    mapping = FieldMap(indicator="'docs_outgoing'", unit="a.b", period="`2026`", value="c[0]").compiled()
    assert mapping.apply({"a": {"b": "46"}, "c": [7]}) == {
        "indicator": "docs_outgoing", "unit": "46", "period": 2026, "value": 7}  # fmt: skip
    assert mapping.apply({"a": "not an object"})["unit"] is None


@pytest.mark.parametrize(
    ("auth", "secrets", "environment"),
    [
        ("apikey", ["SIM_KEY"], {"SIM_KEY": "sim-key"}),
        ("basic", ["SIM_USER", "SIM_PASSWORD"], {"SIM_USER": "sim", "SIM_PASSWORD": "sim-pass"}),
        ("oauth2", ["SIM_ID", "SIM_SECRET"], {"SIM_ID": "sim-client", "SIM_SECRET": "sim-secret"}),
    ],
)
def test_each_auth_mode_signs_in_to_the_simulators_apis(warehouse, monkeypatch, auth, secrets, environment):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = SimulatorConfig(seed=2, start=date(2026, 3, 1), now=datetime(2026, 4, 2, 9, 0), auth=auth)
    with running_simulator(config) as url:
        with warehouse.begin() as connection:
            add_collector(
                connection, "docs", "rest-json", f"{url}/api/qlvb/chi-tieu", auth, secrets, options=DOCUMENTS_OPTIONS
            )
        result = run_collector(warehouse, "docs", "46")
        assert result.status == "succeeded", result.error
        assert result.progress.inserted == len(document_records(config, config.now))
        monkeypatch.setenv(secrets[-1], "not-the-secret-27182")
        refused = run_collector(warehouse, "docs", "46")
    assert refused.status == "failed" and "refused" in refused.error
    assert "not-the-secret-27182" not in refused.error


def test_a_record_of_an_unregistered_indicator_loads_on_reprocessing_once_it_is_registered(warehouse):
    item = {"code": "docs_archived", "unit": COMMUNE, "period": "2026-03", "v": 9}
    with hostile_source(lambda params: Reply({"items": [item]})) as source:
        add(warehouse, "later", source.url, records="items", fields=FIELDS, paging={"mode": "none"}, **FAST)
        assert run_collector(warehouse, "later", "46").progress.rejected == 1
    indicator = Indicator("docs_archived", "Văn bản lưu trữ", "Documents archived", "văn bản", "count")
    with warehouse.begin() as connection:
        add_indicator(connection, indicator, "test", datetime(2026, 4, 2))
    again = reprocess_quarantine(warehouse, "later", "46", actor="test")
    assert (again.examined, again.inserted) == (1, 1)
    assert stored(warehouse, "later") == {f"docs_archived|{COMMUNE}||2026-03": (9.0, None, None)}


@Request.application
def wsgi_source(request: Request) -> Response:
    """A JSON API as a WSGI application: one page of three values."""
    items = [{"code": "docs_outgoing", "unit": COMMUNE, "period": f"2026-0{m}", "v": m} for m in (1, 2, 3)]
    return Response(orjson.dumps({"items": items}), content_type="application/json")


def test_a_run_can_hand_the_kind_a_transport_instead_of_the_network(warehouse):
    add(warehouse, "wsgi", "http://source.invalid/api", records="items", fields=FIELDS, paging={"mode": "none"}, **FAST)
    result = run_collector(warehouse, "wsgi", "46", transport=httpx.WSGITransport(app=wsgi_source))
    assert result.status == "succeeded", result.error
    assert result.progress.inserted == 3
    without = run_collector(warehouse, "wsgi", "46")
    assert without.status == "failed" and "source.invalid" in without.error
