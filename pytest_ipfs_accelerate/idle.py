"""Is anything asking for us? The cheap check that keeps an idle plugin idle."""

from __future__ import annotations

import os

import pytest


def nothing_configured(config: pytest.Config, *options: str) -> bool:
    """True when none of ``options``, ``--ipfs-accel-db``/``--ipfs-accel-config``, an
    ``IPFS_ACCEL_*`` env var, the ``ipfs_accel_db`` ini key or a config file (own file, or
    ``ipfs_accelerate`` in pyproject.toml) concerns us; then config need not be loaded."""
    for option in ("ipfs_accel_db", "ipfs_accel_config", *options):
        if config.getoption(option, default=None):
            return False
    if any(name.startswith("IPFS_ACCEL_") for name in os.environ):
        return False
    if config.getini("ipfs_accel_db"):
        return False
    root = config.rootpath
    if (root / "ipfs_accelerate.toml").is_file():
        return False
    try:
        return b"ipfs_accelerate" not in (root / "pyproject.toml").read_bytes()
    except OSError:
        return True
