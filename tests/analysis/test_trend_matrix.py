"""Trends with change points per benchmark x hardware; the compatibility matrix."""

from __future__ import annotations

import random
from typing import Any

import pytest

from pytest_ipfs_accelerate.analysis import AnalysisError, compatibility_matrix, trend
from pytest_ipfs_accelerate.testing.synthetic import add_benchmark, add_metric, add_run, add_test


def test_trend_finds_the_step_per_hardware(db: Any) -> None:
    rng = random.Random(3)
    runs_a = []
    for day in range(20):
        run = add_run(db, day=day, fingerprint="fp-a", commit=f"commit{day:02d}")
        runs_a.append(run)
        level = 1e-3 if day < 12 else 1.6e-3
        add_benchmark(db, run, "t.py::test_x", [level * (1 + rng.uniform(-0.02, 0.02))
                                                for _ in range(5)])
        add_metric(db, run, "t.py::test_x", "tokens_per_s", [800 + rng.uniform(-5, 5)],
                   unit="tokens/s", direction="higher")
    for day in range(5):  # other hardware: flat, its own series
        add_benchmark(db, add_run(db, day=day + 0.5, fingerprint="fp-b"), "t.py::test_x",
                      [2e-3] * 5)
    series = trend(db, "test_x")
    keyed = {(s.metric, s.hardware_fingerprint): s for s in series}
    assert set(keyed) == {("time", "fp-a"), ("time", "fp-b"), ("tokens_per_s", "fp-a")}
    a = keyed[("time", "fp-a")]
    assert len(a.points) == 20 and a.points[0].git_commit == "commit00"
    assert [(cp.index, cp.run_id) for cp in a.change_points] == [(12, runs_a[12])]
    assert a.change_points[0].ratio == pytest.approx(1.6, rel=0.05)
    assert keyed[("time", "fp-b")].change_points == []
    assert keyed[("tokens_per_s", "fp-a")].change_points == []
    assert keyed[("tokens_per_s", "fp-a")].direction == "higher"
    assert [s.hardware_fingerprint for s in trend(db, hardware="fp-b")] == ["fp-b"]
    with pytest.raises(AnalysisError, match="no benchmark results or metrics matching 'nope'"):
        trend(db, "nope")


def test_matrix_keeps_simulated_apart_and_scores(db: Any) -> None:
    r1, r2 = add_run(db, day=0), add_run(db, day=1)
    for run in (r1, r2):
        add_test(db, run, "t.py::test_gpu", "passed", device="cuda:0")
        add_test(db, run, "t.py::test_gpu", "passed", device="cuda:0", is_simulated=True)
        add_test(db, run, "t.py::test_cpu", "skipped")
    add_test(db, r1, "t.py::test_flaky", "failed", device="cuda:0")
    add_test(db, r2, "t.py::test_flaky", "passed", device="cuda:0")
    add_test(db, r2, "t.py::test_x", "xfailed", device="cuda:0")
    m = compatibility_matrix(db)
    assert m.columns == ["cpu", "cuda:0", "cuda:0 (simulated)"]
    assert m.simulated_columns == {"cuda:0 (simulated)"}
    gpu = m.cells[("t.py::test_gpu", "cuda:0")]
    assert (gpu.passed, gpu.total, gpu.score, gpu.is_simulated) == (2, 2, 1.0, False)
    assert m.cells[("t.py::test_gpu", "cuda:0 (simulated)")].is_simulated
    flaky = m.cells[("t.py::test_flaky", "cuda:0")]
    assert (flaky.passed, flaky.failed, flaky.score) == (1, 1, 0.5)
    assert m.cells[("t.py::test_cpu", "cpu")].score is None
    assert m.cells[("t.py::test_x", "cuda:0")].xfailed == 1
    only = compatibility_matrix(db, run=r1[:8])
    assert ("t.py::test_x", "cuda:0") not in only.cells


def test_matrix_by_model_uses_checkpoint_architecture(db: Any) -> None:
    run = add_run(db)
    add_test(db, run, "t.py::test_bert", "passed", device="cuda:0", is_simulated=True)
    add_test(db, run, "t.py::test_mlp", "failed")
    for nodeid, arch, backend in (("t.py::test_bert", "bert", "cuda:0"),
                                  ("t.py::test_mlp", "mlp-classifier", "cpu")):
        db.execute("INSERT INTO operations (run_id, nodeid, kind, op, backend, is_simulated, "
                   "duration_s, ok, started_at, extra) VALUES (?, ?, 'checkpoint', 'dispatch', "
                   "?, FALSE, 0.1, TRUE, now(), ?)",
                   [run, nodeid, backend, f'{{"architecture": "{arch}"}}'])
    m = compatibility_matrix(db, by="model")
    assert m.rows == ["bert", "mlp-classifier"]
    assert m.cells[("bert", "cuda:0 (simulated)")].passed == 1
    assert m.cells[("mlp-classifier", "cpu")].failed == 1
    with pytest.raises(AnalysisError, match="by must be"):
        compatibility_matrix(db, by="host")
