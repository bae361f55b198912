"""The harness suites: every ``harness/<name>/`` folder holding ``test_*.py`` files.

A suite is a set of pytest(-benchmark) files run as one pytest subprocess. Script-like
measurements (the plugin's overhead) are suites too: a pytest file that records its
figures, so that everything the harness measures lands in the results DB.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.options import BenchError

#: The order suites run in: cheap first, the long overhead run last. Others follow by name.
ORDER = ("imports", "ipfs_engine", "ipfs_node", "loading", "analysis", "report", "containers",
         "inference", "plugin_overhead")

#: What every suite gets under ``--quick``: sizes from harness/sizes.py, and short
#: pytest-benchmark calibration for the non-pedantic benchmarks.
QUICK_ENV = {"IPFS_ACCEL_BENCH_QUICK": "1"}
QUICK_ARGS = ("--benchmark-max-time=0.05", "--benchmark-min-rounds=1",
              "--benchmark-warmup=off")

#: Per-suite additions under ``--quick``, for suites with fixed sizes.
QUICK_EXTRA: Mapping[str, tuple[tuple[str, ...], Mapping[str, str]]] = {
    "ipfs_engine": ((), {"IPFS_ACCEL_BENCH_MIB": "16"}),
    # Docker rounds (about 90 s of CPU) run in full runs only.
    "containers": (("-k", "simulated"), {}),
    "inference": (("-k", "latency"), {}),
}


@dataclass(frozen=True)
class Suite:
    """One suite: its name (the folder's), folder, and one line saying what it measures."""

    name: str
    path: Path
    description: str = ""
    quick_args: tuple[str, ...] = ()
    quick_env: Mapping[str, str] = field(default_factory=dict)

    def pytest_args(self, quick: bool) -> list[str]:
        return [*QUICK_ARGS, *self.quick_args] if quick else []

    def env(self, quick: bool) -> dict[str, str]:
        return {**QUICK_ENV, **self.quick_env} if quick else {}


class UnknownSuiteError(BenchError):
    """A suite name on the command line that no folder provides."""


def _test_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("test_*.py"))


def _description(files: Sequence[Path]) -> str:
    """The first paragraph of the suite's first test file's docstring, cut to one line."""
    for path in files:
        try:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        if doc:
            line = " ".join(doc.strip().split("\n\n")[0].split())
            return line if len(line) <= 90 else line[:87].rstrip() + "..."
    return ""


def _rank(name: str) -> tuple[int, str]:
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def discover(root: Path) -> list[Suite]:
    """Every suite under ``root``, in run order."""
    if not root.is_dir():
        raise BenchError(f"suites folder {root} does not exist")
    suites = []
    for folder in root.iterdir():
        if not folder.is_dir() or folder.name.startswith(("_", ".")):
            continue
        files = _test_files(folder)
        if files:
            args, env = QUICK_EXTRA.get(folder.name, ((), {}))
            suites.append(Suite(folder.name, folder, _description(files), args, env))
    return sorted(suites, key=lambda s: _rank(s.name))


def select(suites: Sequence[Suite], names: Sequence[str]) -> list[Suite]:
    """The suites named (all when none), in run order; an unknown name is an error."""
    if not names:
        return list(suites)
    by_name = {s.name: s for s in suites}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise UnknownSuiteError(
            f"unknown suite {', '.join(map(repr, unknown))}; the suites are: "
            f"{', '.join(by_name) or '(none)'} (see --list)")
    wanted = set(names)
    return [s for s in suites if s.name in wanted]
