"""The SQL form of the counting rules (``ioc.warehouse.counting``) counts exactly what ``ioc.dossiers.events`` says, on
every edge case of the rules and on both engines: the same aggregates as Python's tally of the same states."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from test_aggregates import snapshot

from ioc.warehouse import aggregates, counting

DAY = datetime(2025, 3, 10, 9, 30)
#: Due times around a finish at DAY + 2 days 10:00: the same second, a second either side, same day, other days.
FINISH = datetime(2025, 3, 12, 10, 0)
DUES = (
    None,
    FINISH,
    FINISH - timedelta(seconds=1),
    FINISH + timedelta(seconds=1),
    FINISH.replace(hour=8),
    FINISH.replace(hour=17),
    FINISH - timedelta(days=1),
    FINISH + timedelta(days=1),
    datetime(2025, 4, 1, 0, 0),  # the next month
)


def edge_states() -> list[tuple]:
    """Every status with every kind of due time, finish and reception, and the fee and digitisation flags."""
    states = []
    combos = itertools.product(
        range(1, 11), DUES, (None, FINISH, DAY, datetime(2025, 3, 31, 23, 59, 59)), (None, DAY), (True, False, None)
    )
    for i, (status, due, finished, received, paid) in enumerate(combos):
        dims = ("46" if i % 3 else "19753", ("UBND-19753", None, "SO-TP")[i % 3], ("HT", None)[i % 2],
                ("1.001234", None)[i % 2], (1, 2, 3, None)[i % 4], (1, 2, None)[i % 3])  # fmt: skip
        states.append((*dims, status, received, due, finished, paid, i % 2 == 0))
    return states


def tallied(states: list[tuple], signs: list[int]) -> dict[str, dict[tuple, tuple]]:
    counts = aggregates.new_counts()
    for sign, state in zip(signs, states, strict=True):
        aggregates.tally([state], sign, counts)
    tables = {}
    for grain, table_counts in counts.items():
        flat = {((b, *v) if grain.bucket else v): tuple(row) for (b, v), row in table_counts.items()}
        tables[grain.table.name] = {key: row for key, row in flat.items() if any(row)}
    return tables


def test_the_sql_rules_count_what_the_python_rules_count_on_every_edge_case(warehouse) -> None:
    states = edge_states()
    with warehouse.begin() as connection:
        counting.add_states(connection, [(1, state) for state in states], aggregates.GRAINS)
        assert snapshot(connection) == tallied(states, [1] * len(states))
        assert sum(row[0] for row in snapshot(connection)["dossier_total"].values()) > 100


def test_taking_states_out_subtracts_them(warehouse) -> None:
    rng = random.Random(7)
    states = edge_states()
    out = rng.sample(states, 300)
    with warehouse.begin() as connection:
        counting.add_states(connection, [(1, state) for state in states], aggregates.GRAINS)
        counting.add_states(connection, [(-1, state) for state in out], aggregates.GRAINS)
        assert snapshot(connection) == tallied([*states, *out], [1] * len(states) + [-1] * len(out))


def test_only_the_days_asked_for_are_summed(warehouse) -> None:
    states = edge_states()
    days = (date(2025, 3, 11), date(2025, 4, 1))
    counts = aggregates.new_counts()
    aggregates.tally(states, 1, counts, only_days=days)
    daily = next(grain for grain in aggregates.GRAINS if grain.table.name == "dossier_daily")
    expected = {day for (day, _), row in counts[daily].items() if any(row)}
    with warehouse.begin() as connection:
        counting.add_states(connection, [(1, state) for state in states], [])  # staged, counted into no aggregate
        counting.sum_events(connection, counting.STAGE, days=days)
        summed = set(connection.execute(select(counting.DELTA.c.day).distinct()).scalars())
    assert {date.fromisoformat(str(day)[:10]) for day in summed} == expected
    assert date(2025, 3, 10) not in expected and len(expected) >= 3
