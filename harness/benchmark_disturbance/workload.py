"""Sixteen benchmarks, the workload of the disturbance experiment (see ``__init__``).

Eight kinds of work, each timed two ways, interleaved: ``calibrated`` (pytest-benchmark's
own calibration, thousands of rounds up to ``--benchmark-max-time``, so each adds
thousands of ``benchmark_samples`` rows at its teardown: enough to reach the writer's
``flush_rows`` while the next benchmark is timing) and ``long`` (25 rounds of about 3 ms,
where a flush during a few rounds moves the median). Collected only when named on the
command line (the file name does not match ``test_*.py``).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

import pytest

_DATA = random.Random(0).randbytes(64 * 1024)
_TEXT = " ".join(f"word{i} {i * 7}" for i in range(400))
_DOC = {"items": [{"id": i, "name": f"n{i}", "tags": ["a", "b", str(i)]} for i in range(40)]}
_VALUES = [random.Random(1).random() for _ in range(300)]


def _sort() -> Any:
    return sorted(_VALUES)


def _dict() -> Any:
    return {str(i): i for i in range(100)}


def _json() -> Any:
    return json.dumps(_DOC)


def _regex() -> Any:
    return re.findall(r"word(\d+) (\d+)", _TEXT)


def _format() -> Any:
    return [f"{i:08d}-{i * 1.5:.3f}" for i in range(60)]


def _loop() -> Any:
    total = 0
    for i in range(500):
        total += i * i
    return total


def _split() -> Any:
    return _TEXT.split()


def _sha() -> Any:
    return hashlib.sha256(_DATA).digest()


WORKLOADS = {"sort": _sort, "dict": _dict, "json": _json, "regex": _regex,
             "format": _format, "loop": _loop, "split": _split, "sha": _sha}


#: Calls of each kind that take about 3 ms here (a ``long`` round).
LONG_CALLS = {"sort": 2500, "dict": 300, "json": 100, "regex": 50, "format": 100,
              "loop": 200, "split": 150, "sha": 80}


def _repeat(fn: Any, n: int) -> None:
    for _ in range(n):
        fn()


@pytest.mark.parametrize(("name", "style"), [(n, s) for n in WORKLOADS
                                             for s in ("calibrated", "long")])
def test_workload(benchmark: Any, name: str, style: str) -> None:
    fn = WORKLOADS[name]
    if style == "calibrated":
        benchmark(fn)
    else:
        benchmark.pedantic(_repeat, args=(fn, LONG_CALLS[name]), rounds=25, iterations=1,
                           warmup_rounds=1)
