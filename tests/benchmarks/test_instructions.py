"""Instruction counts (``--ipfs-accel-instructions``): a 5 % change in work that timings on a
shared machine cannot tell apart is caught, deterministically."""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

import pytest

from pytest_ipfs_accelerate.analysis import compare_runs
from pytest_ipfs_accelerate.benchmarks import instructions
from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.strict import missing_backend

WORK = textwrap.dedent("""
    import os
    def work(n):
        total = 0
        for i in range(n):
            total ^= i  # small ints: the same work per step
        return total

    def test_work(benchmark):
        benchmark.pedantic(work, args=(int(os.environ["WORK"]),), rounds=20)
""")


@pytest.fixture
def valgrind(request: pytest.FixtureRequest) -> None:
    if shutil.which("valgrind") is None:
        missing_backend(request.config, "valgrind", "apt-get install valgrind")


def test_five_percent_more_work_is_caught_on_instructions_not_on_time(
        valgrind: None, pytester: pytest.Pytester, run_pytest: Any) -> None:
    pytester.makepyfile(test_work=WORK)
    args = ("--ipfs-accel-db", "r.duckdb", "-p", "no:xdist", "-p", "no:randomly")
    first = run_pytest(*args, "--ipfs-accel-instructions", env={"WORK": "200000"})
    assert first.ret == 0, first.stdout.str()
    assert "instructions counted for 1 benchmark(s)" in first.stdout.str()
    for _ in range(2):  # more timing history, without counting
        assert run_pytest(*args, env={"WORK": "200000"}).ret == 0
    last = run_pytest(*args, "--ipfs-accel-instructions", env={"WORK": "210000"})  # +5 %
    assert last.ret == 0, last.stdout.str()
    con = open_database(pytester.path / "r.duckdb", read_only=True)
    try:
        counted = [v for (v,) in con.execute(
            "SELECT value FROM metrics WHERE name = 'instructions' ORDER BY recorded_at")
            .fetchall()]
        result = compare_runs(con)
    finally:
        con.close()
    assert len(counted) == 2 and counted[1] / counted[0] == pytest.approx(1.05, abs=0.005)
    by_metric = {c.metric: c for c in result.comparisons}
    assert by_metric["instructions"].is_regression
    assert by_metric["instructions"].change == pytest.approx(0.05, abs=0.005)
    assert not by_metric["time"].is_regression  # 5 %: within what timings can tell


def test_counts_are_refused_when_other_ffi_calls_make_them_ambiguous():
    with pytest.raises(instructions.InstructionCountError, match="cannot be told apart"):
        instructions.match_counts([instructions.CALIBRATION, "t::a"], [100, 5000, 7000])
    counts = instructions.match_counts([instructions.CALIBRATION, "t::a", "t::b"],
                                       [100, 5100, 7100])
    assert counts.by_nodeid == {"t::a": 5000, "t::b": 7000} and counts.trampoline == 100


def test_without_valgrind_one_line_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(instructions.InstructionCountError, match="apt-get install valgrind"):
        instructions.valgrind()
