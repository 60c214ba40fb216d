"""Two of the province's other systems, for the ``rest-json`` kind: a document-management API (QLVB) and a citizen
feedback system, deterministic from (seed, province, month) and the simulated now.

- ``GET /api/qlvb/chi-tieu?updated_since=ISO&page=N&page_size=M``: one record per commune, month and indicator
  (``docs_outgoing``; ``docs_sent_electronic``, ``docs_signed_digitally``, ``docs_received_electronic`` and
  ``tasks_overdue`` as numerator and denominator), with an update time, sorted by it; page paging. A month's figures
  are reported the month after; the running month is month-to-date and updated every hour.
- ``GET /api/phan-anh/thong-ke?thang=YYYY-MM&limit=M&cursor=C``: one record per commune and indicator
  (``feedback_received``, ``feedback_on_time``, ``feedback_open``, ``feedback_satisfied``) for the month asked, no
  update time (the client reads the open months again); cursor paging (``tiep_theo`` in the body).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from ioc.simulator.config import SimulatorConfig
from ioc.simulator.world import stream
from ioc.units import communes

DOCUMENTS_PATH = "/api/qlvb/chi-tieu"
FEEDBACK_PATH = "/api/phan-anh/thong-ke"
PATHS = (DOCUMENTS_PATH, FEEDBACK_PATH)
PAGE_SIZE_MAX = 1000
#: The ``rest-json`` options that read each API (``ioc demo`` adds collectors with them).
DOCUMENTS_OPTIONS: dict[str, Any] = {
    "records": "data.items",
    "fields": {
        "indicator": "chi_tieu",
        "unit": "ma_don_vi",
        "period": "ky_bao_cao",
        "value": "so_lieu",
        "numerator": "tu_so",
        "denominator": "mau_so",
        "updated_at": "cap_nhat",
        "source_key": "id",
    },
    "paging": {"mode": "page", "page_param": "page", "size_param": "page_size", "page_size": 500},
    "updated_since_param": "updated_since",
}
FEEDBACK_OPTIONS: dict[str, Any] = {
    "records": "ket_qua",
    "fields": {
        "indicator": "chi_so",
        "unit": "xa",
        "period": "thang",
        "value": "so_lieu.gia_tri",
        "numerator": "so_lieu.dat",
        "denominator": "so_lieu.tong",
    },
    "paging": {"mode": "cursor", "size_param": "limit", "cursor_param": "cursor", "next_cursor": "tiep_theo"},
    "period_param": "thang",
    "open_periods": 2,
}


def months_between(start: date, now: datetime) -> list[date]:
    months, index = [], start.year * 12 + start.month - 1
    while index <= now.year * 12 + now.month - 1:
        months.append(date(index // 12, index % 12 + 1, 1))
        index += 1
    return months


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_share(month: date, now: datetime) -> float:
    """How much of ``month`` has passed at ``now`` (1 for a past month)."""
    end = next_month(month)
    if now.date() >= end:
        return 1.0
    days = (end - month).days
    return max(0.0, ((now - datetime.combine(month, datetime.min.time())).total_seconds() / 86400) / days)


def unit_sizes(seed: int, province: str) -> dict[str, float]:
    """Each commune's size (a phường is bigger than a xã), for the seed."""
    sizes = {}
    for unit in communes(province):
        rng = stream(seed, province, "indicator-size", unit.code)
        base = {"phường": 2.0, "xã": 1.0}.get(unit.division_type, 0.7)
        sizes[unit.code] = base * float(rng.lognormal(0.0, 0.3))
    return sizes


def _ratio(code: str, unit: str, month: str, numerator: int, denominator: int, stamp: str) -> dict[str, Any]:
    return {
        "id": f"{unit}-{month}-{code}",
        "ma_don_vi": unit,
        "ky_bao_cao": month,
        "chi_tieu": code,
        "so_lieu": None,
        "tu_so": numerator,
        "mau_so": denominator,
        "cap_nhat": stamp,
    }


