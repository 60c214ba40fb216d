"""The payment platform's database for the ``sql`` kind: a SQLite file of cashless payments by commune and month
(``cashless_transactions``, ``cashless_value`` in million đồng, ``cashless_rate`` as cashless ÷ all transactions),
deterministic from (seed, province, month) and now; the running month is month-to-date, updated every hour."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

from ioc.simulator.indicator_apis import month_share, months_between, next_month, unit_sizes
from ioc.simulator.world import stream

TABLE = "thanh_toan_thang"
#: The query an ``sql`` collector reads it with (rows from the cursor's update time on, in its order).
QUERY = f"SELECT * FROM {TABLE} WHERE :cursor IS NULL OR cap_nhat >= :cursor ORDER BY cap_nhat, ma_xa, chi_tieu"
FIELDS = {
    "indicator": "chi_tieu",
    "unit": "ma_xa",
    "period": "thang",
    "value": "gia_tri",
    "numerator": "tu_so",
    "denominator": "mau_so",
    "updated_at": "cap_nhat",
}
Row = tuple[str, str, str, float | None, int | None, int | None, str]


def payment_rows(seed: int, province: str, start: date, now: datetime) -> list[Row]:
    """(ma_xa, thang, chi_tieu, gia_tri, tu_so, mau_so, cap_nhat) for every commune and month up to ``now``."""
    rows: list[Row] = []
    for unit, size in unit_sizes(seed, province).items():
        for month in months_between(start, now):
            rng = stream(seed, province, "payments", unit, month.year * 12 + month.month)
            share = month_share(month, now)
            reported = datetime.combine(next_month(month), datetime.min.time()) + timedelta(
                hours=int(rng.integers(1, 48))
            )
            moment = reported if reported <= now else now.replace(minute=0, second=0, microsecond=0)
            stamp, label = moment.isoformat(timespec="seconds"), f"{month:%Y-%m}"
            total = max(round(float(rng.normal(2500, 300)) * size * share), 0)
            cashless = int(total * float(rng.uniform(0.35, 0.8)))
            value = round(cashless * float(rng.uniform(0.2, 0.6)), 2)
            rows += [
                (unit, label, "cashless_transactions", float(cashless), None, None, stamp),
                (unit, label, "cashless_value", value, None, None, stamp),
                (unit, label, "cashless_rate", None, cashless, total, stamp),
            ]
    return rows


def write_payments_database(path: Path, rows: list[Row]) -> None:
    """(Re)write the database at ``path`` with ``rows``, atomically (a reader sees the old or the new file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(partial) as connection:
        connection.execute(
            f"CREATE TABLE {TABLE} (ma_xa TEXT, thang TEXT, chi_tieu TEXT, gia_tri REAL, tu_so INTEGER, "
            "mau_so INTEGER, cap_nhat TEXT)"
        )
        connection.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    connection.close()
    partial.replace(path)
