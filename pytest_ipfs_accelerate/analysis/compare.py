"""Regression detection: a candidate run against its baseline and comparable history.

Two methods, chosen by ``CompareOptions.method``:

- ``noise`` (default, ``analysis.noise``): each benchmark's change against its own
  history, less the run's shared (machine) effect, with a prediction interval from its
  run-to-run spread; flagged only when the whole interval is beyond the threshold.
- ``classic`` (the method before it): with raw samples on both sides (benchmark rounds,
  or metrics recorded at least ``MIN_SAMPLES`` times per run) a change counts when a
  two-sided Mann-Whitney U test is significant **and** the relative change passes the
  threshold. Without them (one value per run) the candidate is scored against a window
  of past comparable runs (z-score), and again the threshold must hold too. With too
  little history to score, the threshold alone decides.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_ipfs_accelerate.analysis import noise
from pytest_ipfs_accelerate.analysis.runs import (
    AnalysisError,
    RunInfo,
    check_comparable,
    comparable_history,
    default_baseline,
    has_results,
    latest_with_results,
    require_tables,
    resolve_run,
)
from pytest_ipfs_accelerate.analysis.stats import mann_whitney_u, mean_stdev, two_sided_p
from pytest_ipfs_accelerate.config.thresholds import CompareOptions, threshold_for
from pytest_ipfs_accelerate.db.tables import REGRESSIONS
from pytest_ipfs_accelerate.db.transaction import transaction

#: Fewest samples per side for the rank test (5 vs 5 is the smallest that can reach p < 0.05).
MIN_SAMPLES = 5

#: (nodeid, name, metric, device, is_simulated): what is compared with what.
Key = tuple[str, str, str, str, bool]


@dataclass(frozen=True)
class Comparison:
    """One benchmark or metric of the candidate against the baseline."""

    nodeid: str | None
    name: str
    metric: str  # "time" for benchmarks (median seconds), else the metric's name
    unit: str | None
    direction: str  # "lower" | "higher": which way is better
    baseline_value: float
    candidate_value: float
    ratio: float | None  # candidate / baseline
    p_value: float | None
    method: str  # "mann-whitney" | "z-score"
    threshold: float
    is_regression: bool
    is_improvement: bool
    device: str | None = None
    is_simulated: bool = False
    group: str | None = None
    #: ``noise`` only: the relative change against the history (after the run's shared
    #: effect), its 95 % interval, the run-to-run spread, and the runs of history.
    change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    spread: float | None = None
    history: int = 0
    note: str | None = None


@dataclass
class CompareResult:
    """The two runs compared and every comparison made."""

    candidate_run: RunInfo
    baseline_run: RunInfo
    comparisons: list[Comparison] = field(default_factory=list)
    #: ``noise`` only: how much slower (+) or faster (-) every timed benchmark of the
    #: candidate is against its history, together (None: too few benchmarks to tell).
    shared_change: float | None = None

    @property
    def regressions(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.is_regression]

    @property
    def improvements(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.is_improvement]


def compare_runs(con: Any, candidate: str | None = None, baseline: str | None = None, *,
                 force: bool = False, thresholds: Mapping[str, float] | None = None,
                 options: CompareOptions | None = None) -> CompareResult:
    """Compare ``candidate`` (default: the latest run with results) with ``baseline``.

    The default baseline is the latest earlier run with the same hardware fingerprint,
    git branch and tox env. ``thresholds`` (by nodeid, name or group; ``"default"``)
    override ``options.thresholds``. Raises :class:`AnalysisError` on bad input.
    """
    opts = options or CompareOptions()
    if thresholds:
        opts = dataclasses.replace(opts, thresholds={**opts.thresholds, **thresholds})
    require_tables(con, "benchmark_results", "benchmark_samples", "metrics")
    cand = resolve_run(con, candidate, "candidate run") if candidate else latest_with_results(con)
    if not has_results(con, cand):
        raise AnalysisError(f"candidate run {cand.label} has no benchmark results or metrics "
                            "to compare")
    base = resolve_run(con, baseline, "baseline run") if baseline else default_baseline(con, cand)
    check_comparable(cand, base, force=force)
    if not has_results(con, base):
        raise AnalysisError(f"baseline run {base.label} has no benchmark results or metrics "
                            "to compare")
    history = [base] + [r for r in comparable_history(con, cand, opts.window)
                        if r.run_id != base.run_id]
    window = history[:max(opts.window, 1)]
    now = _load_current(con, cand.run_id, base.run_id)
    past = _load_history(con, [r.run_id for r in window])
    cand_rows = now.get(cand.run_id, {})
    base_rows = now.get(base.run_id, {})
    if opts.method == "noise":  # against the history, where the baseline may lack a key
        keys = sorted(cand_rows.keys() & (base_rows.keys() | past.keys()))
        return _judge_noise(cand, base, keys, cand_rows, base_rows, past,
                            [r.run_id for r in reversed(window)], opts)
    keys = sorted(cand_rows.keys() & base_rows.keys())
    comparisons = [_compare_one(key, cand_rows[key], base_rows[key],
                                list(past.get(key, {}).values()), opts) for key in keys]
    return CompareResult(cand, base, comparisons)


def _judge_noise(cand: RunInfo, base: RunInfo, keys: list[Key],
                 cand_rows: dict[Key, _Values], base_rows: dict[Key, _Values],
                 past: dict[Key, dict[str, float]], runs: list[str],
                 opts: CompareOptions) -> CompareResult:
    """The ``noise`` method over every key (``runs``: the history, oldest first)."""
    series = {k: [past.get(k, {}).get(r) for r in runs] for k in keys}
    positive = {k for k in keys if cand_rows[k].value > 0
                and all(v is None or v > 0 for v in series[k])}
    timed = {k for k in positive if k[2] == "time"}
    fitted = noise.fit({k: series[k] for k in positive},
                       {k: cand_rows[k].value for k in positive}, timed)
    comparisons = []
    for key in keys:
        c = cand_rows[key]
        # the baseline's value, else the latest run of history that has one
        b_value = (base_rows[key].value if key in base_rows
                   else next(v for v in reversed(series[key]) if v is not None))
        nodeid, name, metric, device, simulated = key
        thr = threshold_for(opts, nodeid or None, name, c.group, c.marker)
        verdict = noise.judge(
            fitted, key, c.value if key in positive else -1.0, c.samples,
            history=sum(v is not None for v in series[key]), min_history=opts.min_history,
            threshold=thr, higher_is_better=c.direction == "higher", shared=key in timed,
            deterministic=c.deterministic)
        comparisons.append(Comparison(
            nodeid=nodeid or None, name=name, metric=metric, unit=c.unit,
            direction=c.direction, baseline_value=b_value, candidate_value=c.value,
            ratio=c.value / b_value if b_value else None, p_value=None, method="noise",
            threshold=thr, is_regression=verdict.is_regression,
            is_improvement=verdict.is_improvement, device=device or None,
            is_simulated=simulated, group=c.group, change=verdict.change,
            ci_low=verdict.ci_low, ci_high=verdict.ci_high, spread=verdict.spread,
            history=verdict.history, note=verdict.note))
    shared = fitted.shared_change if len(timed) >= noise.MIN_SHARED and runs else None
    return CompareResult(cand, base, comparisons, shared_change=shared)


@dataclass
class _Values:
    value: float
    samples: list[float] | None
    unit: str | None
    direction: str
    group: str | None
    marker: float | None
    deterministic: bool = False  # counted, not timed: instructions repeat exactly


def _compare_one(key: Key, c: _Values, b: _Values, history: list[float],
                 opts: CompareOptions) -> Comparison:
    nodeid, name, metric, device, simulated = key
    thr = threshold_for(opts, nodeid or None, name, c.group, c.marker)
    ratio = c.value / b.value if b.value else None
    higher = c.direction == "higher"
    if ratio is None:
        worse = better = False
    elif higher:
        worse, better = ratio < 1 - thr, ratio > 1 + thr
    else:
        worse, better = ratio > 1 + thr, ratio < 1 - thr
    p: float | None = None
    if (c.samples and b.samples and len(c.samples) >= MIN_SAMPLES
            and len(b.samples) >= MIN_SAMPLES):
        method = "mann-whitney"
        p = mann_whitney_u(c.samples, b.samples).p_value
        significant = p < opts.alpha
    else:
        method = "z-score"
        significant = True
        if len(history) >= 3:
            mean, sd = mean_stdev(history)
            if sd > 0:
                z = (c.value - mean) / sd
                p = two_sided_p(z)
                significant = abs(z) >= opts.z_threshold
    return Comparison(
        nodeid=nodeid or None, name=name, metric=metric, unit=c.unit, direction=c.direction,
        baseline_value=b.value, candidate_value=c.value, ratio=ratio, p_value=p,
        method=method, threshold=thr, is_regression=worse and significant,
        is_improvement=better and significant, device=device or None, is_simulated=simulated,
        group=c.group)


_MARKER = "TRY_CAST(json_extract_string(extra, '$.threshold') AS DOUBLE)"
_IDS = "(SELECT unnest(CAST(? AS UUID[])))"


def _load_current(con: Any, cand: str, base: str) -> dict[str, dict[Key, _Values]]:
    """Values (and raw samples) of both runs, keyed by run id then Key."""
    ids = [cand, base]
    out: dict[str, dict[Key, _Values]] = {cand: {}, base: {}}
    rows = con.execute(f"""
        SELECT CAST(b.run_id AS VARCHAR), b.nodeid, b.name, coalesce(b.device, ''),
               b.is_simulated, b.median_s, b.group_name, {_MARKER}, s.samples
        FROM benchmark_results b
        LEFT JOIN (SELECT run_id, nodeid, name, list(duration_s) AS samples
                   FROM benchmark_samples WHERE run_id IN {_IDS} GROUP BY ALL) s
          ON b.run_id = s.run_id AND b.nodeid = s.nodeid AND b.name = s.name
        WHERE b.run_id IN {_IDS} AND b.status = 'ok' AND b.median_s IS NOT NULL""",
                       [ids, ids]).fetchall()
    for run, nodeid, name, device, sim, med, group, marker, samples in rows:
        out[run][(nodeid, name, "time", device, bool(sim))] = _Values(
            med, samples, "s", "lower", group, marker)
    rows = con.execute(f"""
        SELECT CAST(run_id AS VARCHAR), coalesce(nodeid, ''), name, coalesce(device, ''),
               is_simulated, list(value), any_value(unit), any_value(direction), max({_MARKER}),
               bool_and(coalesce(TRY_CAST(json_extract(extra, '$.deterministic') AS BOOLEAN),
                                 false))
        FROM metrics WHERE run_id IN {_IDS} GROUP BY ALL""", [ids]).fetchall()
    for run, nodeid, name, device, sim, values, unit, direction, marker, exact in rows:
        out[run][(nodeid, name, name, device, bool(sim))] = _Values(
            sum(values) / len(values), values if len(values) > 1 else None, unit, direction,
            None, marker, bool(exact))
    return out


def _load_history(con: Any, run_ids: list[str]) -> dict[Key, dict[str, float]]:
    """One value per past run and Key (benchmark medians, metric means), by run id."""
    out: dict[Key, dict[str, float]] = {}
    if not run_ids:
        return out
    rows = con.execute(f"""
        SELECT CAST(run_id AS VARCHAR), nodeid, name, 'time', coalesce(device, ''),
               is_simulated, median_s
        FROM benchmark_results WHERE run_id IN {_IDS} AND status = 'ok'
          AND median_s IS NOT NULL
        UNION ALL
        SELECT CAST(run_id AS VARCHAR), coalesce(nodeid, ''), name, name,
               coalesce(device, ''), is_simulated, avg(value)
        FROM metrics WHERE run_id IN {_IDS}
        GROUP BY run_id, coalesce(nodeid, ''), name, coalesce(device, ''), is_simulated""",
                       [run_ids, run_ids]).fetchall()
    for run, nodeid, name, metric, device, sim, value in rows:
        out.setdefault((nodeid, name, metric, device, bool(sim)), {})[run] = value
    return out


def comparison_rows(result: CompareResult) -> list[tuple[Any, ...]]:
    """``regressions`` rows (every comparison; ``is_regression`` marks the regressions), with
    ``detected_at`` in epoch seconds (the writer's convention)."""
    cand, base = result.candidate_run.run_id, result.baseline_run.run_id
    now = time.time()
    return [REGRESSIONS.row(
        candidate_run_id=cand, baseline_run_id=base, nodeid=c.nodeid, name=c.name,
        metric=c.metric, baseline_value=c.baseline_value, candidate_value=c.candidate_value,
        ratio=_finite(c.ratio), p_value=c.p_value, method=c.method, threshold=c.threshold,
        is_regression=c.is_regression, detected_at=now, is_improvement=c.is_improvement,
        change=_finite(c.change), ci_low=_finite(c.ci_low), ci_high=_finite(c.ci_high),
        spread=_finite(c.spread), history_runs=c.history, note=c.note)
        for c in result.comparisons]


def store_comparisons(con: Any, result: CompareResult) -> int:
    """Write every comparison to ``regressions`` (replacing an earlier store of the same pair)."""
    cand, base = result.candidate_run.run_id, result.baseline_run.run_id
    rows = comparison_rows(result)
    columns = [list(col) for col in zip(*rows, strict=True)] if rows else []
    select = ", ".join(convert.format(f"unnest(CAST(? AS {staged}[]))")
                       for staged, convert in (c.staged() for c in REGRESSIONS.all_columns))
    with transaction(con):
        con.execute("DELETE FROM regressions WHERE candidate_run_id = ? AND baseline_run_id = ?",
                    [cand, base])
        if rows:
            con.execute(f"INSERT INTO regressions ({', '.join(REGRESSIONS.columns)}) "
                        f"SELECT {select}", columns)
    return len(rows)


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None