def document_records(config: SimulatorConfig, now: datetime) -> list[dict[str, Any]]:
    """Every record the document-management API holds at ``now``, sorted by update time then id."""
    records = []
    for unit, size in unit_sizes(config.seed, config.province).items():
        for month in months_between(config.start, now):
            share = month_share(month, now)
            rng = stream(config.seed, config.province, "documents", unit, month.year * 12 + month.month)
            reported = datetime.combine(next_month(month), datetime.min.time()) + timedelta(
                hours=int(rng.integers(2, 72))
            )
            moment = reported if reported <= now else now.replace(minute=0, second=0, microsecond=0)
            stamp, label = moment.isoformat(timespec="seconds"), f"{month:%Y-%m}"
            outgoing = round(float(rng.normal(120, 15)) * size * share)
            incoming = round(float(rng.normal(200, 20)) * size * share)
            tasks = round(float(rng.normal(40, 6)) * size * share)
            outgoing, incoming, tasks = max(outgoing, 0), max(incoming, 0), max(tasks, 0)
            records.append({**_ratio("docs_outgoing", unit, label, 0, 0, stamp), "so_lieu": outgoing,
                            "tu_so": None, "mau_so": None})  # fmt: skip
            electronic = int(outgoing * float(rng.uniform(0.85, 0.99)))
            records.append(_ratio("docs_sent_electronic", unit, label, electronic, outgoing, stamp))
            signed = int(outgoing * float(rng.uniform(0.7, 0.97)))
            records.append(_ratio("docs_signed_digitally", unit, label, signed, outgoing, stamp))
            received = int(incoming * float(rng.uniform(0.8, 0.98)))
            records.append(_ratio("docs_received_electronic", unit, label, received, incoming, stamp))
            overdue = int(tasks * float(rng.uniform(0.0, 0.12)))
            records.append(_ratio("tasks_overdue", unit, label, overdue, tasks, stamp))
    records.sort(key=lambda record: (record["cap_nhat"], record["id"]))
    return records


def feedback_records(config: SimulatorConfig, now: datetime, month: date) -> list[dict[str, Any]]:
    """The feedback system's figures for ``month`` at ``now`` (none before the start or after now)."""
    if month > now.date() or next_month(month) <= config.start:
        return []
    label, share, records = f"{month:%Y-%m}", month_share(month, now), []
    for unit, size in unit_sizes(config.seed, config.province).items():
        rng = stream(config.seed, config.province, "feedback", unit, month.year * 12 + month.month)
        received = max(round(float(rng.normal(30, 6)) * size * share), 0)
        handled = int(received * float(rng.uniform(0.75, 0.95)))
        on_time = int(handled * float(rng.uniform(0.8, 0.98)))
        rated = int(handled * float(rng.uniform(0.4, 0.7)))
        satisfied = int(rated * float(rng.uniform(0.7, 0.95)))
        figures = (
            ("feedback_received", {"gia_tri": received}),
            ("feedback_on_time", {"dat": on_time, "tong": handled}),
            ("feedback_open", {"gia_tri": received - handled}),
            ("feedback_satisfied", {"dat": satisfied, "tong": rated}),
        )
        records += [{"xa": unit, "thang": label, "chi_so": code, "so_lieu": data} for code, data in figures]
    return records


def _size(values: dict[str, str], name: str) -> int:
    text = values.get(name, "100")
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= PAGE_SIZE_MAX:
        raise ValueError(f"{name} must be a whole number from 1 to {PAGE_SIZE_MAX}")
    return int(text)


def answer(config: SimulatorConfig, now: datetime, path: str, query: str) -> tuple[int, dict[str, Any]]:
    """The status and JSON body for a request to one of :data:`PATHS`."""
    values = {name: items[0] for name, items in parse_qs(query, keep_blank_values=True).items()}
    try:
        if path == DOCUMENTS_PATH:
            return 200, _documents(config, now, values)
        return 200, _feedback(config, now, values)
    except ValueError as error:
        return 400, {"error": "bad_request", "message": str(error)}


def _documents(config: SimulatorConfig, now: datetime, values: dict[str, str]) -> dict[str, Any]:
    size = _size(values, "page_size")
    page_text = values.get("page", "1")
    if not page_text.isascii() or not page_text.isdigit() or int(page_text) < 1:
        raise ValueError("page must be a whole number ≥ 1")
    records = document_records(config, now)
    since = values.get("updated_since")
    if since:
        moment = datetime.fromisoformat(since).isoformat(timespec="seconds")
        records = [record for record in records if record["cap_nhat"] >= moment]
    first = (int(page_text) - 1) * size
    return {"data": {"items": records[first : first + size]}, "tong_so": len(records), "trang": int(page_text)}


def _feedback(config: SimulatorConfig, now: datetime, values: dict[str, str]) -> dict[str, Any]:
    limit = _size(values, "limit")
    month_text = values.get("thang", "")
    try:
        month = datetime.strptime(month_text, "%Y-%m").date()
    except ValueError:
        raise ValueError("thang must be YYYY-MM") from None
    cursor = values.get("cursor", "c0")
    if not (cursor.startswith("c") and cursor[1:].isascii() and cursor[1:].isdigit()):
        raise ValueError("cursor is not one this API gave")
    first = int(cursor[1:])
    records = feedback_records(config, now, month)
    following = f"c{first + limit}" if first + limit < len(records) else None
    return {"ket_qua": records[first : first + limit], "tiep_theo": following}
