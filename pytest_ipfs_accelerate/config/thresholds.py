"""Regression-check options: thresholds and test parameters, from ``[benchmarks]``.

Settings, so they live with the config: a capture run checks its ``[benchmarks]`` table
before any test runs without loading the analysis package, which uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_ipfs_accelerate.errors import ConfigError

DEFAULT_THRESHOLD = 0.10
DEFAULT_ALPHA = 0.05
DEFAULT_Z = 3.0
DEFAULT_WINDOW = 10
#: Regression methods (``analysis.compare``): ``noise`` judges a change against the
#: benchmark's run-to-run spread; ``classic`` is the rank test (or z-score) of before.
METHODS = ("noise", "classic")
DEFAULT_MIN_HISTORY = 3


@dataclass(frozen=True)
class CompareOptions:
    """Thresholds and test parameters, usually from the ``[benchmarks]`` config section."""

    threshold: float = DEFAULT_THRESHOLD
    thresholds: Mapping[str, float] = field(default_factory=dict)
    alpha: float = DEFAULT_ALPHA
    z_threshold: float = DEFAULT_Z
    window: int = DEFAULT_WINDOW
    method: str = "noise"
    min_history: int = DEFAULT_MIN_HISTORY  # runs of history before ``noise`` judges

    @classmethod
    def from_settings(cls, settings: Any) -> CompareOptions:
        """Read ``[benchmarks]``; a bad per-benchmark threshold is a ConfigError."""
        table = settings.get("benchmarks.thresholds") or {}
        thresholds: dict[str, float] = {}
        for key, value in table.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"config key 'benchmarks.thresholds.{key}': expected a "
                                  f"positive number (0.2 = 20%), found {value!r}")
            thresholds[str(key)] = float(value)
        return cls(threshold=float(settings.get("benchmarks.threshold")),
                   thresholds=thresholds, alpha=float(settings.get("benchmarks.alpha")),
                   z_threshold=float(settings.get("benchmarks.z_threshold")),
                   window=int(settings.get("benchmarks.window")),
                   method=str(settings.get("benchmarks.method")),
                   min_history=int(settings.get("benchmarks.min_history")))


def threshold_for(opts: CompareOptions, nodeid: str | None, name: str, group: str | None,
                  marker: float | None) -> float:
    """Config by nodeid or name, then the test's marker, then config by group, then default."""
    for key in (nodeid, name):
        if key and key in opts.thresholds:
            return opts.thresholds[key]
    if marker is not None and marker > 0:
        return marker
    if group and group in opts.thresholds:
        return opts.thresholds[group]
    return opts.thresholds.get("default", opts.threshold)
