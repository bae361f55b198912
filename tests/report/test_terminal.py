"""The terminal summary: no ``None`` leaks, regressions and improvements named in the
metric's unit, a benchmark disabled under xdist called that."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.report.build import build_run_report
from pytest_ipfs_accelerate.report.render import render, render_terminal
from pytest_ipfs_accelerate.testing.synthetic import add_benchmark, add_metric, add_run


@pytest.fixture
def compared_db(tmp_path: Path) -> tuple[Path, str]:
    """Two runs with no git, host or tox facts; the second's stored comparisons: a slower
    benchmark (regression) and a faster throughput (improvement)."""
    path = tmp_path / "c.duckdb"
    con = open_database(path)
    try:
        base = add_run(con, day=0, branch=None)
        cand = add_run(con, day=1, branch=None)
        con.execute("UPDATE runs SET git_commit = NULL, host = NULL")
        for rid, median, tp in ((base, 1e-3, 800.0), (cand, 1.5e-3, 1000.0)):
            add_benchmark(con, rid, "t.py::test_add", [median] * 5)
            add_metric(con, rid, "t.py::test_tp", "throughput", [tp], unit="MiB/s",
                       direction="higher")
        con.execute("""
            INSERT INTO regressions (candidate_run_id, baseline_run_id, nodeid, name, metric,
                baseline_value, candidate_value, ratio, p_value, method, threshold,
                is_regression, detected_at)
            VALUES (?, ?, 't.py::test_add', 'test_add', 'time', 0.001, 0.0015, 1.5, 0.004,
                    'mann-whitney', 0.1, TRUE, now()),
                   (?, ?, 't.py::test_tp', 'throughput', 'throughput', 800, 1000, 1.25, NULL,
                    'z-score', 0.1, FALSE, now())""", [cand, base, cand, base])
    finally:
        con.close()
    return path, cand


def _lines(db: tuple[Path, str]) -> list[str]:
    con = open_database(db[0], read_only=True)
    try:
        return render_terminal(build_run_report(con, db[1]))  # no db_path given
    finally:
        con.close()


def test_no_none_leaks(compared_db):
    text = "\n".join(_lines(compared_db))
    assert "None" not in text, text
    con = open_database(compared_db[0], read_only=True)
    try:
        md = render(build_run_report(con, compared_db[1]), "md")
    finally:
        con.close()
    assert "None" not in md and "- **git**" not in md  # no git facts: no git line


def test_backends_are_named_with_simulated_ones_marked(compared_db):
    con = open_database(compared_db[0])
    try:
        rid = compared_db[1]
        for kind, backend, sim in (("ipfs", "kubo", False), ("container", "simulated", True)):
            con.execute("INSERT INTO operations (run_id, kind, op, backend, is_simulated, "
                        "duration_s, ok, started_at) VALUES (?, ?, 'x', ?, ?, 0.1, TRUE, now())",
                        [rid, kind, backend, sim])
        for device, sim in (("cpu", False), ("cuda:0", True)):
            con.execute("INSERT INTO hardware (run_id, device, kind, is_simulated) "
                        "VALUES (?, ?, 'x', ?)", [rid, device, sim])
    finally:
        con.close()
    served = "IPFS kubo; containers simulated (simulated); devices cpu, cuda:0 (simulated)"
    assert f"backends: {served}" in _lines(compared_db)
    con = open_database(compared_db[0])
    try:  # where the run records its backends and their versions, those are named
        for column in ("ipfs_backend", "ipfs_backend_version"):
            con.execute(f"ALTER TABLE runs ADD COLUMN IF NOT EXISTS {column} VARCHAR")
        con.execute("UPDATE runs SET ipfs_backend = 'kubo', ipfs_backend_version = '0.32.1'")
    finally:
        con.close()
    assert "backends: IPFS kubo 0.32.1; containers simulated (simulated); devices cpu, " \
           "cuda:0 (simulated)" in _lines(compared_db)


def test_regressions_and_improvements_are_named_in_their_unit(compared_db):
    lines = _lines(compared_db)
    assert "regressions: 1" in lines and "improvements: 1" in lines, lines
    assert ("  test_add (t.py::test_add) time: 1 ms -> 1.5 ms (+50.0%); threshold 10%, "
            "mann-whitney, p=0.004") in lines
    assert ("  throughput (t.py::test_tp) throughput: 800 MiB/s -> 1000 MiB/s (+25.0%); "
            "threshold 10%, z-score") in lines


def test_a_stored_improvement_verdict_wins(compared_db):
    """Where the DB stores ``is_improvement`` (the noise method's verdict), it is used."""
    con = open_database(compared_db[0])
    try:
        con.execute("ALTER TABLE regressions ADD COLUMN IF NOT EXISTS is_improvement BOOLEAN")
        con.execute("UPDATE regressions SET method = 'noise', is_improvement = "
                    "(name = 'throughput')")
    finally:
        con.close()
    lines = _lines(compared_db)
    assert "improvements: 1" in lines and any("throughput: 800 MiB/s -> 1000 MiB/s" in line
                                              for line in lines)
    con = open_database(compared_db[0])
    try:
        con.execute("UPDATE regressions SET is_improvement = FALSE")
    finally:
        con.close()
    assert not any(line.startswith("improvements") for line in _lines(compared_db))


def test_benchmark_disabled_under_xdist_says_so(run_pytest, pytester):
    pytest.importorskip("xdist")
    pytester.makepyfile(test_b="""
        def test_timed(benchmark):
            benchmark(sum, [1, 2, 3])
        """)
    result = run_pytest("-n", "2", "--ipfs-accel-db", "x.duckdb", "-W",
                        "ignore::pytest_benchmark.logger.PytestBenchmarkWarning")
    assert result.ret == 0, result.stdout.str()
    out = result.stdout.str()
    assert "benchmarks: 1 (1 disabled under xdist)" in out, out
    assert "not ok" not in out
