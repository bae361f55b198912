"""The regression gate's acceptance experiment, recorded as figures (see __init__)."""

from __future__ import annotations

import pytest

from harness.figures import Figure, record_figures
from harness.regression_gate import experiment
from harness.sizes import bench_size

REPS = bench_size("gate_reps", 10, 1)


def test_gate_tells_noise_from_change(request: pytest.FixtureRequest) -> None:
    result = experiment(REPS)
    record_figures(request, [
        Figure("gate_null_clean_share", result["gate_null_clean"] / REPS, "ratio", "higher"),
        Figure("gate_effect_exact_share", result["gate_effect_exact"] / REPS, "ratio",
               "higher")])
