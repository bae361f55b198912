"""Seeded fault injection for simulated nodes: latency, bandwidth cap, error rate, offline.

The same seed and the same sequence of operations give the same faults, so a test of
retry logic is reproducible. Sleeping goes through ``sleep`` (replaceable in tests).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError
from pytest_ipfs_accelerate.ipfs.node.errors import InjectedFaultError


@dataclass(frozen=True)
class FaultConfig:
    """What goes wrong, and how often. All zero/False means a perfect node.

    ``latency_s`` (+ uniform ``jitter_s``) is added to every operation; ``bandwidth_bps``
    caps bytes moved per second; ``error_rate`` (0..1) is the chance an operation fails
    with :class:`InjectedFaultError`; ``offline`` stops fetching from peers; ``ops``
    limits faults to those operation names (empty: all).
    """

    seed: int = 0
    latency_s: float = 0.0
    jitter_s: float = 0.0
    bandwidth_bps: float = 0.0
    error_rate: float = 0.0
    offline: bool = False
    ops: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise BadRequestError(f"error_rate={self.error_rate} is outside 0..1")
        for name in ("latency_s", "jitter_s", "bandwidth_bps"):
            if getattr(self, name) < 0:
                raise BadRequestError(f"{name}={getattr(self, name)} must be >= 0")

    @classmethod
    def from_mapping(cls, values: dict[str, object]) -> FaultConfig:
        """Build from a dict (config file, marker kwargs); unknown keys are an error."""
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        if unknown:
            raise BadRequestError(
                f"unknown fault setting(s) {sorted(unknown)}; known: {sorted(known)}")
        kwargs = dict(values)
        if "ops" in kwargs:
            kwargs["ops"] = frozenset(_as_iter(kwargs["ops"]))
        return cls(**kwargs)  # type: ignore[arg-type]


def _as_iter(value: object) -> Iterable[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]  # type: ignore[attr-defined]


class FaultInjector:
    """Applies a :class:`FaultConfig`; thread-safe; counts what it injected."""

    def __init__(self, config: FaultConfig | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config or FaultConfig()
        self._rng = random.Random(self.config.seed)
        self._lock = threading.Lock()
        self._sleep = sleep
        self.injected_errors = 0
        self.delayed_s = 0.0

    def configure(self, config: FaultConfig) -> None:
        """Replace the configuration and reseed."""
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)

    def _applies(self, op: str) -> bool:
        return not self.config.ops or op in self.config.ops

    def before(self, op: str, nbytes: int = 0) -> None:
        """Call at the start of ``op``: may sleep, may raise :class:`InjectedFaultError`."""
        cfg = self.config
        if not self._applies(op):
            return
        with self._lock:
            fail = cfg.error_rate > 0 and self._rng.random() < cfg.error_rate
            jitter = self._rng.uniform(0, cfg.jitter_s) if cfg.jitter_s else 0.0
        delay = cfg.latency_s + jitter
        if cfg.bandwidth_bps and nbytes:
            delay += nbytes / cfg.bandwidth_bps
        if delay:
            self.delayed_s += delay
            self._sleep(delay)
        if fail:
            self.injected_errors += 1
            raise InjectedFaultError(
                f"injected fault in {op!r} (error_rate={cfg.error_rate}, seed={cfg.seed}); "
                f"retry, or set error_rate=0 in the node's FaultConfig")

    def transfer(self, op: str, nbytes: int) -> None:
        """Charge ``nbytes`` against the bandwidth cap (no error roll)."""
        cfg = self.config
        if cfg.bandwidth_bps and nbytes and self._applies(op):
            delay = nbytes / cfg.bandwidth_bps
            self.delayed_s += delay
            self._sleep(delay)
