"""The noise-aware regression gate (method ``noise``, the default).

A shared machine makes every benchmark of a run faster or slower together, by up to a
third here, while one benchmark's own run-to-run spread is far smaller. So, on a log
scale, a benchmark's value in run *t* is modelled as its own level, plus an effect that
every benchmark of run *t* shares, plus noise of its own:

    log y[i, t] = level[i] + shared[t] + e[i, t]

From the comparable history (the runs before the candidate on the same hardware, branch
and tox env) the gate estimates each level, each run's shared effect (the median over
benchmarks, once at least :data:`MIN_SHARED` are timed in both) and each benchmark's
spread (its own, shrunk towards the typical benchmark's: a few runs tell little alone,
and the median keeps one erratic benchmark from widening every other's). A benchmark's
change is its candidate value against its level, less the candidate run's shared effect,
with a 95 % prediction interval from that spread (Student's t). It is a regression only
when the whole interval lies beyond the threshold **and** the change is at least
:data:`MIN_SPREADS` spreads; with fewer than ``min_history`` runs of history it is not
judged at all. docs/benchmarks.md gives the rule with examples.

A change that slows every benchmark alike cannot be told from a busier machine by timing;
it shows as the run's shared effect (:attr:`Fit.shared_change`), not as regressions.
Instruction counts (``--ipfs-accel-instructions``) tell them apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pytest_ipfs_accelerate.analysis.stats import median, t_quantile_975

#: Fewest benchmarks timed in a run for its shared effect to be estimated (else 0).
MIN_SHARED = 5
#: A flagged change is at least this many of the benchmark's run-to-run spreads.
MIN_SPREADS = 3.0
#: Weight, in degrees of freedom, of the spread pooled over all benchmarks.
POOL_WEIGHT = 4
#: Smallest spread assumed (instruction counts repeat to ~1e-6; timings never do).
MIN_SPREAD = 1e-4


@dataclass(frozen=True)
class Verdict:
    """One benchmark's change against its history; changes are relative (0.3 = +30 %)."""

    change: float | None
    ci_low: float | None
    ci_high: float | None
    spread: float | None  # its run-to-run noise, relative
    history: int  # runs of history it has
    is_regression: bool
    is_improvement: bool
    note: str | None = None


@dataclass
class Fit:
    """The model fitted to ``series`` (key -> values of the history runs, oldest first,
    None where a run lacks the key), the candidate's values and their rounds."""

    levels: dict[object, float]
    shared: list[float]  # per history run
    shared_candidate: float
    spreads: dict[object, tuple[float, int]]  # key -> (spread, degrees of freedom)

    @property
    def shared_change(self) -> float:
        """The candidate run's shared effect against its history, relative."""
        return math.expm1(self.shared_candidate)


def fit(series: Mapping[object, Sequence[float | None]], candidate: Mapping[object, float],
        shared_keys: set[object]) -> Fit:
    """Levels, shared effects (estimated from ``shared_keys`` only: timings) and spreads.

    Values must be positive. Alternates between levels and shared effects a few times;
    the history runs' shared effects are centred on 0."""
    logs = {k: [None if v is None else math.log(v) for v in vs] for k, vs in series.items()}
    runs = max((len(v) for v in logs.values()), default=0)
    shared = [0.0] * runs
    levels: dict[object, float] = {}
    shared_candidate = 0.0
    for _ in range(4):
        for k, vs in logs.items():
            own = [v - shared[t] if k in shared_keys else v
                   for t, v in enumerate(vs) if v is not None]
            if own:
                levels[k] = sum(own) / len(own)
        shared = [_shared(logs, levels, shared_keys, t) for t in range(runs)]
        if runs:
            mean = sum(shared) / runs
            shared = [s - mean for s in shared]
        shared_candidate = _shared_of(
            {k: math.log(v) - levels[k] for k, v in candidate.items()
             if k in shared_keys and k in levels and v > 0})
    spreads = {}
    own: dict[object, tuple[float, int]] = {}
    for k, vs in logs.items():
        if k not in levels:
            continue
        res = [v - levels[k] - (shared[t] if k in shared_keys else 0.0)
               for t, v in enumerate(vs) if v is not None]
        df = len(res) - 1
        if df >= 1:
            own[k] = (sum(r * r for r in res) / df, df)
    pooled = _pooled_variance(list(own.values())) if len(own) >= 3 else None
    for k in levels:
        var, df = own.get(k, (0.0, 0))
        if pooled is not None:
            var = (var * df + pooled * POOL_WEIGHT) / (df + POOL_WEIGHT)
            df += POOL_WEIGHT
        spreads[k] = (max(math.sqrt(var), MIN_SPREAD), df)
    return Fit(levels, shared, shared_candidate, spreads)


def judge(fitted: Fit, key: object, value: float, rounds: Sequence[float] | None, *,
          history: int, min_history: int, threshold: float, higher_is_better: bool,
          shared: bool, deterministic: bool = False) -> Verdict:
    """The verdict on ``key``'s candidate ``value`` (with its rounds, if timed).

    A ``deterministic`` value (an instruction count) has no noise to learn: one run of
    history suffices, and its change is judged against the threshold alone."""
    if value <= 0 or key not in fitted.levels:
        return Verdict(None, None, None, None, history, False, False,
                       "no positive history to compare with")
    spread, df = fitted.spreads.get(key, (None, 0))
    change = math.log(value) - fitted.levels[key] - (fitted.shared_candidate if shared else 0.0)
    if deterministic and history >= 1:
        worse = -change if higher_is_better else change
        limit = math.log1p(threshold)
        return Verdict(math.expm1(change), math.expm1(change), math.expm1(change), 0.0,
                       history, worse > limit, -worse > limit)
    if history < min_history or spread is None or df < 1:
        return Verdict(math.expm1(change), None, None, None, history, False, False,
                       f"history of {history} run(s), {min_history} needed: not judged")
    within = _median_error(rounds)
    half = t_quantile_975(df) * math.sqrt(spread * spread * (1 + 1 / history) + within * within)
    worse = -change if higher_is_better else change
    limit = math.log1p(threshold)
    regression = worse - half > limit and worse >= MIN_SPREADS * spread
    improvement = -worse - half > limit and -worse >= MIN_SPREADS * spread
    return Verdict(math.expm1(change), math.expm1(change - half), math.expm1(change + half),
                   math.expm1(spread), history, regression, improvement)


def _pooled_variance(estimates: list[tuple[float, int]]) -> float:
    """The typical benchmark's variance: the median of the estimates, scaled by the median
    of a chi-squared (Wilson-Hilferty), so that one erratic benchmark does not inflate
    every other's spread."""
    df = int(median([d for _, d in estimates]))
    return median([v for v, _ in estimates]) / (1 - 2 / (9 * df)) ** 3


def _shared(logs: Mapping[object, Sequence[float | None]], levels: Mapping[object, float],
            keys: set[object], t: int) -> float:
    return _shared_of({k: vs[t] - levels[k] for k, vs in logs.items()
                       if k in keys and k in levels and t < len(vs) and vs[t] is not None})


def _shared_of(deviations: Mapping[object, float]) -> float:
    return median(list(deviations.values())) if len(deviations) >= MIN_SHARED else 0.0


def _median_error(rounds: Sequence[float] | None) -> float:
    """Standard error of the log-median of ``rounds`` (robust: from their MAD)."""
    logs = [math.log(r) for r in rounds or () if r > 0]
    if len(logs) < 5:
        return 0.0
    mid = median(logs)
    mad = median([abs(x - mid) for x in logs])
    return 1.2533 * 1.4826 * mad / math.sqrt(len(logs))
