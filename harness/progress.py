"""The runner's display: one line per suite (live on a terminal) and the closing table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

_PERCENT = re.compile(rb"\[\s*(\d+)%\]")
OUTCOMES = ("passed", "failed", "error", "skipped")


@dataclass
class SuiteOutcome:
    """How one suite ended, for the display (the runner fills it in)."""

    name: str
    status: str  # passed | failed | error | interrupted
    elapsed_s: float
    counts: dict[str, int]
    run_id: str | None
    benchmarks: int | None
    skip_reasons: list[str]
    log_tail: str = ""


def pytest_percent(log: Path) -> int | None:
    """pytest's last ``[ NN%]`` progress mark in the suite's log, if any."""
    try:
        with open(log, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 4096))
            found = _PERCENT.findall(f.read())
    except OSError:
        return None
    return int(found[-1]) if found else None


def counts_text(counts: dict[str, int]) -> str:
    parts = [f"{counts[k]} {k}" for k in (*OUTCOMES, "xfailed", "xpassed") if counts.get(k)]
    return ", ".join(parts) or "no tests"


class Progress:
    """Writes ``[i/N] suite ... elapsed`` lines; on a terminal the running line updates."""

    def __init__(self, total: int, out: TextIO, live: bool) -> None:
        self.total = total
        self.out = out
        self.live = live
        self._width = 0

    def _prefix(self, index: int, name: str) -> str:
        return f"[{index}/{self.total}] {name:<16}"

    def started(self, index: int, name: str) -> None:
        if not self.live:
            self.out.write(f"{self._prefix(index, name)} running\n")
            self.out.flush()

    def tick(self, index: int, name: str, elapsed_s: float, percent: int | None) -> None:
        if not self.live:
            return
        done = f" {percent:3d}%" if percent is not None else ""
        line = f"{self._prefix(index, name)} running{done}  {elapsed_s:6.1f}s"
        self.out.write("\r" + line.ljust(self._width))
        self._width = len(line)
        self.out.flush()

    def finished(self, index: int, outcome: SuiteOutcome) -> None:
        line = (f"{self._prefix(index, outcome.name)} {outcome.status:<8} "
                f"{counts_text(outcome.counts)}  {outcome.elapsed_s:.1f}s")
        self.out.write(("\r" + line.ljust(self._width) if self.live else line) + "\n")
        self._width = 0
        self.out.flush()


def summary_table(outcomes: Sequence[SuiteOutcome]) -> str:
    """The closing table: one row per suite, then skip reasons."""
    head = ("suite", "result", *OUTCOMES, "benchmarks", "time", "run")
    rows = [head]
    for o in outcomes:
        rows.append((o.name, o.status, *(str(o.counts.get(k, 0)) for k in OUTCOMES),
                     "-" if o.benchmarks is None else str(o.benchmarks),
                     f"{o.elapsed_s:.1f}s", (o.run_id or "-")[:8]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for o in outcomes:
        lines += [f"  {o.name}: skipped: {reason}" for reason in o.skip_reasons]
    return "\n".join(lines)
