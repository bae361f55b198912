"""Warm imports once: pytester's in-process runs drop modules imported during a run, so
torch (imported by detection) and hypothesis (imported by its plugin's terminal summary)
would otherwise be re-imported by every run, seconds each."""

from __future__ import annotations

import contextlib

import pytest

with contextlib.suppress(ImportError):
    import torch  # noqa: F401
with contextlib.suppress(ImportError):
    import hypothesis.internal.observability  # noqa: F401
with contextlib.suppress(ImportError):
    import accelerate.big_modeling  # noqa: F401
with contextlib.suppress(ImportError):
    import duckdb  # noqa: F401

from pytest_ipfs_accelerate.hardware.detect import detect_hardware

detect_hardware()


@pytest.fixture(autouse=True)
def _private_checkpoint_cache(tmp_path_factory, monkeypatch):
    """Each test gets its own (empty) default checkpoint cache, never ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
