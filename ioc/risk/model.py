"""P(late | still pending at as_of) for each pending dossier, from Kaplan–Meier curves of its history's durations.

Time is measured in each dossier's own allowance: τ = elapsed / (due − received), so τ > 1 is late whatever the
procedure's legal days, and P(late | pending at age a) = S(1) / S(a / allowance). Measured so, dossiers received on a
Friday (more calendar days for the same working days) and procedures of different deadlines pool sensibly in the
field and agency fallbacks; the back-test (tests/benchmarks/bench_risk.py) compares it with calendar time
(P = S(allowance) / S(age) on raw durations), and the allowance scale had the lower Brier score at every cut-off
(README, "Dossiers at risk").

History levels, narrowest first, each within the dossier's agency (the simulator and real provinces alike differ in
punctuality by agency more than by procedure): the agency's dossiers of the same procedure, then of the same field,
then all the agency's dossiers. The first level with at least ``MIN_HISTORY`` dossiers resolved in the window gives
the estimate; below it at every level the dossier is refused, never guessed.

A dossier that has outlived every resolved dossier of its history (S(age) = 0) gets probability 1: nothing in the
history finished that late, so nothing says it will finish in time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ioc.risk.history import History
from ioc.risk.survival import product_limit

#: Fewest resolved dossiers a history needs to predict from: about a month of a weekly procedure, and enough that
#: one late dossier moves the estimate by no more than ~3 points.
MIN_HISTORY = 30
LEVELS = ("procedure", "field", "agency")
ALLOWANCE, ELAPSED = "allowance", "elapsed"


@dataclass(frozen=True)
class Estimates:
    """For each queried dossier: its probability (NaN when refused), the level used ('' when refused), and how many
    resolved dossiers that level's history had."""

    probability: np.ndarray
    basis: np.ndarray
    history: np.ndarray


def level_groups(history: History, level: str) -> tuple[int, np.ndarray]:
    """How many groups ``level`` has and each dossier's group (−1 when a code is missing): within its agency, the
    procedure, the field, or the agency itself."""
    if level == "agency":
        keys = [a or None for a in history.agency]
    else:
        codes = history.procedure if level == "procedure" else history.field
        keys = [(a, c) if a and c else None for a, c in zip(history.agency, codes, strict=True)]
    index: dict = {}
    group = np.fromiter((-1 if k is None else index.setdefault(k, len(index)) for k in keys), np.int64, len(keys))
    return len(index), group


def estimate(
    history: History,
    targets: np.ndarray,
    min_history: int = MIN_HISTORY,
    scale: str = ALLOWANCE,
) -> Estimates:
    """Probabilities for the dossiers at indices ``targets`` of ``history`` (pending ones, due after as_of)."""
    count = len(targets)
    probability = np.full(count, np.nan)
    basis = np.full(count, "", dtype=object)
    sizes = np.zeros(count, dtype=np.int64)
    if scale == ALLOWANCE:
        times = history.duration / history.allowance
        late_at, age = np.ones(count), times[targets]
    else:
        times = history.duration
        late_at, age = history.allowance[targets], times[targets]
    open_ = np.ones(count, dtype=bool)
    for level in LEVELS:
        if not open_.any():
            break
        count_groups, group = level_groups(history, level)
        known = group >= 0
        resolved = np.bincount(group[known & history.resolved], minlength=count_groups)
        target_group = group[targets]
        enough = open_ & (target_group >= 0)
        enough[enough] = resolved[target_group[enough]] >= min_history
        if not enough.any():
            continue
        chosen = targets[enough]
        query_groups = np.concatenate([group[chosen], group[chosen]])
        query_times = np.concatenate([late_at[enough], age[enough]])
        survival = product_limit(group[known], times[known], history.resolved[known], query_groups, query_times)
        late, alive = survival[: len(chosen)], survival[len(chosen) :]
        ratio = np.divide(late, alive, out=np.ones_like(late), where=alive > 0)
        probability[enough] = np.clip(ratio, 0.0, 1.0)
        basis[enough] = level
        sizes[enough] = resolved[group[chosen]]
        open_ &= ~enough
    return Estimates(probability, basis, sizes)
