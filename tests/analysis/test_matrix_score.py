"""One score for the compatibility matrix (``analysis.matrix.Cell.score``), shown the same in
the CLI (Markdown, JSON, HTML) and in the run report (Markdown, HTML)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_ipfs_accelerate.analysis import Cell, compatibility_matrix
from pytest_ipfs_accelerate.cli import main
from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.report.build import build_run_report
from pytest_ipfs_accelerate.report.charts import score_color
from pytest_ipfs_accelerate.report.render import render
from pytest_ipfs_accelerate.testing.synthetic import add_run, add_test


@pytest.mark.parametrize("counts, score", [
    ({"passed": 2}, 1.0), ({"passed": 1, "failed": 1}, 0.5), ({"xfailed": 3}, None),
    ({"passed": 1, "failed": 3, "xfailed": 1}, 0.25), ({"skipped": 4}, None),
    ({"failed": 2, "skipped": 5}, 0.0)])
def test_score_is_passed_over_passed_and_failed(counts, score):
    assert Cell(**counts).score == score


@pytest.fixture
def xfail_db(tmp_path: Path) -> tuple[Path, str]:
    """A test that xfails in all of 3 runs, one that passes, one that only skips."""
    path = tmp_path / "m.duckdb"
    con = open_database(path)
    try:
        for day in range(3):
            rid = add_run(con, day=day)
            add_test(con, rid, "t.py::test_known_bug", "xfailed")
            add_test(con, rid, "t.py::test_ok", "passed")
            add_test(con, rid, "t.py::test_no_gpu", "skipped")
    finally:
        con.close()
    return path, rid


def test_always_xfail_reads_the_same_everywhere(xfail_db: tuple[Path, str], capsys: Any):
    db, rid = xfail_db
    expected = "n/a (3 xfail)"
    assert main(["matrix", str(db)]) == 0
    cli_md = capsys.readouterr().out
    assert f"| t.py::test_known_bug | {expected} |" in cli_md
    assert "| t.py::test_no_gpu | n/a (3 skip) |" in cli_md
    assert main(["matrix", str(db), "--format", "json"]) == 0
    cells = {c["row"]: c for c in json.loads(capsys.readouterr().out)["cells"]}
    assert (cells["t.py::test_known_bug"]["score"], cells["t.py::test_known_bug"]["text"]) \
        == (None, expected)
    assert main(["matrix", str(db), "--format", "html"]) == 0
    cli_html = capsys.readouterr().out
    assert f"background:{score_color(None, light=True)}\">{expected}</td>" in cli_html
    con = open_database(db, read_only=True)
    try:
        report = build_run_report(con, rid)
        m = compatibility_matrix(con)
    finally:
        con.close()
    assert m.cells[("t.py::test_known_bug", "cpu")].score is None
    assert f"| `t.py::test_known_bug` | {expected} |" in render(report, "md")
    page = render(report, "html")
    cell = page.split("t.py::test_known_bug on cpu")[1].split("</rect>")[0]
    assert "score n/a" in cell and score_color(None) in page.split(
        "t.py::test_known_bug on cpu")[0].rsplit("<rect", 1)[1]
