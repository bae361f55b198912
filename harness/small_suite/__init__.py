"""The results DB's fixed cost on a small real suite (issue 19, item 5).

A real third-party test suite (by default the ~200 tests of ``six``'s sdist, from PyPI
through ``pip download``; or any folder with ``--suite-dir``) runs in fresh pytest
processes, alternating round by round (the order rotated each round):

* ``idle``: our plugin installed but not enabled (the baseline);
* ``junitxml``: ``--junitxml`` (the yardstick of what a result sink costs);
* ``db_existing``: ``--ipfs-accel-db`` on one DB that keeps every run, as users keep it;
* ``db_new``: ``--ipfs-accel-db`` on a new file each run (the schema created each time);
* ``db_null_writer``: a control, ``--ipfs-accel-db`` with the writer replaced by one that
  stores nothing (``plugins/null_writer.py``): the plugin's own Python work without DuckDB's, the
  floor of any writer design that builds the run's rows and facts in the pytest process.

Ratios are medians of the per-round ratios with a 90 % bootstrap interval, wall and CPU
(``plugin_overhead``'s method and figures). The goal: ``db_existing`` at most 1.05x
``idle``.

    python -m harness.small_suite [--rounds 15] [--suite-dir DIR] [--package six==1.17.0]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.child_timing import clean_env, run_timed
from harness.figures import Figure
from harness.plugin_overhead import BASE, OverheadBench

#: The suite measured by default: 200 tests in 0.5 s, no dependencies, offline.
DEFAULT_PACKAGE = "six==1.17.0"
CONFIGS = ("idle", "junitxml", "db_existing", "db_new", "db_null_writer")
BUDGET_DB_VS_IDLE = 1.05
#: The control's plugin module, a plain file here (importing it loads nothing of
#: ``harness``); this folder is on every measured run's path alike.
PLUGINS = Path(__file__).resolve().parent / "plugins"
#: Where downloaded sdists are kept between runs.
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ipfs-accel-bench"


class SuiteUnavailableError(RuntimeError):
    """The suite's sdist could not be fetched (offline, unknown version)."""


def fetch_sdist(spec: str, cache: Path = CACHE) -> Path:
    """``spec``'s sdist unpacked under ``cache`` (``pip download`` once); its folder."""
    name, _, version = spec.partition("==")
    folder = cache / f"{name}-{version}"
    if folder.is_dir():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:",
                               "--no-deps", "-d", tmp, spec], capture_output=True, text=True,
                              check=False)
        archives = sorted(Path(tmp).glob("*.tar.gz"))
        if proc.returncode != 0 or not archives:
            raise SuiteUnavailableError(f"pip download {spec} failed: "
                                        f"{(proc.stderr or proc.stdout).strip()[-300:]}")
        if not hasattr(tarfile, "data_filter"):  # Python < 3.10.12 / 3.11.4
            raise SuiteUnavailableError("this Python's tarfile has no 'data' extraction "
                                        "filter; unpack the sdist yourself and pass --suite-dir")
        with tarfile.open(archives[0]) as tar:
            tar.extractall(tmp, filter="data")
        unpacked = next(p for p in Path(tmp).iterdir() if p.is_dir())
        unpacked.rename(folder)
    return folder


@dataclass
class SuiteBench(OverheadBench):
    """``OverheadBench``'s samples and figures, for a real suite and :data:`CONFIGS`."""

    suite_dir: Path = Path()

    def args(self, config: str, tag: str) -> list[str]:
        if config == "idle":
            return list(BASE)
        if config == "junitxml":
            return [*BASE, f"--junitxml={self.root / f'j{tag}.xml'}"]
        if config == "db_existing":
            return [*BASE, "--ipfs-accel-db", str(self.root / "kept.duckdb")]
        if config == "db_new":
            return [*BASE, "--ipfs-accel-db", str(self.root / f"new{tag}.duckdb")]
        if config == "db_null_writer":
            return [*BASE, "-p", "null_writer",
                    "--ipfs-accel-db", str(self.root / "null.duckdb")]
        raise ValueError(f"unknown configuration {config!r}")

    def command(self, config: str) -> tuple[list[str], Path]:
        return self.args(config, str(len(self.wall.get(config, [])))), self.suite_dir

    def env(self, *, write_bytecode: bool = False) -> dict[str, str]:
        """The control's plugin importable, in every configuration alike."""
        path = os.pathsep.join(filter(None, (str(PLUGINS), os.environ.get("PYTHONPATH"))))
        return clean_env({"PYTHONPATH": path}, write_bytecode=write_bytecode)

    def suite_figures(self) -> list[Figure]:
        return self.figures(CONFIGS, {f"ratio_{c}_vs_idle": (c, "idle")
                                      for c in CONFIGS if c != "idle"})


@contextmanager
def suite_bench(suite_dir: Path) -> Iterator[SuiteBench]:
    """A bench on ``suite_dir``: its modules compiled and cached, and one warm-up run of
    each configuration (the kept DB gets its first run there)."""
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-small-") as tmp:
        bench = SuiteBench(Path(tmp), 0, suite_dir=suite_dir)
        for config in CONFIGS:
            cmd, cwd = bench.command(config)
            run_timed(cmd, cwd, env=bench.env(write_bytecode=True))
        bench.wall.clear()
        bench.cpu.clear()
        yield bench


def measure(suite_dir: Path, rounds: int) -> list[Figure]:
    """``rounds`` rounds of every configuration, the order rotated each round."""
    with suite_bench(suite_dir) as bench:
        for i in range(rounds):
            k = i % len(CONFIGS)
            for config in CONFIGS[k:] + CONFIGS[:k]:
                bench.run(config)
        return bench.suite_figures()
