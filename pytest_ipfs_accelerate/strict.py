"""Strictness: whether a missing real backend skips the test or fails it.

Strict mode is on with ``--ipfs-accel-strict``, with ``IPFS_ACCEL_STRICT=1``, or in CI
(``CI=true``), where a missing required service must fail, never skip silently.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

_TRUE = {"1", "true", "yes", "on"}


def is_strict(config: pytest.Config | None = None) -> bool:
    """True when a missing backend or device must fail rather than skip."""
    if config is not None and config.getoption("ipfs_accel_strict", default=False):
        return True
    if os.environ.get("IPFS_ACCEL_STRICT", "").strip().lower() in _TRUE:
        return True
    return os.environ.get("CI", "").strip().lower() in _TRUE


def missing_backend(config: pytest.Config | None, what: str, fix: str) -> NoReturn:
    """Skip (or, in strict mode, fail) because ``what`` is unavailable; ``fix`` says how to get it."""
    message = f"{what} is not available: {fix}"
    if is_strict(config):
        pytest.fail(f"{message} (strict mode: CI=true, IPFS_ACCEL_STRICT or --ipfs-accel-strict)",
                    pytrace=False)
    pytest.skip(message)
