"""Warm imports once: pytester's in-process runs drop modules imported during a run, so
torch (imported by detection) and hypothesis (imported by its plugin's terminal summary)
would otherwise be re-imported by every run, seconds each."""

from __future__ import annotations

import contextlib

with contextlib.suppress(ImportError):
    import torch  # noqa: F401
with contextlib.suppress(ImportError):
    import hypothesis.internal.observability  # noqa: F401

from pytest_ipfs_accelerate.hardware.detect import detect_hardware

detect_hardware()
