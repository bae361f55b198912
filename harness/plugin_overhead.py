"""Plugin overhead: 10,000 trivial tests under plain pytest, --ipfs-accel-db and --junitxml.

Each configuration runs in a fresh subprocess, alternating (plain, db, junit, plain, ...)
so that machine noise hits all three alike; the figures are medians of wall time and
the ratios are taken within this one run. Also measures idle startup: the plugin
installed but not enabled, against ``-p no:ipfs_accelerate``.

    python -m harness.plugin_overhead [--tests 10000] [--repeats 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:xdist",
        "-p", "no:rerunfailures"]


def make_suite(path: Path, n_tests: int) -> None:
    """``n_tests`` trivial tests in files of 500, like a real suite's shape."""
    per_file = 500
    for f in range(0, n_tests, per_file):
        count = min(per_file, n_tests - f)
        body = "".join(f"def test_{i}():\n    pass\n\n" for i in range(count))
        (path / f"test_gen_{f // per_file:03d}.py").write_text(body)


def timed(cmd: list[str], cwd: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPFS_ACCEL_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 5):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-2000:]}")
    return elapsed


def measure(n_tests: int, repeats: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-overhead-") as tmp:
        root = Path(tmp)
        suite = root / "suite"
        suite.mkdir()
        make_suite(suite, n_tests)
        idle = root / "idle"
        idle.mkdir()
        (idle / "test_one.py").write_text("def test_one():\n    pass\n")
        configs = {
            "plain": lambda i: [*BASE, "-p", "no:ipfs_accelerate"],
            "ipfs_accel_db": lambda i: [*BASE, "--ipfs-accel-db", str(root / f"r{i}.duckdb")],
            "junitxml": lambda i: [*BASE, "-p", "no:ipfs_accelerate",
                                   f"--junitxml={root / f'j{i}.xml'}"],
        }
        times: dict[str, list[float]] = {k: [] for k in configs}
        idle_times: dict[str, list[float]] = {"disabled_plugin": [], "installed_idle": []}
        timed([*BASE], suite)  # warm the file cache and bytecode-free imports once
        for i in range(repeats):
            for name, cmd in configs.items():
                times[name].append(timed(cmd(i), suite))
            for _ in range(2):
                idle_times["disabled_plugin"].append(
                    timed([*BASE, "-p", "no:ipfs_accelerate"], idle))
                idle_times["installed_idle"].append(timed([*BASE], idle))
    med = {k: statistics.median(v) for k, v in times.items()}
    idle_med = {k: statistics.median(v) for k, v in idle_times.items()}
    return {
        "tests": n_tests,
        "repeats": repeats,
        "median_s": med,
        "samples_s": times,
        "ratio_db_vs_plain": med["ipfs_accel_db"] / med["plain"],
        "ratio_junitxml_vs_plain": med["junitxml"] / med["plain"],
        "idle_median_s": idle_med,
        "ratio_idle_vs_disabled": idle_med["installed_idle"] / idle_med["disabled_plugin"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    result = measure(args.tests, args.repeats)
    med = result["median_s"]
    print(f"{args.tests} trivial tests, {args.repeats} alternating runs each (median wall time)")
    for name, value in med.items():  # type: ignore[union-attr]
        print(f"  {name:<14} {value:7.2f}s")
    print(f"  ratio --ipfs-accel-db / plain : {result['ratio_db_vs_plain']:.3f}  (goal <= 1.10)")
    print(f"  ratio --junitxml / plain      : {result['ratio_junitxml_vs_plain']:.3f}")
    print(f"  idle startup: installed-not-enabled / -p no:ipfs_accelerate : "
          f"{result['ratio_idle_vs_disabled']:.3f}  (goal <= 1.03)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
