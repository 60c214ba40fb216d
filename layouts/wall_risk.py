"""The wall's at-risk page (``/wall/risk``, "Hồ sơ có nguy cơ trễ hạn"): the pending dossiers due in the next
seven days that :func:`ioc.risk.at_risk` finds likely to miss their due time (probability at least
:data:`ioc.risk.LIKELY`), by agency, largest first: each agency's count and its likeliest dossiers (procedure, unit,
due time, probability). The dossiers too thin in history to predict are counted and said, never guessed.

Procedure and unit names only: no applicant, no personal data. ``?date=`` replays a day (as of its end); it refreshes
in place when the data version or the time slot (:data:`layouts.risk_read.SLOT_MINUTES`) changed, as probabilities
move while dossiers age, and sends nothing otherwise. Dark, large, for 1920×1080 and 3840×2160 (scaled as a whole by
``assets/wall.js``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import dash
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from ioc.config import now_local
from ioc.risk import RiskReport, RiskRow
from ioc.warehouse.aggregates import data_version
from layouts import lookups, risk_read, wall, warehouse
from layouts.formatting import moment, number
from layouts.i18n import t
from layouts.page_title import page_title
from layouts.risk_read import AgencyRisk, by_agency, due_text, probability_text

PATH = "/wall/risk"
#: Agencies with a panel of their own (3 × 2 on the screen); the rest are counted in one line.
AGENCIES = 6
#: Dossiers listed in an agency's panel, likeliest first.
LISTED = 3


def as_of(options: dict) -> datetime:
    """Now for today's wall; the end of the day a ``?date=`` replays."""
    day: date = wall._as_of(options["date"])
    now = now_local()
    return now if day == now.date() else datetime.combine(day + timedelta(days=1), time())


def _state(version: int, at: datetime) -> dict:
    """What the page on screen was drawn from: the data version and the time slot."""
    return {"version": version, "slot": risk_read.slot(at).isoformat()}


def _dossier(row: RiskRow, names: lookups.Names, lang: str) -> html.Li:
    procedure = names.procedures.get(row.procedure or "", row.procedure or t(lang, "risk.procedure_unknown"))
    unit = names.units.get(row.unit, row.unit)
    return html.Li(
        [
            html.Div(
                [html.Div(procedure, className="risk-procedure"), html.Div(unit, className="risk-unit")],
                className="risk-what",
            ),
            html.Div(
                [
                    html.Div(probability_text(row.probability, lang), className="risk-probability"),
                    html.Div(t(lang, "risk.due", due=due_text(row.due)), className="risk-due"),
                ],
                className="risk-figures",
            ),
        ],
        className="risk-dossier",
    )


def _panel(group: AgencyRisk, names: lookups.Names, lang: str) -> html.Div:
    agency_names = names.of("agency", lang)
    name = agency_names.get(group.agency, group.agency) if group.agency else t(lang, "risk.agency_unknown")
    more = group.likely - len(group.top)
    return html.Div(
        [
            html.Div(
                [
                    html.Div(name, className="risk-agency-name"),
                    html.Div(number(group.likely, lang), className="risk-agency-count"),
                ],
                className="risk-agency-head",
            ),
            html.Ol([_dossier(row, names, lang) for row in group.top], className="risk-list"),
            *([html.Div(t(lang, "risk.more", count=number(more, lang)), className="tile-muted")] if more else []),
        ],
        className="panel risk-agency",
        id={"type": "wall-risk-agency", "agency": group.agency or ""},
    )


def _summary(report: RiskReport, groups: list[AgencyRisk], lang: str) -> list:
    likely = sum(group.likely for group in groups)
    parts: list = [
        html.Span(number(likely, lang), className="risk-total", id="wall-risk-total"),
        html.Span(t(lang, "risk.likely_of", predicted=number(len(report.rows), lang)), className="risk-total-label"),
    ]
    rest = groups[AGENCIES:]
    if rest:
        parts.append(
            html.Span(
                t(
                    lang,
                    "risk.other_agencies",
                    agencies=number(len(rest), lang),
                    count=number(sum(g.likely for g in rest), lang),
                ),
                className="risk-rest",
            )
        )
    parts.append(
        html.Span(
            t(lang, "risk.refused", count=number(report.refused, lang), history=number(report.min_history, lang)),
            className="risk-refused",
            id="wall-risk-refused",
        )
    )
    return parts


def content(options: dict) -> dict:
    """Everything the page shows, by element."""
    lang = options["lang"]
    at = as_of(options)
    names = lookups.names()
    report, version = risk_read.report(at)
    with warehouse.engine().connect() as connection:
        _, updated_at = data_version(connection)
    groups = by_agency(report.rows, LISTED)
    end = report.as_of + timedelta(days=report.horizon_days)
    panels = [_panel(group, names, lang) for group in groups[:AGENCIES]] or [
        html.Div(t(lang, "risk.none", days=report.horizon_days), className="panel risk-none", id="wall-risk-none")
    ]
    return {
        "period": wall.dated(
            t(lang, "risk.period", first=due_text(report.as_of), last=due_text(end)), wall.replay(options["date"]), lang
        ),
        "freshness": t(lang, "wall.updated", at=moment(updated_at)),
        "summary": _summary(report, groups, lang),
        "agencies": panels,
        "state": _state(version, at),
        "province": names.province,
        "groups": groups,
        "report": report,
    }


def layout(**params: object) -> html.Div:
    options = wall._options(params)
    data = content(options)
    lang = options["lang"]
    header = wall.header(t(lang, "risk.title"), data["province"], "wall-risk", data["period"], data["freshness"])
    return html.Div(
        className="wall wall-risk",
        id="wall",
        children=[
            header,
            html.Div(data["summary"], id="wall-risk-summary", className="risk-summary"),
            html.Div(data["agencies"], id="wall-risk-agencies", className="risk-agencies"),
            *wall.rotation(options, PATH),
            dcc.Store(id="wall-risk-state", data=data["state"]),
            dcc.Interval(id="wall-risk-tick", interval=wall.REFRESH_SECONDS * 1000),
        ],
    )


@callback(
    Output("wall-risk-summary", "children"),
    Output("wall-risk-agencies", "children"),
    Output("wall-risk-freshness", "children"),
    Output("wall-risk-period", "children"),
    Output("wall-risk-state", "data"),
    Input("wall-risk-tick", "n_intervals"),
    State("wall-options", "data"),
    State("wall-risk-state", "data"),
    prevent_initial_call=True,
)
def refresh(_tick: int, options: object, state: object):  # type: ignore[no-untyped-def]
    """New figures in place when the data version or the time slot changed; nothing is sent otherwise."""
    checked = wall._checked(options)
    with warehouse.engine().connect() as connection:
        version, _ = data_version(connection)
    if _state(version, as_of(checked)) == state:
        raise PreventUpdate
    data = content(checked)
    return data["summary"], data["agencies"], data["freshness"], data["period"], data["state"]


def register() -> None:
    dash.register_page(__name__, path=PATH, layout=layout, title=page_title("wall-risk"), name="wall-risk")
