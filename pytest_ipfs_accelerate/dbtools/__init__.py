"""Tools over whole results DBs: merge many into one, export to partitioned Parquet."""

from __future__ import annotations

from pytest_ipfs_accelerate.dbtools.export import export_parquet
from pytest_ipfs_accelerate.dbtools.merge import MergeResult, fold_spools, merge_databases

__all__ = ["MergeResult", "export_parquet", "fold_spools", "merge_databases"]
