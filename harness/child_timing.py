"""Time a child process: wall time, and the CPU time the child itself used.

On a shared, loaded machine wall time includes waiting for a core; the child's CPU
time (user + system, from ``getrusage(RUSAGE_CHILDREN)``) does not, so suites that run
subprocesses record both.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ChildTiming:
    """One finished child: wall seconds, CPU seconds (user + system), and its output."""

    wall_s: float
    cpu_s: float
    returncode: int
    stdout: str
    stderr: str


class ChildFailedError(RuntimeError):
    """A timed child exited with an unexpected status."""


def clean_env(extra: Mapping[str, str] | None = None, *,
              write_bytecode: bool = False) -> dict[str, str]:
    """The environment for a measured child: no ``IPFS_ACCEL_*`` settings leaking in from
    the harness run (the outer DB, quick mode), and no bytecode writes unless
    ``write_bytecode`` (a warm-up run that caches compiled modules for the measured ones)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("IPFS_ACCEL_") and k != "PYTEST_ADDOPTS"}
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def run_timed(cmd: Sequence[str], cwd: str | os.PathLike[str] | None = None, *,
              env: Mapping[str, str] | None = None, ok_codes: Sequence[int] = (0,),
              timeout: float | None = 900) -> ChildTiming:
    """Run ``cmd`` to completion; raise :class:`ChildFailedError` on another exit status.

    The CPU figure is the change in this process's ``RUSAGE_CHILDREN`` across the run,
    so call it from one thread at a time.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), cwd=cwd, env=dict(env) if env is not None else clean_env(),
                          capture_output=True, text=True, check=False, timeout=timeout)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in ok_codes:
        where = f" in {Path(cwd)}" if cwd else ""
        raise ChildFailedError(
            f"{' '.join(cmd)}{where} exited {proc.returncode}:\n"
            f"{(proc.stdout + proc.stderr)[-2000:]}")
    return ChildTiming(wall, cpu, proc.returncode, proc.stdout, proc.stderr)


def python_cmd(*args: str) -> list[str]:
    """This interpreter with ``args``."""
    return [sys.executable, *args]
