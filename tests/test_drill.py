"""The dossiers behind a number are exactly those the aggregates count: every drillable measure's total equals
``kpi_rows``'s figure (a rate's: its denominator) on the domain's edge cases and on random dossiers, on both engines;
pages are disjoint and names masked unless asked otherwise."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from ioc.collecting.store import add_collector
from ioc.errors import IOCError
from ioc.kpi.drill import MAX_LIMIT, MEASURES_DRILLABLE, DossierPage, dossier_page, mask_name
from ioc.kpi.periods import Period
from ioc.kpi.query import Filters, counts_by, kpi_rows
from ioc.warehouse.load import load_page
from tests.test_aggregates import random_dossier
from tests.test_kpi_query import edge as dossier  # commune 19753, received 03/03/2025 08:00, due 07/03 17:00

NOW = datetime(2025, 6, 1, 12, 0)
MARCH = Period(date(2025, 3, 1), date(2025, 4, 1), "month")
#: The rates' denominators, as ``counts_by`` names them.
DENOMINATOR = {"online_rate": "received", "on_time_rate": "resolved", "online_payment_rate": "fee_known"}
DENOMINATOR |= {"digitisation_rate": "received"}


EDGE_CASES = [
    dossier("new", status=1),  # newly registered: nothing
    dossier("refused", status=3, finished_at=datetime(2025, 3, 3, 9, 0)),  # refused at reception: nothing
    dossier("at-due", status=10, finished_at=datetime(2025, 3, 7, 17, 0), channel=2, paid_online=True),  # on time
    dossier("after-due", status=10, finished_at=datetime(2025, 3, 7, 17, 1), paid_online=False),  # late, same day
    dossier("same-day", status=10, finished_at=datetime(2025, 3, 7, 10, 0)),  # earlier the due day: on time, not early
    dossier("day-before", status=9, finished_at=datetime(2025, 3, 6, 23, 59), digitised=True),  # early
    dossier("withdrawn", status=7, finished_at=datetime(2025, 3, 5, 10, 0)),  # received only
    dossier("stopped", status=8, finished_at=datetime(2025, 3, 5, 10, 0)),  # received only
    dossier("overdue", due_at=datetime(2025, 3, 31, 17, 0)),  # pending and overdue at the end of March
    dossier("due-on-edge", due_at=datetime(2025, 4, 1, 0, 0)),  # due at the period's end: pending, not overdue
    dossier("finished-april", status=10, finished_at=datetime(2025, 4, 2, 9, 0)),  # pending and overdue at March's end
    dossier("at-midnight", status=9, finished_at=datetime(2025, 4, 1, 0, 0)),  # finished on 01/04: pending at its 00:00
    dossier("no-due", status=9, due_at=None, finished_at=datetime(2025, 3, 10, 11, 0), applicant_name=None),  # on time
    dossier("no-due-open", status=5, due_at=None, channel=2, applicant_type=2),  # pending, never overdue
    dossier(
        "from-february",  # received before the period, still open: pending and overdue across both ends
        status=6,
        received_at=datetime(2025, 2, 20, 9, 0),
        due_at=datetime(2025, 2, 25, 17, 0),
        channel=2,
        paid_online=False,
    ),
    dossier(
        "late-from-february",  # overdue at February's end, resolved late in March
        status=10,
        received_at=datetime(2025, 2, 3, 9, 0),
        due_at=datetime(2025, 2, 10, 17, 0),
        finished_at=datetime(2025, 3, 15, 8, 0),
    ),
    dossier(
        "province",  # a provincial department's dossier, by post, overdue
        status=2,
        unit_code="46",
        agency_code="SO-TP",
        procedure_code="2.000123",
        field_code="DD",
        channel=3,
        applicant_type=2,
        applicant_name="Công ty TNHH Hoa Sen",
        received_at=datetime(2025, 3, 15, 14, 30),
        due_at=datetime(2025, 3, 20, 17, 0),
        digitised=True,
        paid_online=True,
    ),
    dossier("in-april", status=2, received_at=datetime(2025, 4, 5, 9, 0), due_at=datetime(2025, 4, 10, 17, 0)),
]

FILTERS = [
    Filters(),
    Filters(channel=2),
    Filters(unit="19753"),
    Filters(agency="SO-TP"),
    Filters(applicant_type=2),
    Filters(procedure="1.001234"),
    Filters(field="DD", channel=3),
]
PERIODS = [
    MARCH,
    Period(date(2025, 2, 1), date(2025, 3, 1), "month"),
    Period(date(2025, 3, 1), date(2025, 5, 1)),
    Period(date(2025, 3, 7), date(2025, 3, 8), "day"),
    Period(date(2025, 3, 5), date(2025, 3, 21)),
    Period(date(2025, 4, 1), date(2025, 4, 2), "day"),
]


@pytest.fixture
def edges(warehouse):
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "edge", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector_id, None, EDGE_CASES, [], NOW)
    return warehouse


def expected_total(connection, period: Period, measure: str, filters: Filters) -> int:
    """What the aggregates say: the KPI's count, or for a rate its denominator."""
    if measure == "handled_late":  # Decision 766's progress: handled in the period and not on time
        ((_, counts),) = counts_by(connection, period, None, filters)
        return counts["resolved_late"] + counts["stopped"] - counts["stopped_in_time"] + counts["pending_overdue"]
    if measure in DENOMINATOR or measure == "fee_known":
        ((_, counts),) = counts_by(connection, period, None, filters)
        return counts[DENOMINATOR.get(measure, measure)]
    (row,) = kpi_rows(connection, period, None, filters)
    return row[measure]


