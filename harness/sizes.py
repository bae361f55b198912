"""Suite sizes from the environment: full by default, small under ``--quick``.

``IPFS_ACCEL_BENCH_<NAME>`` sets one size explicitly; otherwise the harness runner's
``--quick`` (``IPFS_ACCEL_BENCH_QUICK=1``) picks the quick value.
"""

from __future__ import annotations

import os

QUICK_ENV = "IPFS_ACCEL_BENCH_QUICK"


def is_quick() -> bool:
    """Whether this suite runs under ``--quick``."""
    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def bench_size(name: str, full: int, quick: int) -> int:
    """``IPFS_ACCEL_BENCH_<NAME>`` if set (a positive integer), else ``quick`` or ``full``."""
    var = f"IPFS_ACCEL_BENCH_{name.upper()}"
    raw = os.environ.get(var)
    if raw is None or raw == "":
        return quick if is_quick() else full
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{var}={raw!r}: expected a positive integer")
    return value
