"""The harness runner end to end (``python -m harness`` in a subprocess) on tiny suites."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import query

REPO = Path(__file__).resolve().parents[2]

TINY = '''
import pytest

def test_sum(benchmark):
    benchmark(sum, range(100))

def test_figure(request):
    from harness.figures import Figure, record_figures
    record_figures(request, [Figure("answer", 42, "count")])

def test_needs_engine():
    pytest.skip("no engine here")
'''

BROKEN = '''
def test_broken():
    assert 1 + 1 == 3, "arithmetic is off"
'''


def harness(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO)}
    for name in ("PYTEST_ADDOPTS", "IPFS_ACCEL_DB", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240, check=False)


def summary_rows(stdout: str) -> dict[str, str]:
    """suite -> result, from the closing table."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("suite ")) + 2
    rows = {}
    for line in lines[start:]:
        if not line or line.startswith(" "):
            break
        rows[line.split()[0]] = line.split()[1]
    return rows


@pytest.fixture
def suites(tmp_path: Path) -> Path:
    root = tmp_path / "suites"
    for name, body in (("tiny", TINY), ("broken", BROKEN)):
        (root / name).mkdir(parents=True)
        (root / name / f"test_{name}.py").write_text(f'"""The {name} suite."""\n{body}')
    (root / "_private").mkdir()
    (root / "_private" / "test_hidden.py").write_text("def test_x():\n    pass\n")
    (root / "no_tests").mkdir()
    return root


def test_list_shows_every_suite_of_the_checkout() -> None:
    proc = harness("--list")
    assert proc.returncode == 0, proc.stderr
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    for suite in ("imports", "ipfs_engine", "ipfs_node", "loading", "containers", "inference",
                  "plugin_overhead"):
        assert suite in names
    assert names.index("imports") < names.index("plugin_overhead")  # cheap first


def test_list_of_a_suites_dir_skips_private_and_empty_folders(suites: Path) -> None:
    proc = harness("--list", "--suites-dir", str(suites))
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[0] for line in proc.stdout.splitlines()] == ["broken", "tiny"]
    assert "The tiny suite." in proc.stdout


def test_quick_tiny_suite_writes_its_rows_and_exits_0(suites: Path, tmp_path: Path) -> None:
    db = tmp_path / "out.duckdb"
    proc = harness("tiny", "--quick", "--db", str(db), "--suites-dir", str(suites))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[1/1] tiny" in proc.stdout
    assert "skipped: no engine here" in proc.stdout
    tags = dict(query(db, "SELECT key, value FROM run_tags"))
    assert tags["suite"] == "tiny"
    assert tags["bench_mode"] == "quick"
    assert tags["bench_id"] in proc.stdout
    outcomes = dict(query(db, "SELECT function, outcome FROM test_results"))
    assert outcomes == {"test_sum": "passed", "test_figure": "passed",
                        "test_needs_engine": "skipped"}
    props = query(db, "SELECT user_properties FROM test_results WHERE function = 'test_figure'")
    assert '["answer", 42.0]' in props[0][0]


def test_a_failing_suite_makes_the_exit_code_non_zero(suites: Path, tmp_path: Path) -> None:
    db = tmp_path / "out.duckdb"
    proc = harness("--quick", "--db", str(db), "--suites-dir", str(suites))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert summary_rows(proc.stdout) == {"broken": "failed", "tiny": "passed"}
    assert "arithmetic is off" in proc.stdout  # the failing suite's output tail
    assert "1 of 2 suite(s) passed" in proc.stdout
    suites_in_db = {r[0] for r in query(db, "SELECT value FROM run_tags WHERE key = 'suite'")}
    assert suites_in_db == {"broken", "tiny"}


def test_unknown_suite_is_a_one_line_error(suites: Path) -> None:
    proc = harness("tiny", "nope", "--suites-dir", str(suites))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "ipfs-accel: error: unknown suite 'nope'; the suites are: broken, tiny "
        "(see --list)"]
    assert proc.stdout == ""


def test_db_in_a_missing_folder_is_a_one_line_error(suites: Path, tmp_path: Path) -> None:
    proc = harness("tiny", "--db", str(tmp_path / "nope" / "r.duckdb"),
                   "--suites-dir", str(suites))
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_ipfs_accel_bench_is_the_same_command() -> None:
    from pytest_ipfs_accelerate.cli import build_parser
    from pytest_ipfs_accelerate.cli.bench import cmd_bench

    args = build_parser().parse_args(["bench", "--list", "--quick", "imports"])
    assert args.func is cmd_bench
    assert (args.suites, args.list, args.quick, args.db) == (
        ["imports"], True, True, "harness-results.duckdb")


def test_no_bench_command_without_the_checkouts_harness(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """As from a wheel: no harness beside the package, so no ``bench`` (not in --help)."""
    import argparse

    from pytest_ipfs_accelerate.cli import bench

    monkeypatch.chdir(REPO)  # a harness/ in the current directory does not count
    monkeypatch.setattr(bench, "CHECKOUT", tmp_path)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    bench.register(sub)
    assert "bench" not in sub.choices
