"""The plugin of the instruction-counting child (see ``benchmarks.instructions``).

It stands in for pytest-benchmark (``-p no:benchmark``): the ``benchmark`` fixture calls
the function once to warm up, then once through a ctypes callback, so that the call runs
inside libffi's ``ffi_call``, the only code callgrind counts. The order of the counted
calls goes to the file named by ``IPFS_ACCEL_INSTRUCTIONS_LOG``.
"""

from __future__ import annotations

import ctypes
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pytest_ipfs_accelerate.benchmarks.instructions import CALIBRATION, LOG_ENV

_TRAMPOLINE = ctypes.CFUNCTYPE(None)
_order: list[str] = []


def counted(fn: Callable[[], Any]) -> Any:
    """``fn()`` inside ``ffi_call``; its result, or its exception raised here."""
    outcome: list[Any] = []

    def call() -> None:
        try:
            outcome.append((True, fn()))
        except BaseException as exc:  # a ctypes callback cannot raise: carry it out
            outcome.append((False, exc))

    _TRAMPOLINE(call)()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


class CountingBenchmark:
    """pytest-benchmark's fixture, as far as the tests use it, counting one call."""

    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid
        self.name = nodeid
        self.group: str | None = None
        self.extra_info: dict[str, Any] = {}
        self.disabled = False

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        fn(*args, **kwargs)  # warm-up: caches, lazy imports, first-call paths
        return self._count(lambda: fn(*args, **kwargs))

    def pedantic(self, target: Callable[..., Any], args: tuple[Any, ...] = (),
                 kwargs: dict[str, Any] | None = None,
                 setup: Callable[[], Any] | None = None, rounds: int = 1,
                 warmup_rounds: int = 0, iterations: int = 1) -> Any:
        def prepared() -> tuple[tuple[Any, ...], dict[str, Any]]:
            if setup is None:
                return args, dict(kwargs or {})
            made = setup()
            return made if made is not None else (args, dict(kwargs or {}))

        a, k = prepared()
        target(*a, **k)
        a, k = prepared()
        return self._count(lambda: target(*a, **k))

    def _count(self, fn: Callable[[], Any]) -> Any:
        result = counted(fn)
        _order.append(self.nodeid)
        return result


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "benchmark(**kwargs): pytest-benchmark's options "
                            "(ignored while instructions are counted)")
    counted(lambda: None)  # the trampoline alone: its cost is subtracted from each count
    _order.append(CALIBRATION)


def pytest_unconfigure(config: pytest.Config) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(_order, f)


@pytest.fixture
def benchmark(request: pytest.FixtureRequest) -> Iterator[CountingBenchmark]:
    """Counts one call of the benchmarked function (instruction-counting child only)."""
    yield CountingBenchmark(request.node.nodeid)
