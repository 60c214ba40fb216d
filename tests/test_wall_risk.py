"""``/wall/risk`` and the explorer's at-risk grids from hand-made reports and a hand-built warehouse (both engines):
the likely-late dossiers by agency, largest first, each agency's likeliest dossiers with their due time and probability,
the dossiers refused for thin history said as a count, the period covered; the explorer's rows filtered, drillable by
agency, with applicants masked for all but admins; the refresh sends nothing while neither the data nor the slot
changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from dash.exceptions import PreventUpdate

from ioc.collecting.store import add_collector
from ioc.records import DossierRecord
from ioc.risk import LIKELY, RiskRow
from ioc.warehouse.load import load_page
from layouts import risk_read
from layouts import warehouse as dashboard_warehouse
from tests.test_indicator_screens import _texts

AS_OF = datetime(2025, 6, 2, 0, 0)  # the end of 1 June 2025, as ``?date=2025-06-01`` replays it
OPTIONS = {"lang": "vi", "date": "2025-06-01", "map": "on_time_rate", "rotate": None}


def risk_row(key: str, agency: str | None, probability: float, due_day: int = 4, **changes) -> RiskRow:
    row = RiskRow(
        ma_ho_so=key,
        agency=agency,
        unit="19753",
        procedure="1.001234",
        field="HT",
        received_at=datetime(2025, 6, 1, 8, 0),
        due=datetime(2025, 6, due_day, 17, 0),
        probability=probability,
        basis="procedure",
        history=40,
    )
    return replace(row, **changes)


def test_likely_dossiers_are_grouped_by_agency_largest_first_each_likeliest_first() -> None:
    rows = [
        risk_row("a1", "SO-TP", 0.7),
        risk_row("a2", "SO-TP", 0.9),
        risk_row("a3", "SO-TP", LIKELY, due_day=3),  # exactly LIKELY counts
        risk_row("a4", "SO-TP", LIKELY, due_day=5),
        risk_row("a5", "SO-TP", 0.49),  # not likely: neither counted nor listed
        risk_row("b1", "SO-YT", 0.95),
        risk_row("n1", None, 0.6),
        risk_row("n2", None, 0.8),
        risk_row("c1", "SO-GD", 0.2),  # an agency with no likely dossier has no panel
    ]
    groups = risk_read.by_agency(rows, listed=3)
    assert [(g.agency, g.likely) for g in groups] == [("SO-TP", 4), (None, 2), ("SO-YT", 1)]
    assert [r.ma_ho_so for r in groups[0].top] == ["a2", "a1", "a3"]  # likeliest, then the soonest due
    assert [r.ma_ho_so for r in groups[1].top] == ["n2", "n1"]
    assert risk_read.probability_text(0.874, "vi") == "87 %" and risk_read.probability_text(1.0, "en") == "100 %"
    assert risk_read.due_text(datetime(2025, 6, 9, 7, 5)) == "09/06/2025 07:05"


def test_agencies_with_as_many_dossiers_rank_by_their_likeliest() -> None:
    rows = [risk_row("x", "SO-B", 0.6), risk_row("y", "SO-A", 0.6), risk_row("z", "SO-C", 0.99)]
    assert [g.agency for g in risk_read.by_agency(rows, listed=4)] == ["SO-C", "SO-A", "SO-B"]


# --- from a hand-built warehouse ------------------------------------------------------------------------------------


def dossier(key: str, procedure: str, agency: str, received: datetime, days_due: float, **changes) -> DossierRecord:
    """A dossier of commune 19753 received at ``received``, due ``days_due`` days later, still being handled."""
    base = DossierRecord(
        source_key=key,
        procedure_code=procedure,
        procedure_name=f"Thủ tục {procedure}",
        field_code=f"F-{procedure}",
        field_name=f"Lĩnh vực {procedure}",
        channel=1,
        applicant_name="Nguyễn Văn An",
        applicant_type=1,
        agency_code=agency,
        unit_code="19753",
        received_at=received,
        due_at=received + timedelta(days=days_due),
        status=4,
        finished_at=None,
        returned_at=None,
        paid_online=None,
        digitised=False,
        source_updated_at=datetime(2025, 6, 1, 23, 0),
    )
    return replace(base, **changes)


def history(procedure: str, agency: str, count: int, late: int) -> list[DossierRecord]:
    """``count`` dossiers of May, due 3 days after reception: ``late`` of them finished after 5 days, the rest after
    1 day."""
    records = []
    for n in range(count):
        received = datetime(2025, 5, 1, 8, 0) + timedelta(hours=5 * n)
        took = timedelta(days=5 if n < late else 1)
        records.append(
            dossier(f"{procedure}-h{n}", procedure, agency, received, 3, status=10, finished_at=received + took)
        )
    return records


@pytest.fixture
def risk_wall(warehouse):
    """Pending on 2 June 2025 00:00, due within a week: two dossiers of a procedure always late (P-LATE, SO-TP), one of
    a procedure late half the time (P-HALF, SO-TP), one of a procedure never late (P-OK, SO-YT) and one of a new
    procedure of a new agency (P-NEW, SO-MOI: refused); and two the week does not hold (overdue, due later)."""
    enough = risk_read_min_history(warehouse)
    records = [
        *history("P-LATE", "SO-TP", enough, late=enough),
        *history("P-HALF", "SO-TP", 2 * enough, late=enough),
        *history("P-OK", "SO-YT", enough, late=0),
        dossier("late-1", "P-LATE", "SO-TP", datetime(2025, 6, 1, 8, 0), 3),
        dossier("late-2", "P-LATE", "SO-TP", datetime(2025, 6, 1, 9, 0), 3, applicant_name="Trần Thị Bình"),
        dossier("half-1", "P-HALF", "SO-TP", datetime(2025, 6, 1, 12, 0), 3),  # late half the time: likely
        dossier("ok-1", "P-OK", "SO-YT", datetime(2025, 6, 1, 20, 0), 3),
        dossier("new-1", "P-NEW", "SO-MOI", datetime(2025, 6, 1, 10, 0), 3),
        dossier("overdue-1", "P-LATE", "SO-TP", datetime(2025, 5, 25, 8, 0), 3),  # due before the week
        dossier("later-1", "P-LATE", "SO-TP", datetime(2025, 6, 1, 8, 0), 20),  # due after it
    ]
    with warehouse.begin() as connection:
        collector = add_collector(connection, "risk", "dossier-sync", "http://127.0.0.1:9/api/hoso").id
        load_page(connection, collector, None, records, [], datetime(2025, 6, 1, 23, 0))
    dashboard_warehouse.use(warehouse)
    return warehouse


def risk_read_min_history(warehouse) -> int:  # type: ignore[no-untyped-def]
    """How much history the model asks for (its report says), so the fixture gives just enough."""
    from ioc.risk import at_risk

    with warehouse.connect() as connection:
        return at_risk(connection, AS_OF).min_history


def test_the_risk_wall_shows_the_likely_late_by_agency_and_the_refused_count(risk_wall) -> None:
    from layouts.wall_risk import content

    shown = content(OPTIONS)
    report = shown["report"]
    assert report.as_of == AS_OF and report.refused == 1
    probabilities = {row.ma_ho_so: row.probability for row in report.rows}
    assert probabilities == pytest.approx({"late-1": 1.0, "late-2": 1.0, "half-1": 0.5, "ok-1": 0.0})
    assert shown["period"] == "Đến hạn từ 02/06/2025 00:00 đến 09/06/2025 00:00"
    # SO-YT's dossier is not likely: no panel. half-1 is (the model's 0.49999999999999994 is its 0.5).
    [agency] = shown["agencies"]
    texts = _texts(agency)
    assert texts[:2] == ["SO-TP", "3"]  # no name in the reference tables: the code
    assert texts[2:] == [
        "Thủ tục P-LATE", "Phường Phú Xuân", "100 %", "hạn 04/06/2025 08:00",
        "Thủ tục P-LATE", "Phường Phú Xuân", "100 %", "hạn 04/06/2025 09:00",
        "Thủ tục P-HALF", "Phường Phú Xuân", "50 %", "hạn 04/06/2025 12:00",
    ]  # fmt: skip
    summary = _texts(html_div(shown["summary"]))
    assert summary[0] == "3" and "trong 4 hồ sơ đang giải quyết được dự báo" in summary[1]
    assert summary[-1].startswith("1 hồ sơ chưa đủ lịch sử để dự báo")
    assert not any("Nguyễn" in text or "Trần" in text for text in texts + summary)  # no applicant on the wall


def html_div(children: list):  # type: ignore[no-untyped-def]
    from dash import html

    return html.Div(children)


def test_the_risk_wall_refreshes_only_when_the_data_or_the_slot_changed(risk_wall) -> None:
    from layouts.wall_risk import content, refresh

    state = content(OPTIONS)["state"]
    with pytest.raises(PreventUpdate):
        refresh(1, OPTIONS, state)
    summary, agencies, _freshness, _period, new_state = refresh(1, OPTIONS, {**state, "version": -1})
    assert new_state == state and len(agencies) == 1 and _texts(html_div(summary))[0] == "3"


def test_the_explorers_grids_list_agencies_and_their_dossiers_with_names_masked(risk_wall) -> None:
    from layouts import explore_risk
    from layouts.view import View

    report = explore_risk.read(View(lang="vi"), AS_OF)
    agencies = explore_risk.agency_rows(report, "likely", "vi")
    assert [(r["agency_code"], r["likely"], r["predicted"], r["highest"]) for r in agencies] == [("SO-TP", 3, 3, 100.0)]
    every = explore_risk.agency_rows(report, "all", "vi")
    assert [(r["agency_code"], r["likely"], r["predicted"]) for r in every] == [("SO-TP", 3, 3), ("SO-YT", 0, 1)]
    listed = explore_risk.dossier_rows(report, "all", "SO-YT", "vi")
    assert [(r["ma_ho_so"], r["probability"], r["due_at"]) for r in listed] == [("ok-1", 0.0, "04/06/2025 20:00")]
    rows = explore_risk.dossier_rows(report, "likely", None, "vi")
    assert [r["ma_ho_so"] for r in rows] == ["late-1", "late-2", "half-1"]
    assert [r["applicant_name"] for r in rows] == ["N***** V** A*", "T*** T** B***", "N***** V** A*"]
    assert rows[0]["procedure_name"] == "Thủ tục P-LATE" and rows[0]["basis"] == "thủ tục"
    in_file = explore_risk.dossier_rows(report, "likely", None, "vi", file=True)
    assert in_file[0]["due_at"] == datetime(2025, 6, 4, 8, 0) and "id" not in in_file[0]
    # The view's agency and commune filters reach the model.
    of_agency = explore_risk.read(View(lang="vi", agency="SO-YT"), AS_OF)
    assert [r.ma_ho_so for r in of_agency.rows] == ["ok-1"] and of_agency.refused == 0
    assert explore_risk.read(View(lang="vi", unit="20000"), AS_OF).rows == []


@pytest.mark.parametrize(
    ("data", "scope", "selected"),
    [(None, None, None), ({"agency": 5, "lang": "xx"}, "every", [{"agency_code": ["x"]}]), ("x", 1, "y")],
)
def test_the_explorers_risk_callbacks_take_any_client_data(risk_wall, data, scope, selected) -> None:
    from layouts import explore_risk

    agencies, columns, summary = explore_risk.render(data, scope)
    assert isinstance(agencies, list) and columns and "hồ sơ có khả năng trễ hạn" in summary
    dossiers, columns, title = explore_risk.dossiers(selected, data, scope)
    assert isinstance(dossiers, list) and columns and title == "Mọi cơ quan"


def test_applicants_are_read_by_dossier_masked_unless_asked_and_bounded(risk_wall) -> None:
    from ioc.errors import IOCError
    from ioc.kpi.drill import applicant_names

    with risk_wall.connect() as connection:
        assert applicant_names(connection, ["late-2", "late-1", "late-2", "nobody"]) == {
            "late-2": "T*** T** B***",
            "late-1": "N***** V** A*",
        }
        assert applicant_names(connection, ["late-2"], mask_names=False) == {"late-2": "Trần Thị Bình"}
        with pytest.raises(IOCError, match="at most 2000"):
            applicant_names(connection, [f"k{n}" for n in range(2001)])