def keys(page: DossierPage) -> set[str]:
    return {row["source_key"] for row in page.rows}


def test_every_drillable_measure_totals_what_the_aggregates_count(edges) -> None:
    checked = 0
    with edges.connect() as connection:
        for period in PERIODS:
            for filters in FILTERS:
                if filters.procedure is not None and (period.start.day, period.end.day) != (1, 1):
                    continue  # the aggregates keep procedures by month only
                for measure in MEASURES_DRILLABLE:
                    page = dossier_page(connection, period, measure, filters, limit=MAX_LIMIT)
                    expected = expected_total(connection, period, measure, filters)
                    assert page.total == expected == len(page.rows), (period, filters, measure)
                    checked += expected
    assert checked > 100  # the cases are not all empty


def test_a_procedure_over_part_of_a_month_is_counted_from_the_dossiers(edges) -> None:
    """The aggregates keep procedures by month only, so this total comes from counting rows: the same listing."""
    part = Period(date(2025, 3, 2), date(2025, 3, 20))
    with edges.connect() as connection:
        with pytest.raises(IOCError):
            counts_by(connection, part, None, Filters(procedure="1.001234"))
        counted = 0
        for measure in MEASURES_DRILLABLE:
            page = dossier_page(connection, part, measure, Filters(procedure="1.001234"), limit=MAX_LIMIT)
            assert page.total == len(page.rows), measure
            counted += page.total
    assert counted > 0


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        (
            "received",
            {"at-due", "after-due", "same-day", "day-before", "withdrawn", "stopped", "overdue", "due-on-edge"}
            | {"finished-april", "at-midnight", "no-due", "no-due-open", "province"},
        ),
        ("online_received", {"at-due", "no-due-open"}),
        ("resolved", {"at-due", "after-due", "same-day", "day-before", "no-due", "late-from-february"}),
        ("resolved_early", {"day-before"}),
        ("resolved_on_time", {"at-due", "same-day", "no-due"}),
        ("resolved_late", {"after-due", "late-from-february"}),
        (
            "pending",
            {"overdue", "due-on-edge", "finished-april", "at-midnight", "no-due-open", "from-february", "province"},
        ),
        ("pending_overdue", {"overdue", "finished-april", "at-midnight", "from-february", "province"}),
        ("online_payment_rate", {"at-due", "after-due", "province"}),
        # Decision 766's progress component: resolved late, stopped late (none here) or open and overdue at the end.
        (
            "handled_late",
            {"after-due", "late-from-february", "overdue", "finished-april", "at-midnight", "from-february"}
            | {"province"},
        ),
        ("on_time_rate", {"at-due", "after-due", "same-day", "day-before", "no-due", "late-from-february"}),
    ],
)
def test_march_lists_exactly_the_domain_dossiers(edges, measure: str, expected: set[str]) -> None:
    with edges.connect() as connection:
        assert keys(dossier_page(connection, MARCH, measure, limit=100)) == expected


