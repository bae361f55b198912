"""Derived figures of a harness test (ratios, medians, CPU seconds) into the results DB.

Each figure becomes a custom metric (table ``metrics``, with its unit and which way is
better, so ``ipfs-accel compare`` and ``trend`` treat it like a timing), a
``user_properties`` entry of the test's ``test_results`` row, and, when the test uses
pytest-benchmark, a key of the benchmark's ``extra_info``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from pytest_ipfs_accelerate.benchmarks.metrics import record_metric


@dataclass(frozen=True)
class Figure:
    """A named value with its unit and which way is better."""

    name: str
    value: float
    unit: str
    direction: Literal["lower", "higher"] = "lower"


def record_figures(request: pytest.FixtureRequest, figures: Iterable[Figure],
                   benchmark: Any = None) -> None:
    """Attach ``figures`` to the running test (and to ``benchmark`` if given)."""
    for fig in figures:
        value = round(float(fig.value), 9)
        record_metric(fig.name, value, unit=fig.unit, direction=fig.direction,
                      config=request.config, nodeid=request.node.nodeid)
        request.node.user_properties.append((fig.name, value))
        if benchmark is not None:
            benchmark.extra_info[fig.name] = value
