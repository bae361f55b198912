"""Analysis over a results DB: regression detection, trends, compatibility matrix.

Pure functions over a DuckDB connection (no pytest)::

    compare_runs(con, candidate=None, baseline=None, force=False, thresholds=None)
    trend(con, benchmark=None, hardware=None)
    compatibility_matrix(con, by="test")

Names load on first use: a capture run imports only ``analysis.thresholds``.
"""

from __future__ import annotations

from pytest_ipfs_accelerate.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "compare": ("CompareResult", "Comparison", "compare_runs", "store_comparisons"),
    "thresholds": ("CompareOptions",),
    "matrix": ("Cell", "Matrix", "compatibility_matrix"),
    "runs": ("AnalysisError", "RunInfo"),
    "stats": ("change_points", "mann_whitney_u"),
    "trend": ("ChangePoint", "TrendPoint", "TrendSeries", "trend"),
}, globals())