def test_pending_at_the_end_of_february_and_filters(edges) -> None:
    february = Period(date(2025, 2, 1), date(2025, 3, 1), "month")
    with edges.connect() as connection:
        assert keys(dossier_page(connection, february, "pending")) == {"from-february", "late-from-february"}
        assert keys(dossier_page(connection, february, "pending_overdue")) == {"from-february", "late-from-february"}
        assert keys(dossier_page(connection, MARCH, "pending", Filters(channel=2))) == {"no-due-open", "from-february"}
        assert keys(dossier_page(connection, MARCH, "received", Filters(unit="46"))) == {"province"}
        # Procedures work on any period here (the aggregates need whole months).
        day = Period(date(2025, 3, 15), date(2025, 3, 16), "day")
        assert keys(dossier_page(connection, day, "received", Filters(procedure="2.000123"))) == {"province"}
        assert keys(dossier_page(connection, day, "resolved", Filters(procedure="1.001234"))) == {"late-from-february"}


def test_rows_carry_the_columns_and_timeliness(edges) -> None:
    with edges.connect() as connection:
        page = dossier_page(connection, MARCH, "resolved", limit=100)
    by_key = {row["source_key"]: row for row in page.rows}
    assert {k: r["timeliness"] for k, r in by_key.items()} == {
        "at-due": "on_time",
        "after-due": "late",
        "same-day": "on_time",
        "day-before": "early",
        "no-due": "on_time",
        "late-from-february": "late",
    }
    assert by_key["at-due"] == {
        "source_key": "at-due",
        "procedure_code": "1.001234",
        "field_code": "HT",
        "agency_code": "UBND-19753",
        "unit_code": "19753",
        "channel": 2,
        "applicant_type": 1,
        "applicant_name": "N***** V** A*",
        "received_at": datetime(2025, 3, 3, 8, 0),
        "due_at": datetime(2025, 3, 7, 17, 0),
        "finished_at": datetime(2025, 3, 7, 17, 0),
        "status": 10,
        "paid_online": True,
        "digitised": False,
        "procedure_name": "Đăng ký khai sinh",
        "agency_name": "UBND Phường Phú Xuân",
        "agency_name_en": "People's Committee of Phường Phú Xuân",
        "unit_name": "Phường Phú Xuân",
        "timeliness": "on_time",
    }
    assert by_key["no-due"]["applicant_name"] is None


