"""The README's main job: the example suite on embedded defaults, results into DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import query

ROOT = Path(__file__).resolve().parents[2]


def test_demo_suite_runs_green_and_fills_the_db(pytester, run_pytest):
    shutil.copytree(ROOT / "conftest_examples", pytester.path / "conftest_examples")
    result = run_pytest("conftest_examples", "--ipfs-accel-db", "demo.duckdb",
                        "--ipfs-accel-report", "demo.md")
    assert result.ret == 0, result.stdout.str()[-3000:] + result.stderr.str()[-2000:]
    assert "ipfs-accelerate results" in result.stdout.str()
    assert "Ownership:" in result.stdout.str()  # the example conftest's report section
    db = pytester.path / "demo.duckdb"
    rows = dict(query(db, "SELECT outcome, count(*) FROM test_results GROUP BY 1"))
    assert rows.get("failed", 0) == 0 and rows.get("error", 0) == 0
    assert rows["passed"] >= 10 and rows["xfailed"] == 1
    kinds = {r[0] for r in query(db, "SELECT DISTINCT kind FROM operations")}
    assert {"ipfs", "container"} <= kinds
    owners = query(db, "SELECT count(*) FROM test_results "
                       "WHERE json_extract_string(extra, '$.owner') = 'core'")
    assert owners[0][0] >= 4
    assert "## Ownership" in (pytester.path / "demo.md").read_text()
    [(status, rounds, samples)] = query(db, """
        SELECT b.status, b.rounds, count(s.round) FROM benchmark_results b
        JOIN benchmark_samples s USING (run_id, nodeid) GROUP BY ALL""")
    assert status == "ok" and rounds == samples >= 1
    metrics = dict(query(db, "SELECT name, unit FROM metrics"))
    assert metrics == {"cid_throughput": "MiB/s", "cid_vs_sha256": "ratio"}
