"""pytest-ipfs-accelerate: IPFS, container and hardware fixtures; every result in DuckDB.

Importing this package is cheap: heavy dependencies (duckdb, torch, docker,
ipfshttpclient) are imported only by the packages that need them, when they need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
