"""Anomalies the simulator can inject, so a benchmark can score detectors against known (day, kind, scope, code).

Kinds, each over the calendar days ``[start, start + days)``:

- ``gap`` (scope ``province`` or ``unit``): a collection gap. The dossiers of the scope first seen on those days are
  never served: the warehouse gets no data from the source for them.
- ``surge`` (scope ``agency``): a backlog surge. The agency stops resolving: every dossier of it whose processing
  would end in the stretch ends instead on one of the first :data:`CATCH_UP_DAYS` working days after it.
- ``collapse`` (scope ``agency``): the agency's punctuality collapses. Its dossiers due in the stretch are late
  with probability :data:`ioc.simulator.lifecycle.COLLAPSED_LATE_SHARE` instead of the agency's usual share.

Injections are given as text (``SimulatorConfig.anomalies``): ``kind:scope:code:YYYY-MM-DD:days`` separated by
commas; :func:`draw` picks some from a seed, deterministically. Without any, nothing here runs and the simulator
serves exactly what it served before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ioc.simulator.lifecycle import ABSENT, ENDED, RETURNED, bound_times
from ioc.simulator.work_calendar import DAY, OFFICE_OPEN, WorkCalendar, day_number
from ioc.simulator.world import World, stream
from ioc.units import COMMUNE_LEVEL, all_agencies, communes, province_unit
from ioc.work_calendar import is_working_day

KINDS = ("gap", "surge", "collapse")
SCOPES = {"gap": ("province", "unit"), "surge": ("agency",), "collapse": ("agency",)}
MAX_DAYS = 60
MAX_INJECTIONS = 200
#: A surge's dossiers end on one of this many working days after the stretch.
CATCH_UP_DAYS = 3
#: Stretch lengths (calendar days, inclusive bounds) that :func:`draw` picks from.
DRAWN_DAYS = {"gap": (2, 4), "surge": (4, 7), "collapse": (7, 12)}
#: :func:`draw` picks codes with at least this share of the province's dossiers.
MIN_SHARE = 0.01


@dataclass(frozen=True)
class Injection:
    """One injected anomaly."""

    kind: str
    scope: str
    code: str
    start: date
    days: int

    @property
    def end(self) -> date:
        """The day after the stretch."""
        return self.start + timedelta(days=self.days)

    def text(self) -> str:
        return f"{self.kind}:{self.scope}:{self.code}:{self.start.isoformat()}:{self.days}"


def parse(text: str, province: str) -> tuple[Injection, ...]:
    """The injections of ``text`` (empty: none); ``ValueError`` with one line saying what is wrong."""
    injections = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        fields = part.split(":")
        if len(fields) != 5:
            raise ValueError(f"anomaly {part!r}: expected kind:scope:code:YYYY-MM-DD:days")
        kind, scope, code, start, days = fields
        if kind not in KINDS:
            raise ValueError(f"anomaly {part!r}: kind must be one of {', '.join(KINDS)}")
        if scope not in SCOPES[kind]:
            raise ValueError(f"anomaly {part!r}: a {kind} is about a {' or '.join(SCOPES[kind])}")
        if code not in known_codes(province, scope):
            raise ValueError(f"anomaly {part!r}: no {scope} {code!r} in province {province}")
        try:
            first = date.fromisoformat(start)
            length = int(days)
        except ValueError:
            raise ValueError(f"anomaly {part!r}: give the start as YYYY-MM-DD and days as a number") from None
        if not 1 <= length <= MAX_DAYS:
            raise ValueError(f"anomaly {part!r}: days must be between 1 and {MAX_DAYS}")
        injections.append(Injection(kind, scope, code, first, length))
    if len(injections) > MAX_INJECTIONS:
        raise ValueError(f"at most {MAX_INJECTIONS} anomalies")
    return tuple(injections)


def known_codes(province: str, scope: str) -> set[str]:
    if scope == "province":
        return {province_unit(province).code}
    if scope == "unit":
        return {unit.code for unit in communes(province)} | {province_unit(province).code}
    return {agency.code for agency in all_agencies(province)}


def text_of(injections: tuple[Injection, ...] | list[Injection]) -> str:
    return ",".join(injection.text() for injection in injections)


def shares(world: World) -> tuple[dict[str, float], dict[str, float]]:
    """Each agency's and each unit's expected share of the province's dossiers (desk weights)."""
    weights = world.desk_weights
    agency = np.zeros(len(world.agency_codes))
    commune = world.procedure_commune
    np.add.at(agency, world.procedure_agency[~commune], weights[~commune])
    np.add.at(agency, world.commune_agencies, weights[commune].sum() * world.commune_weights)
    by_agency = dict(zip(world.agency_codes, agency.tolist(), strict=True))
    by_unit: dict[str, float] = {}
    for code, unit in zip(world.agency_codes, world.agency_units, strict=True):
        by_unit[unit] = by_unit.get(unit, 0.0) + by_agency[code]
    return by_agency, by_unit


