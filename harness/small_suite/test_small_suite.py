"""Small real suite: the results DB's fixed cost on six's ~200 tests, vs the idle plugin.

Records ``harness.small_suite``'s figures (see its doc); skipped when the sdist cannot be
downloaded. Sizes: ``IPFS_ACCEL_BENCH_SMALL_ROUNDS`` (15; quick 1).
"""

from __future__ import annotations

import pytest

from harness.figures import record_figures
from harness.sizes import bench_size
from harness.small_suite import DEFAULT_PACKAGE, SuiteUnavailableError, fetch_sdist, measure

ROUNDS = bench_size("small_rounds", 15, 1)


def test_db_fixed_cost_on_a_small_real_suite(request: pytest.FixtureRequest) -> None:
    try:
        suite = fetch_sdist(DEFAULT_PACKAGE)
    except SuiteUnavailableError as exc:
        pytest.skip(str(exc))
    record_figures(request, measure(suite, ROUNDS))
