"""One day of arrivals: every dossier whose life starts on a day, drawn from (seed, province, day) alone.

A dossier's first event is its online registration, or its reception at the desk or by post. Its code (MaHoSo) is
``H<province>-<yymmdd>-<nnnnnn>`` with the day of that first event and its rank that day, so codes sort like
(day, rank) and are unique in the source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ioc.simulator.catalogue import OTHER_ORGANISATION_SHARE
from ioc.simulator.injection import Injector
from ioc.simulator.lifecycle import EVENTS, LIFETIME_DAYS, draw_lifecycles, office_seconds
from ioc.simulator.names import name_stops, name_table
from ioc.simulator.rhythm import (
    POSTAL_SHARE,
    digitised_share,
    expected_arrivals,
    online_hour_weights,
    online_payment_share,
)
from ioc.simulator.work_calendar import DAY, SATURDAY, WorkCalendar
from ioc.simulator.world import World, stream

#: Malformed kinds, in the order of their codes (``Dossiers.malformed``; -1 is a well-formed record).
MALFORMED_KINDS = (
    "missing_key",
    "bad_date",
    "due_before_received",
    "finished_before_received",
    "bad_channel",
    "bad_status",
    "unknown_unit",
    "finished_without_end",
)
CODE_BASE = 1_000_000
#: Columns of ``Dossiers.attributes``.
ATTRIBUTES = (
    "procedure",
    "agency",
    "channel",
    "applicant_type",
    "name",
    "received_status",
    "end_status",
    "online_payment",
    "digitised",
    "malformed",
    "variant",
)
#: Columns of ``Dossiers.times`` after the ``EVENTS`` event times.
DUE_REGISTERED, DUE_RECEIVED, DUE_FINAL = EVENTS, EVENTS + 1, EVENTS + 2
_COLUMN = {name: i for i, name in enumerate(ATTRIBUTES)}


@dataclass(frozen=True)
class Dossiers:
    """Some dossiers as two matrices (one row each), with the day each first appeared and its rank that day."""

    attributes: np.ndarray
    times: np.ndarray
    origin: np.ndarray
    rank: np.ndarray

    def __len__(self) -> int:
        return len(self.origin)

    def __getattr__(self, name: str) -> np.ndarray:
        """One column of ``attributes`` by its name in ``ATTRIBUTES`` (``dossiers.procedure``)."""
        if name in _COLUMN:
            return self.attributes[:, _COLUMN[name]]
        raise AttributeError(name)

    @property
    def events(self) -> np.ndarray:
        return self.times[:, :EVENTS]

    @property
    def nbytes(self) -> int:
        return self.attributes.nbytes + self.times.nbytes + self.origin.nbytes + self.rank.nbytes

    def take(self, rows: np.ndarray) -> Dossiers:
        return Dossiers(self.attributes[rows], self.times[rows], self.origin[rows], self.rank[rows])

    @staticmethod
    def empty() -> Dossiers:
        return Dossiers(
            np.empty((0, len(ATTRIBUTES)), dtype=np.int32),
            np.empty((0, EVENTS + 3), dtype=np.int64),
            np.empty(0, dtype=np.int32),
            np.empty(0, dtype=np.int32),
        )

    @staticmethod
    def concat(parts: list[Dossiers]) -> Dossiers:
        return Dossiers(
            np.concatenate([p.attributes for p in parts]),
            np.concatenate([p.times for p in parts]),
            np.concatenate([p.origin for p in parts]),
            np.concatenate([p.rank for p in parts]),
        )

    def sort_keys(self) -> np.ndarray:
        """Keys that order dossiers like their MaHoSo; a record served without one sorts first (as "")."""
        keys = self.origin.astype(np.int64) * CODE_BASE + self.rank
        return np.where(self.malformed == 0, -1, keys)


def _arrival_times(calendar: WorkCalendar, rng: np.random.Generator, day: int, online: int, desk: int) -> np.ndarray:
    hours = rng.choice(24, size=online, p=online_hour_weights())
    online_seconds = hours * 3600 + rng.integers(0, 3600, size=online)
    desk_seconds = office_seconds(rng, desk, mornings_only=int(calendar.kind(day)) == SATURDAY)
    return day * DAY + np.concatenate([online_seconds, desk_seconds]).astype(np.int64)


def _applicants(world: World, rng: np.random.Generator, procedure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    count = len(procedure)
    table = name_table()
    business, state, other = name_stops(table)
    u = rng.random(count)
    business_share = world.business_share[procedure]
    state_share = world.state_agency_share[procedure]
    kind = np.where(
        u < business_share,
        2,
        np.where(
            u < business_share + state_share,
            3,
            np.where(u < business_share + state_share + OTHER_ORGANISATION_SHARE, 4, 1),
        ),
    )
    names = np.select(
        [kind == 2, kind == 3, kind == 4],
        [table.pick(rng, *business, count), table.pick(rng, *state, count), table.pick(rng, *other, count)],
        default=table.citizens(rng, count),
    )
    return kind.astype(np.int8), names.astype(np.int32)


def generate_day(
    world: World,
    calendar: WorkCalendar,
    seed: int,
    day: int,
    daily_volume: int,
    malformed_rate: float,
    inject: Injector | None = None,
) -> Dossiers:
    """Every dossier first seen on ``day`` (with ``inject``: as its injected anomalies change them)."""
    rng = stream(seed, world.province, "day", day)
    online_mean, desk_mean = expected_arrivals(calendar, day, daily_volume)
    noise = rng.lognormal(0.0, 0.06)
    online_count = int(rng.poisson(online_mean * noise))
    desk_count = int(rng.poisson(desk_mean * noise))
    postal_count = int(rng.binomial(desk_count, POSTAL_SHARE)) if desk_count else 0
    count = online_count + desk_count
    channel = np.concatenate(
        [np.full(online_count, 2), np.full(desk_count - postal_count, 1), np.full(postal_count, 3)]
    ).astype(np.int8)
    online = channel == 2
    first_times = _arrival_times(calendar, rng, day, online_count, desk_count)
    procedure = np.concatenate(
        [
            rng.choice(len(world.procedures), size=online_count, p=world.online_weights),
            rng.choice(len(world.procedures), size=desk_count, p=world.desk_weights),
        ]
    ).astype(np.int16)
    commune = rng.choice(len(world.commune_weights), size=count, p=world.commune_weights)
    agency = np.where(
        world.procedure_commune[procedure], world.commune_agencies[commune], world.procedure_agency[procedure]
    ).astype(np.int16)
    applicant_type, name = _applicants(world, rng, procedure)
    lives = draw_lifecycles(
        calendar,
        rng,
        day,
        first_times,
        online,
        world.fully_online[procedure],
        world.legal_days[procedure],
        world.late_share[agency],
        world.supplement_share[procedure],
        world.financial_share[procedure] * world.has_fee[procedure],
        collapsed=None if inject is None else inject.collapsed(agency),
    )
    if inject is not None:
        inject.surge(day, agency, lives.times, (day + LIFETIME_DAYS) * DAY - 1)
    pay = rng.random(count) < np.where(online, online_payment_share(day, True), online_payment_share(day, False))
    online_payment = np.where(world.has_fee[procedure], pay.astype(np.int8), -1).astype(np.int8)
    digitised = (rng.random(count) < digitised_share(day)).astype(np.int8)
    draws = rng.random(count)
    kinds = rng.integers(0, len(MALFORMED_KINDS), size=count)
    malformed = np.where(draws < malformed_rate, kinds, -1).astype(np.int8)
    variant = rng.integers(0, 4, size=count).astype(np.int8)
    order = np.argsort(first_times, kind="stable")
    attributes = np.column_stack(
        [
            procedure,
            agency,
            channel,
            applicant_type,
            name,
            lives.received_status,
            lives.end_status,
            online_payment,
            digitised,
            malformed,
            variant,
        ]
    ).astype(np.int32)
    times = np.column_stack([lives.times, lives.due_registered, lives.due_received, lives.due_final])
    dossiers = Dossiers(
        attributes=attributes[order],
        times=times[order],
        origin=np.full(count, day, dtype=np.int32),
        rank=np.arange(1, count + 1, dtype=np.int32),
    )
    served = None if inject is None else inject.gap_rows(day, dossiers.agency)
    return dossiers if served is None else dossiers.take(np.flatnonzero(served))
