"""Analysis over a results DB: regression detection, trends, compatibility matrix.

Pure functions over a DuckDB connection (no pytest)::

    compare_runs(con, candidate=None, baseline=None, force=False, thresholds=None)
    trend(con, benchmark=None, hardware=None)
    compatibility_matrix(con, by="test")

Names load on first use. ``CompareOptions`` (the ``[benchmarks]`` thresholds) is re-exported
from ``config.thresholds``, so a capture run checks them without loading this package.
"""

from __future__ import annotations

from pytest_ipfs_accelerate.config.thresholds import CompareOptions as CompareOptions
from pytest_ipfs_accelerate.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "compare": ("CompareResult", "Comparison", "compare_runs", "store_comparisons"),
    "matrix": ("Cell", "Matrix", "compatibility_matrix"),
    "runs": ("AnalysisError", "RunInfo"),
    "stats": ("change_points", "mann_whitney_u"),
    "trends": ("ChangePoint", "TrendPoint", "TrendSeries", "trend"),
}, globals())
__all__ = sorted([*__all__, "CompareOptions"])
