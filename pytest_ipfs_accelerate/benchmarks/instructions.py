"""Instruction counts of benchmarks: a deterministic measure for noisy machines.

With ``--ipfs-accel-instructions`` (or ``@pytest.mark.instructions`` on a test), the
session ends by running the timed benchmarks once more, in one child pytest under
``valgrind --tool=callgrind``. There :mod:`.instruction_plugin` replaces the ``benchmark``
fixture: it calls each benchmarked function once to warm up, then once through a C
trampoline (a ``ctypes`` callback, entered through libffi's ``ffi_call``). Callgrind
counts only inside ``ffi_call`` and writes one profile per call, so each profile holds
exactly one benchmark's instructions; a no-op call first measures the trampoline itself,
which is subtracted. The same code gives the same count, within a few hundred
instructions, however busy the machine is.

Each count becomes a metric named ``instructions`` of its test (unit ``instructions``,
lower is better, ``deterministic``), compared by the regression gate with a tight
threshold (:data:`DEFAULT_THRESHOLD`, overridable by name or nodeid in ``[benchmarks]
thresholds``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.errors import IpfsAccelError

METRIC = "instructions"
MARKER = "instructions"
#: A 1 % change in instructions is a regression (counts repeat to ~1e-6).
DEFAULT_THRESHOLD = 0.01
#: Where the child writes the order in which it counted (one nodeid per call).
LOG_ENV = "IPFS_ACCEL_INSTRUCTIONS_LOG"
CALIBRATION = "<trampoline>"
CHILD_PLUGIN = "pytest_ipfs_accelerate.benchmarks.instruction_plugin"
#: Plugins the child does without: under callgrind every import costs ~50x, and
#: hypothesis' pytest plugin alone took 38 of 55 s (its @given tests run without it).
_QUIET_PLUGINS = ("-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:hypothesispytest",
                  "-p", "no:randomly")
_SUMMARY = re.compile(rb"^(?:summary|totals): (\d+)", re.M)


class InstructionCountError(IpfsAccelError):
    """Instructions could not be counted (no valgrind, the child failed, ...)."""


@dataclass(frozen=True)
class Counts:
    """Instructions per benchmark (nodeid), the trampoline's own cost subtracted."""

    by_nodeid: dict[str, int]
    trampoline: int


def valgrind() -> str:
    """The valgrind binary, or a clear error saying how to get it."""
    found = shutil.which("valgrind")
    if found is None:
        raise InstructionCountError(
            "instruction counts need valgrind on PATH (apt-get install valgrind, or "
            "brew install valgrind); the benchmarks' timings are recorded as usual")
    return found


def count_instructions(nodeids: Sequence[str], *, rootdir: Path, args: Sequence[str] = (),
                       env: Mapping[str, str] | None = None,
                       timeout: float = 3600) -> Counts:
    """Run ``nodeids`` once in a child pytest under callgrind; their instruction counts.

    ``args`` are extra pytest arguments (e.g. ``-p no:xdist``); ``env`` the child's
    environment (default: this one, without capture: the child writes no results)."""
    binary = valgrind()
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-instructions-") as tmp:
        out, log = Path(tmp) / "callgrind.out", Path(tmp) / "order.json"
        child_env = dict(os.environ if env is None else env)
        for name in ("IPFS_ACCEL_DB", "IPFS_ACCEL_DB_PATH", "PYTEST_ADDOPTS",
                     "PYTEST_XDIST_WORKER"):
            child_env.pop(name, None)
        child_env.update({LOG_ENV: str(log), "IPFS_ACCEL_DB": "off",
                          "PYTHONHASHSEED": child_env.get("PYTHONHASHSEED", "0")})
        cmd = [binary, "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=ffi_call",
               "--dump-after=ffi_call", f"--callgrind-out-file={out}", sys.executable, "-m",
               "pytest", "-p", "no:benchmark", "-p", CHILD_PLUGIN, *_QUIET_PLUGINS, "-q",
               "--no-header", *args, *nodeids]
        try:
            proc = subprocess.run(cmd, cwd=rootdir, env=child_env, capture_output=True,
                                  text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise InstructionCountError(f"counting instructions took over {timeout:.0f} s; "
                                        "mark fewer benchmarks with "
                                        "@pytest.mark.instructions") from None
        order = json.loads(log.read_text()) if log.exists() else []
        totals = _dump_totals(out)
        if proc.returncode not in (0, 1) or not order:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            raise InstructionCountError(
                f"the instruction-counting run failed (exit {proc.returncode}): "
                + " | ".join(tail))
    return match_counts(order, totals)


def match_counts(order: Sequence[str], totals: Sequence[int]) -> Counts:
    """Pair the child's calls (``order``: the trampoline first) with callgrind's profiles.

    Anything else in the child that enters ``ffi_call`` adds a profile; then the pairing
    is ambiguous and nothing is reported rather than a wrong count."""
    if len(order) != len(totals) or not order or order[0] != CALIBRATION:
        raise InstructionCountError(
            f"counted {len(totals)} calls but the benchmarks made {len(order)}: something "
            "else in the tests calls C through ctypes/libffi during the benchmark, so the "
            "counts cannot be told apart")
    trampoline = totals[0]
    counts: dict[str, int] = {}
    for nodeid, total in zip(order[1:], totals[1:], strict=True):
        counts[nodeid] = counts.get(nodeid, 0) + max(total - trampoline, 0)
    return Counts(counts, trampoline)


def _dump_totals(out: Path) -> list[int]:
    """The instruction total of each ``--dump-after`` profile, in call order."""
    dumps = sorted(out.parent.glob(out.name + ".*"), key=lambda p: int(p.suffix[1:]))
    totals = []
    for dump in dumps:
        found = _SUMMARY.search(dump.read_bytes())
        totals.append(int(found.group(1)) if found else 0)
    return totals


def instruction_metrics(counts: Counts) -> list[dict[str, Any]]:
    """One ``instructions`` metric entry per counted benchmark (``benchmarks.metrics``)."""
    from pytest_ipfs_accelerate.benchmarks.metrics import metric_entry

    return [metric_entry(METRIC, n, unit="instructions", direction="lower", nodeid=nodeid,
                         is_simulated=False,
                         extra={"threshold": DEFAULT_THRESHOLD, "deterministic": True,
                                "trampoline": counts.trampoline})
            for nodeid, n in counts.by_nodeid.items()]