def draw(world: World, seed: int, first: date, last: date, count: int) -> tuple[Injection, ...]:
    """``count`` injections from the seed, kinds in turn, each starting on a working day in its own slot of
    ``[first, last]`` (no overlap in time), about agencies and units with at least :data:`MIN_SHARE` of the dossiers;
    a quarter of the gaps are the whole province's."""
    rng = stream(seed, world.province, "injections")
    by_agency, by_unit = shares(world)
    agencies = sorted(code for code, share in by_agency.items() if share >= MIN_SHARE)
    provincial = {a.code for a in world.agencies if a.level != COMMUNE_LEVEL}
    units = sorted(code for code, share in by_unit.items() if share >= MIN_SHARE and code != world.province)
    slot = (last - first).days // max(count, 1)
    injections = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        low, high = DRAWN_DAYS[kind]
        days = int(rng.integers(low, high + 1))
        start = first + timedelta(days=index * slot + int(rng.integers(0, max(1, slot - days - 7))))
        while not is_working_day(start):
            start += timedelta(days=1)
        if kind == "gap":
            scope, code = ("province", world.province) if rng.random() < 0.25 else ("unit", str(rng.choice(units)))
        else:
            pool = agencies if kind == "collapse" else sorted(provincial & set(agencies)) or agencies
            scope, code = "agency", str(rng.choice(pool))
        injections.append(Injection(kind, scope, code, start, days))
    return tuple(injections)


@dataclass(frozen=True)
class Injector:
    """The injections as the generator applies them to one day's dossiers."""

    injections: tuple[Injection, ...]
    world: World
    calendar: WorkCalendar
    seed: int

    def _agency_index(self, code: str) -> int:
        return self.world.agency_codes.index(code)

    def gap_rows(self, day: int, agency: np.ndarray) -> np.ndarray | None:
        """Which dossiers first seen on ``day`` are served (None: all of them)."""
        keep = np.ones(len(agency), dtype=bool)
        units = np.array(self.world.agency_units)
        for injection in self.injections:
            if injection.kind != "gap" or not day_number(injection.start) <= day < day_number(injection.end):
                continue
            if injection.scope == "province":
                keep[:] = False
            else:
                keep &= units[agency] != injection.code
        return None if keep.all() else keep

    def collapsed(self, agency: np.ndarray) -> Callable[[np.ndarray], np.ndarray] | None:
        """Which dossiers (by their final due time) are late at the collapsed share; None without a collapse."""
        stretches = [
            (self._agency_index(i.code), day_number(i.start) * DAY, day_number(i.end) * DAY)
            for i in self.injections
            if i.kind == "collapse"
        ]
        if not stretches:
            return None

        def mask(due: np.ndarray) -> np.ndarray:
            chosen = np.zeros(len(due), dtype=bool)
            for index, low, high in stretches:
                chosen |= (agency == index) & (due >= low) & (due < high)
            return chosen

        return mask

    def surge(self, day: int, agency: np.ndarray, times: np.ndarray, last: int) -> None:
        """Move the ends (and returns) of the agency's dossiers ending in a surge to just after it, in place; events
        stay in order and at or before ``last``."""
        ended, returned = ENDED, RETURNED
        rng = None
        for injection in (i for i in self.injections if i.kind == "surge"):
            low, high = day_number(injection.start) * DAY, day_number(injection.end) * DAY
            rows = np.flatnonzero((agency == self._agency_index(injection.code)) & (times[:, ended] >= low))
            rows = rows[times[rows, ended] < high]
            if not rows.size:
                continue
            rng = rng or stream(self.seed, self.world.province, "surge", day)
            catch_up = self.calendar.add_working_days(
                np.full(rows.size, day_number(injection.end) - 1), rng.integers(1, CATCH_UP_DAYS + 1, size=rows.size)
            )
            moved = catch_up * DAY + OFFICE_OPEN + rng.integers(0, 9 * 3600, size=rows.size)
            shift = moved - times[rows, ended]
            times[rows, ended] = moved
            present = times[rows, returned] != ABSENT
            times[rows[present], returned] += shift[present]
        if rng is not None:
            bound_times(times, last)


def injector(injections: tuple[Injection, ...], world: World, calendar: WorkCalendar, seed: int) -> Injector | None:
    return Injector(injections, world, calendar, seed) if injections else None
