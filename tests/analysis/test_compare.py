"""Regression detection, method ``classic``: rank test plus threshold, z-score fallback,
baseline choice, errors. (The default method, ``noise``: test_noise_gate.py.)"""

from __future__ import annotations

import random
from typing import Any

import pytest

from pytest_ipfs_accelerate.analysis import (
    AnalysisError,
    CompareOptions,
    compare_runs,
    store_comparisons,
)
from pytest_ipfs_accelerate.testing.synthetic import add_benchmark, add_metric, add_run

CLASSIC = CompareOptions(method="classic")


def noisy(center: float, n: int = 30, spread: float = 0.02, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    return [center * (1 + rng.uniform(-spread, spread)) for _ in range(n)]


def by_nodeid(result: Any) -> dict[str, Any]:
    return {c.nodeid: c for c in result.comparisons}


def test_slower_benchmark_is_a_regression_only_when_significant_and_past_threshold(
        db: Any) -> None:
    base = add_run(db, day=0)
    cand = add_run(db, day=1)
    for run, seed, f in ((base, 1, 1.0), (cand, 2, 1.0)):
        add_benchmark(db, run, "t.py::test_slow", noisy(1e-3 * (1.3 if run == cand else 1), seed=seed))
        add_benchmark(db, run, "t.py::test_same", noisy(2e-3 * f, seed=seed + 10))
        # significant but small: 5% slower, below the 10% threshold
        add_benchmark(db, run, "t.py::test_bit", noisy(3e-3 * (1.05 if run == cand else 1),
                                                       spread=0.001, seed=seed + 20))
    result = compare_runs(db, options=CLASSIC)
    assert result.candidate_run.run_id == cand and result.baseline_run.run_id == base
    got = by_nodeid(result)
    slow = got["t.py::test_slow"]
    assert slow.is_regression and slow.method == "mann-whitney"
    assert slow.ratio == pytest.approx(1.3, rel=0.05) and slow.p_value < 1e-6
    assert not got["t.py::test_same"].is_regression
    bit = got["t.py::test_bit"]
    assert bit.p_value < 0.05 and not bit.is_regression
    assert [c.nodeid for c in result.regressions] == ["t.py::test_slow"]


def test_faster_is_an_improvement_and_noise_is_not(db: Any) -> None:
    base, cand = add_run(db, day=0), add_run(db, day=1)
    add_benchmark(db, base, "t.py::test_fast", noisy(1.0, seed=1))
    add_benchmark(db, cand, "t.py::test_fast", noisy(0.5, seed=2))
    # 30% apart on medians but only 3 rounds and no history: threshold alone decides
    add_benchmark(db, base, "t.py::test_few", [1.0, 1.0, 1.0])
    add_benchmark(db, cand, "t.py::test_few", [1.3, 1.3, 1.3])
    got = by_nodeid(compare_runs(db, options=CLASSIC))
    assert got["t.py::test_fast"].is_improvement and not got["t.py::test_fast"].is_regression
    few = got["t.py::test_few"]
    assert few.method == "z-score" and few.is_regression and few.p_value is None


def test_thresholds_from_marker_config_and_group(db: Any) -> None:
    base, cand = add_run(db, day=0), add_run(db, day=1)
    for nodeid, group, marker in (("t.py::test_m", None, 0.5), ("t.py::test_g", "io", None),
                                  ("t.py::test_n", None, 0.5)):
        add_benchmark(db, base, nodeid, noisy(1.0, seed=1), group=group, threshold=marker)
        add_benchmark(db, cand, nodeid, noisy(1.3, seed=2), group=group, threshold=marker)
    opts = CompareOptions(thresholds={"io": 0.4, "test_n": 0.2}, method="classic")
    got = by_nodeid(compare_runs(db, options=opts))
    assert got["t.py::test_m"].threshold == 0.5 and not got["t.py::test_m"].is_regression
    assert got["t.py::test_g"].threshold == 0.4 and not got["t.py::test_g"].is_regression
    # config by name beats the marker
    assert got["t.py::test_n"].threshold == 0.2 and got["t.py::test_n"].is_regression
    # thresholds= adds to the options; "default" covers what nothing else names
    got = by_nodeid(compare_runs(db, options=opts, thresholds={"default": 0.25}))
    assert got["t.py::test_g"].threshold == 0.4
    assert by_nodeid(compare_runs(db, options=CLASSIC, thresholds={"default": 0.25}))[
        "t.py::test_g"].threshold == 0.25


def test_higher_is_better_metric_uses_z_score_over_history(db: Any) -> None:
    runs = [add_run(db, day=d) for d in range(6)]
    for i, run in enumerate(runs[:-1]):
        add_metric(db, run, "t.py::test_io", "throughput", [100 + (i % 3)], unit="MiB/s",
                   direction="higher")
        add_metric(db, run, "t.py::test_io", "peak_mb", [50 + (i % 2)], unit="MiB")
    add_metric(db, runs[-1], "t.py::test_io", "throughput", [70], unit="MiB/s",
               direction="higher")
    add_metric(db, runs[-1], "t.py::test_io", "peak_mb", [40], unit="MiB")
    got = {c.metric: c for c in compare_runs(db, options=CLASSIC).comparisons}
    tp = got["throughput"]
    assert tp.method == "z-score" and tp.direction == "higher" and tp.unit == "MiB/s"
    assert tp.is_regression and tp.p_value is not None and tp.p_value < 0.01
    assert got["peak_mb"].is_improvement and not got["peak_mb"].is_regression


def test_default_baseline_is_latest_earlier_same_hardware_branch_and_tox_env(db: Any) -> None:
    want = add_run(db, day=1)
    add_run(db, day=2, fingerprint="fp-b")
    add_run(db, day=3, branch="feature")
    add_run(db, day=4, tox_env="py311-cuda")
    later = add_run(db, day=9)
    cand = add_run(db, day=5)
    for run in (want, cand, later):
        add_benchmark(db, run, "t.py::test_a", noisy(1.0))
    for run in db.execute("SELECT CAST(run_id AS VARCHAR) FROM runs").fetchall():
        if run[0] not in (want, cand, later):
            add_benchmark(db, run[0], "t.py::test_a", noisy(1.0))
    result = compare_runs(db, options=CLASSIC, candidate=cand[:8])
    assert result.baseline_run.run_id == want


def test_bad_input_errors_are_one_clear_line(db: Any) -> None:
    with pytest.raises(AnalysisError, match="no benchmark results or metrics"):
        compare_runs(db, options=CLASSIC)
    a = add_run(db, day=0, fingerprint="fp-aaa", host="box-1")
    b = add_run(db, day=1, fingerprint="fp-bbb", host="box-2")
    add_benchmark(db, a, "t.py::test_a", noisy(1.0))
    add_benchmark(db, b, "t.py::test_a", noisy(1.0))
    with pytest.raises(AnalysisError, match="no baseline") as no_base:
        compare_runs(db, options=CLASSIC)
    assert "fp-bbb" in str(no_base.value) and "--baseline" in str(no_base.value)
    with pytest.raises(AnalysisError, match="different hardware") as diff:
        compare_runs(db, options=CLASSIC, baseline=a)
    text = str(diff.value)
    assert "fp-aaa" in text and "fp-bbb" in text and "--force" in text and "\n" not in text
    assert compare_runs(db, options=CLASSIC, baseline=a, force=True).comparisons
    with pytest.raises(AnalysisError, match="'0000' does not exist"):
        compare_runs(db, options=CLASSIC, baseline="0000")
    with pytest.raises(AnalysisError, match="same run"):
        compare_runs(db, options=CLASSIC, candidate=b, baseline=b)


def test_store_comparisons_replaces_the_same_pair(db: Any) -> None:
    base, cand = add_run(db, day=0), add_run(db, day=1)
    for run, c in ((base, 1.0), (cand, 2.0)):
        add_benchmark(db, run, "t.py::test_a", noisy(c))
        add_benchmark(db, run, "t.py::test_b", noisy(1.0))
    result = compare_runs(db, options=CLASSIC)
    assert store_comparisons(db, result) == 2
    assert store_comparisons(db, result) == 2
    rows = db.execute("SELECT nodeid, metric, method, is_regression, ratio > 1.9 FROM "
                      "regressions ORDER BY nodeid").fetchall()
    assert rows == [("t.py::test_a", "time", "mann-whitney", True, True),
                    ("t.py::test_b", "time", "mann-whitney", False, False)]


def test_devices_and_simulated_are_never_compared_across(db: Any) -> None:
    base, cand = add_run(db, day=0), add_run(db, day=1)
    add_benchmark(db, base, "t.py::test_a", noisy(1.0), device="cuda:0", is_simulated=True)
    add_benchmark(db, cand, "t.py::test_a", noisy(9.0), device="cuda:0", is_simulated=False)
    add_benchmark(db, base, "t.py::test_b", noisy(1.0), device="cuda:0", is_simulated=True)
    add_benchmark(db, cand, "t.py::test_b", noisy(1.0), device="cuda:0", is_simulated=True)
    result = compare_runs(db, options=CLASSIC)
    assert [(c.nodeid, c.is_simulated) for c in result.comparisons] == [("t.py::test_b", True)]
