"""P(late | still pending at as_of) for each pending dossier, from Kaplan–Meier curves of its history's durations.

Time is measured in each dossier's own allowance: τ = elapsed / (due − received), so τ > 1 is late whatever the
procedure's legal days, and P(late | pending at age a) = S(1) / S(a / allowance). Measured so, dossiers received on a
Friday (more calendar days for the same working days) and procedures of different deadlines pool sensibly in the
field and agency fallbacks; the back-test (tests/benchmarks/bench_risk.py) compares it with calendar time
(P = S(allowance) / S(age) on raw durations), and the allowance scale had the lower Brier score at every cut-off
(README, "Dossiers at risk").

History levels, narrowest first, each within the dossier's agency: the agency's dossiers of the same procedure, then
of the same field, then all the agency's dossiers. Within the agency, because punctuality is the handling office's
(a commune procedure is run by each commune's own staff): on three cut-offs of a 14-month simulated history, nesting
had the lower Brier score at each than pooling a procedure's and a field's dossiers across the province (0.140, 0.125,
0.122 against 0.145, 0.133, 0.127). The first level with at least ``MIN_HISTORY`` dossiers resolved in the window
gives the estimate; below it at every level the dossier is refused, never guessed.

A dossier that has outlived every resolved dossier of its history (S(age) = 0) gets probability 1: nothing in the
history finished that late, so nothing says it will finish in time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ioc.risk.history import LEVELS, History
from ioc.risk.survival import product_limit

#: Fewest resolved dossiers a history needs to predict from: with 30, one late dossier more or less moves a late
#: share by about 3 points; with fewer, the curve is a handful of steps and the estimate mostly noise.
MIN_HISTORY = 30
ALLOWANCE, ELAPSED = "allowance", "elapsed"


@dataclass(frozen=True)
class Estimates:
    """For each queried dossier: its probability (NaN when refused), the level used ('' when refused), and how many
    resolved dossiers that level's history had."""

    probability: np.ndarray
    basis: np.ndarray
    history: np.ndarray


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
        count_groups, group = history.groups[level]
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
        # Rounded to 12 decimals: the products are sums of logarithms, and a ratio that is exactly 1/2 must compare
        # as 1/2 against LIKELY, not as 0.49999999999999994.
        probability[enough] = np.clip(np.round(ratio, 12), 0.0, 1.0)
        basis[enough] = level
        sizes[enough] = resolved[group[chosen]]
        open_ &= ~enough
    return Estimates(probability, basis, sizes)