def test_rows_name_their_agency_unit_and_procedure(edges) -> None:
    """Names from the reference tables; an agency the loader met only as a code is named by its code, and a dossier
    naming no procedure keeps its row, without a name."""
    with edges.begin() as connection:
        collector_id = add_collector(connection, "other", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        unnamed = dossier("no-procedure", procedure_code=None, field_code=None)
        load_page(connection, collector_id, None, [unnamed], [], NOW)
    with edges.connect() as connection:
        rows = {row["source_key"]: row for row in dossier_page(connection, MARCH, "received", limit=100).rows}
    named = ("procedure_name", "agency_name", "agency_name_en", "unit_name")
    assert [rows["province"][key] for key in named] == ["Đăng ký khai sinh", "SO-TP", None, "Thành phố Huế"]
    assert [rows["no-procedure"][key] for key in named] == [
        None,
        "UBND Phường Phú Xuân",
        "People's Committee of Phường Phú Xuân",
        "Phường Phú Xuân",
    ]
    assert len(rows) == 14  # the 13 received in March, and the one without a procedure


def test_pending_rows_have_no_timeliness_and_order_is_latest_first(edges) -> None:
    with edges.connect() as connection:
        pending = dossier_page(connection, MARCH, "pending", limit=100).rows
        resolved = dossier_page(connection, MARCH, "resolved", limit=100).rows
    assert [r["source_key"] for r in pending][:2] == ["province", "overdue"]  # 15/03 first; then 03/03 by id
    assert pending[-1]["source_key"] == "from-february"
    assert {r["timeliness"] for r in pending if r["status"] not in (9, 10)} == {None}
    finished = [r["finished_at"] for r in resolved]
    assert finished == sorted(finished, reverse=True)
    assert resolved[0]["source_key"] == "late-from-february"  # 15/03 08:00


def test_pages_are_disjoint_and_cover_the_total(edges) -> None:
    with edges.connect() as connection:
        whole = dossier_page(connection, MARCH, "received", limit=100)
        pages = [dossier_page(connection, MARCH, "received", offset=o, limit=5) for o in range(0, 15, 5)]
    assert [len(p.rows) for p in pages] == [5, 5, 3]
    assert {p.total for p in pages} == {13}
    listed = [row["source_key"] for p in pages for row in p.rows]
    assert listed == [row["source_key"] for row in whole.rows] and len(set(listed)) == 13


def test_names_are_masked_unless_asked(edges) -> None:
    filters = Filters(unit="46")
    with edges.connect() as connection:
        (masked,) = dossier_page(connection, MARCH, "received", filters).rows
        (clear,) = dossier_page(connection, MARCH, "received", filters, mask_names=False).rows
    assert masked["applicant_name"] == "C*** t* T*** H** S**"
    assert clear["applicant_name"] == "Công ty TNHH Hoa Sen"


def test_mask_name() -> None:
    assert mask_name("Nguyễn Văn An") == "N***** V** A*"
    assert mask_name("Nguye\u0302\u0303n  Thị") == "N*****  T**"  # decomposed accents count as one letter
    assert mask_name(None) is None and mask_name("") == ""


def test_limit_is_capped_and_bad_requests_refused(edges) -> None:
    with edges.connect() as connection:
        assert len(dossier_page(connection, MARCH, "received", limit=10_000).rows) == 13
        assert dossier_page(connection, MARCH, "received", limit=0) == DossierPage([], 13)
        with pytest.raises(IOCError, match="no dossier list"):
            dossier_page(connection, MARCH, "stopped")
        with pytest.raises(IOCError, match="negative"):
            dossier_page(connection, MARCH, "received", offset=-1)


def test_random_dossiers_total_what_the_aggregates_count(warehouse) -> None:
    rng = random.Random(11)
    with warehouse.begin() as connection:
        collector_id = add_collector(connection, "random", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        records = [random_dossier(rng, f"R{i}", datetime(2025, 5, 1)) for i in range(400)]
        load_page(connection, collector_id, None, records, [], NOW)
    with warehouse.connect() as connection:
        for _ in range(25):
            filters = Filters(
                unit=rng.choice([None, "46", "19753"]),
                agency=rng.choice([None, "SO-TP"]),
                channel=rng.choice([None, 1, 2]),
                procedure=rng.choice([None, None, "1.001234"]),
            )
            if filters.procedure is None:
                start = date(2025, 1, 1) + timedelta(days=rng.randint(0, 150))
                period = Period(start, start + timedelta(days=rng.randint(1, 60)))
            else:
                first = rng.randint(1, 5)
                period = Period(date(2025, first, 1), date(2025, first + rng.randint(1, 3), 1))
            for measure in MEASURES_DRILLABLE:
                total = dossier_page(connection, period, measure, filters, limit=0).total
                assert total == expected_total(connection, period, measure, filters), (period, filters, measure)
