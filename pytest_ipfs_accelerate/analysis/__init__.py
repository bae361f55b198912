"""Analysis over a results DB: regression detection, trends, compatibility matrix.

Pure functions over a DuckDB connection (no pytest)::

    compare_runs(con, candidate=None, baseline=None, force=False, thresholds=None)
    trend(con, benchmark=None, hardware=None)
    compatibility_matrix(con, by="test")
"""

from __future__ import annotations

from pytest_ipfs_accelerate.analysis.compare import (
    CompareOptions,
    CompareResult,
    Comparison,
    compare_runs,
    store_comparisons,
)
from pytest_ipfs_accelerate.analysis.matrix import Cell, Matrix, compatibility_matrix
from pytest_ipfs_accelerate.analysis.runs import AnalysisError, RunInfo
from pytest_ipfs_accelerate.analysis.stats import change_points, mann_whitney_u
from pytest_ipfs_accelerate.analysis.trend import ChangePoint, TrendPoint, TrendSeries, trend

__all__ = [
    "AnalysisError",
    "Cell",
    "ChangePoint",
    "CompareOptions",
    "CompareResult",
    "Comparison",
    "Matrix",
    "RunInfo",
    "TrendPoint",
    "TrendSeries",
    "change_points",
    "compare_runs",
    "compatibility_matrix",
    "mann_whitney_u",
    "store_comparisons",
    "trend",
]
