"""Twelve small benchmarks of different kinds, the workload of the gate experiment.

Collected only when named on the command line (the file name does not match
``test_*.py``). ``GATE_SLOW=<name>`` makes that benchmark do 30 % more work.
"""

from __future__ import annotations

import bz2
import hashlib
import json
import os
import random
import re
import zlib
from typing import Any

import pytest

SLOW = os.environ.get("GATE_SLOW", "")
_DATA = random.Random(0).randbytes(64 * 1024)
_TEXT = " ".join(f"word{i} {i * 7}" for i in range(3000))
_DOC = {"items": [{"id": i, "name": f"n{i}", "tags": ["a", "b", str(i)]} for i in range(300)]}


def _work(name: str, n: int) -> int:
    return int(n * 1.3) if name == SLOW else n


def _sha(n: int) -> Any:
    for _ in range(n):
        hashlib.sha256(_DATA).digest()


def _blake(n: int) -> Any:
    for _ in range(n):
        hashlib.blake2b(_DATA).digest()


def _zlib(n: int) -> Any:
    for _ in range(n):
        zlib.compress(_DATA[:16384], 6)


def _bz2(n: int) -> Any:
    for _ in range(n):
        bz2.compress(_DATA[:4096])


def _json_dump(n: int) -> Any:
    for _ in range(n):
        json.dumps(_DOC)


def _json_load(n: int) -> Any:
    text = json.dumps(_DOC)
    for _ in range(n):
        json.loads(text)


def _sort(n: int) -> Any:
    values = list(random.Random(1).random() for _ in range(2000))
    for _ in range(n):
        sorted(values)


def _regex(n: int) -> Any:
    pattern = re.compile(r"word(\d+) (\d+)")
    for _ in range(n):
        pattern.findall(_TEXT)


def _loop(n: int) -> Any:
    total = 0
    for i in range(n * 2000):
        total += i * i
    return total


def _dict(n: int) -> Any:
    for _ in range(n):
        {str(i): i for i in range(500)}


def _split(n: int) -> Any:
    for _ in range(n):
        _TEXT.split()


def _format(n: int) -> Any:
    for _ in range(n):
        [f"{i:08d}-{i * 1.5:.3f}" for i in range(300)]


WORKLOADS = {"sha": (_sha, 40), "blake": (_blake, 40), "zlib": (_zlib, 20), "bz2": (_bz2, 10),
             "json_dump": (_json_dump, 20), "json_load": (_json_load, 20),
             "sort": (_sort, 40), "regex": (_regex, 20), "loop": (_loop, 20),
             "dict": (_dict, 40), "split": (_split, 40), "format": (_format, 30)}


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_workload(benchmark: Any, name: str) -> None:
    fn, n = WORKLOADS[name]
    benchmark.pedantic(fn, args=(_work(name, n),), rounds=30, iterations=1, warmup_rounds=2)
