"""`ipfs-accel compare / trend / matrix`: output, CI-gate exit codes, one-line errors."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from pytest_ipfs_accelerate import cli
from pytest_ipfs_accelerate.testing.synthetic import add_benchmark, add_run, add_test, new_db
from tests.conftest import query


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Any:
    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def samples(center: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [center * (1 + rng.uniform(-0.02, 0.02)) for _ in range(20)]


@pytest.fixture
def regressed_db(tmp_path: Path) -> Path:
    path = tmp_path / "r.duckdb"
    con = new_db(path)
    base, cand = add_run(con, day=0), add_run(con, day=1)
    for run, slow in ((base, 1.0), (cand, 1.5)):
        add_benchmark(con, run, "t.py::test_slow", samples(slow * 1e-3, 1))
        add_benchmark(con, run, "t.py::test_same", samples(1e-3, 2))
        add_test(con, run, "t.py::test_slow", "passed")
    add_run(con, day=2, fingerprint="other-box")
    con.close()
    return path


def test_compare_gate_exit_codes_and_stored_rows(run_cli: Any, regressed_db: Path) -> None:
    code, out, _ = run_cli("compare", str(regressed_db), "--method", "classic")
    assert code == 0
    assert "REGRESSION | t.py::test_slow" in out and "test_same" not in out
    code, out, _ = run_cli("compare", str(regressed_db), "--method", "classic",
                           "--fail-on-regression", "--all")
    assert code == 1 and "test_same" in out
    code, out, _ = run_cli("compare", str(regressed_db), "--method", "classic", "--threshold",
                           "0.6", "--format", "json", "--fail-on-regression")
    assert code == 0
    data = json.loads(out)
    assert data["regressions"] == 0 and len(data["comparisons"]) == 2
    stored = query(regressed_db, "SELECT count(*), count(*) FILTER (WHERE is_regression) "
                   "FROM regressions")
    assert stored == [(2, 0)]  # the last compare replaced the earlier rows of the same pair


def test_compare_bad_input_exits_2_with_one_line(run_cli: Any, regressed_db: Path,
                                                 tmp_path: Path) -> None:
    code, _, err = run_cli("compare", str(regressed_db), "--baseline", "ffff")
    assert code == 2 and err.startswith("ipfs-accel: error: baseline run 'ffff' does not exist")
    assert err.count("\n") == 1 and "Traceback" not in err
    empty = tmp_path / "empty.duckdb"
    new_db(empty).close()
    code, _, err = run_cli("compare", str(empty))
    assert code == 2 and "no benchmark results or metrics" in err
    (other_id,), = query(regressed_db, "SELECT CAST(run_id AS VARCHAR) FROM runs WHERE "
                         "hardware_fingerprint = 'other-box'")
    code, _, err = run_cli("compare", str(regressed_db), "--candidate", other_id)
    assert code == 2 and "has no benchmark results" in err


def test_trend_and_matrix_formats(run_cli: Any, regressed_db: Path, tmp_path: Path) -> None:
    code, out, _ = run_cli("trend", str(regressed_db), "--benchmark", "test_slow")
    assert code == 0 and "t.py::test_slow" in out and "2 runs" in out
    code, out, _ = run_cli("trend", str(regressed_db), "--format", "json")
    assert code == 0 and {s["nodeid"] for s in json.loads(out)} == {"t.py::test_slow",
                                                                    "t.py::test_same"}
    code, _, err = run_cli("trend", str(regressed_db), "--benchmark", "missing")
    assert code == 2 and "matching 'missing'" in err
    code, out, _ = run_cli("matrix", str(regressed_db))
    assert code == 0 and "| t.py::test_slow | 100% (2 pass) |" in out
    code, out, _ = run_cli("matrix", str(regressed_db), "--format", "json")
    cells = json.loads(out)["cells"]
    assert cells == [{"row": "t.py::test_slow", "column": "cpu", "passed": 2, "failed": 0,
                      "skipped": 0, "xfailed": 0, "total": 2, "is_simulated": False,
                      "score": 1.0, "text": "100% (2 pass)"}]
    page = tmp_path / "m.html"
    code, _, _ = run_cli("matrix", str(regressed_db), "--format", "html", "-o", str(page))
    assert code == 0 and "t.py::test_slow" in page.read_text()
