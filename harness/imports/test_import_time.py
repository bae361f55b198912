"""Module import time: the package, each subpackage, and what pytest pays with the plugin idle.

Each case runs ``python -X importtime -c "<imports>"`` in a fresh subprocess; each round
first runs the case's baseline (``pass``, or ``import pytest``) so both see the same load.
pytest-benchmark's samples are the case's wall times. Figures: the summed self import
time of the modules the case adds over its baseline (from ``-X importtime``, free of
interpreter start-up), their count, and the wall and CPU medians and their difference
over the baseline. Rounds: ``IPFS_ACCEL_BENCH_IMPORT_ROUNDS`` (10; quick 1).
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from harness.child_timing import ChildTiming, python_cmd, run_timed
from harness.figures import Figure, record_figures
from harness.imports.importtime import new_modules, parse_importtime
from harness.sizes import bench_size
from pytest_ipfs_accelerate.plugin import PACKAGE_PLUGINS

ROUNDS = bench_size("import_rounds", 10, 1)
PKG = "pytest_ipfs_accelerate"
#: Imported only when a feature is used; never by the idle plugin.
HEAVY = ("duckdb", "torch", "numpy", "safetensors", "accelerate", "docker", "ipfshttpclient")

#: case -> (statement, baseline case or None)
CASES: dict[str, tuple[str, str | None]] = {
    "interpreter": ("pass", None),
    "pytest": ("import pytest", "interpreter"),
    "plugin_idle": (f"import pytest, {PKG}.plugin, {', '.join(PACKAGE_PLUGINS)}", "pytest"),
    "capture_enabled": (f"import pytest, {PKG}.plugin, {PKG}.capture.session, "
                        f"{PKG}.db.writer, duckdb", "pytest"),
    "package": (f"import {PKG}", "interpreter"),
    **{name: (f"import {PKG}.{name}", "interpreter")
       for name in ("ipfs", "containers", "hardware", "checkpoint", "db", "report", "config",
                    "cli")},
}


def _run(case: str) -> ChildTiming:
    return run_timed(python_cmd("-X", "importtime", "-c", CASES[case][0]))


@pytest.mark.parametrize("case", list(CASES))
def test_import_time(benchmark: Any, case: str, request: pytest.FixtureRequest) -> None:
    statement, baseline = CASES[case]
    runs: dict[str, list[ChildTiming]] = {case: [], "baseline": []}

    def setup() -> None:
        if baseline is not None:
            runs["baseline"].append(_run(baseline))

    def target() -> None:
        runs[case].append(_run(case))

    benchmark.group = "import time"
    benchmark.pedantic(target, setup=setup, rounds=ROUNDS, iterations=1)
    modules = parse_importtime(runs[case][-1].stderr)
    base_modules = parse_importtime(runs["baseline"][-1].stderr) if baseline else {}
    added = new_modules(modules, base_modules)
    heavy = sorted(m for m in added if m.split(".")[0] in HEAVY and "." not in m)
    per_round = [sum(new_modules(parse_importtime(r.stderr), base_modules).values())
                 for r in runs[case]]
    figures = [
        Figure("import_self_ms", statistics.median(per_round) / 1000, "ms"),
        Figure("modules_added", len(added), "count"),
        Figure("wall_median_s", statistics.median(r.wall_s for r in runs[case]), "s"),
        Figure("cpu_median_s", statistics.median(r.cpu_s for r in runs[case]), "s"),
    ]
    if baseline is not None:
        for kind in ("wall", "cpu"):
            attr = f"{kind}_s"
            diff = (statistics.median(getattr(r, attr) for r in runs[case])
                    - statistics.median(getattr(r, attr) for r in runs["baseline"]))
            figures.append(Figure(f"{kind}_over_baseline_s", diff, "s"))
    benchmark.extra_info.update(statement=statement, baseline=baseline, heavy_modules=heavy,
                                slowest_modules=dict(sorted(added.items(),
                                                            key=lambda kv: -kv[1])[:10]))
    record_figures(request, figures, benchmark)
    if case == "plugin_idle":
        assert not heavy, f"the idle plugin imports {heavy}: import them lazily"
