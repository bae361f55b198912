"""The run report's data: v1 DBs, v2 sections, caps with exact totals, the JSON schema."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.report.build import build_run_report, latest_run_id
from pytest_ipfs_accelerate.report.model import Limits
from pytest_ipfs_accelerate.report.render import render, render_terminal

FIXTURE_V1 = Path(__file__).parents[1] / "fixtures" / "schema_v1.duckdb"


def schema() -> dict:
    text = resources.files("pytest_ipfs_accelerate.report").joinpath("report_schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


def validate(text: str) -> dict:
    data = json.loads(text)
    jsonschema.Draft202012Validator(schema(), format_checker=None).validate(data)
    return data


@pytest.fixture
def small(small_db):
    path, rid = small_db
    con = open_database(path, read_only=True)
    yield con, rid
    con.close()


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(schema())


def test_v1_db_reports_without_v2_sections(tmp_path):
    db = tmp_path / "v1.duckdb"
    shutil.copy(FIXTURE_V1, db)
    con = open_database(db, read_only=True)  # read-only: no migration
    try:
        report = build_run_report(con, latest_run_id(con))
    finally:
        con.close()
    assert report.benchmarks == [] and report.metrics == [] and report.regressions == []
    assert report.trends == [] and report.benchmarks_total == 0
    assert report.total == len(report.tests.rows) > 0
    data = validate(render(report, "json"))
    assert sum(data["counts"].values()) == data["total"] and data["report_version"] == 1
    assert "## Outcomes" in render(report, "md")
    assert render(report, "html").startswith("<!doctype html>")


def test_v2_sections(small):
    con, rid = small
    report = build_run_report(con, rid)
    assert report.counts["failed"] == 8 and report.failures_total == 8
    assert report.newly_failing_total == 8 and report.newly_passing_total == 0
    assert report.benchmarks_total == 10
    ok = [b for b in report.benchmarks if b["status"] == "ok"]
    assert len(ok) == 8 and all(len(b["samples"]) == 50 for b in ok)
    assert {b["is_simulated"] for b in ok} == {True, False}
    broken = [b for b in report.benchmarks if b["status"] == "error"]
    assert broken and broken[0]["samples"] == [] and "<boom>" in broken[0]["error"]
    assert report.metrics_total == 8
    [reg] = report.regressions
    assert reg["is_regression"] and reg["ratio"] == 1.5
    real = [s for s in report.trends if not s["is_simulated"]]
    sim = [s for s in report.trends if s["is_simulated"]]
    assert real and sim and all(len(s["points"]) == 3 for s in real + sim)
    # the last run's benchmarks are 1.5x slower: the real series end higher than they start
    bench = [s for s in real if s["name"] == "bench_0[cpu]"]
    assert bench and bench[0]["points"][-1]["value"] > bench[0]["points"][0]["value"]
    m = report.matrix
    assert m and {c["is_simulated"] for c in m["columns"]} == {True, False}
    assert m["rows"][0].endswith("test_0")  # most failures first
    validate(render(report, "json"))


def test_caps_keep_exact_totals_and_failures_first(small):
    con, rid = small
    lim = Limits(slowest=3, failures=2, changes=1, tests=10, benchmarks=2, samples=5,
                 metrics=1, trend_series=1, trend_points=2, matrix_rows=4, matrix_columns=1)
    report = build_run_report(con, rid, limits=lim)
    assert len(report.slowest) == 3 and len(report.failures) == 2
    assert report.failures_total == 8 and report.newly_failing_total == 8
    assert len(report.newly_failing) == 1
    assert report.tests.total == 400 and len(report.tests.rows) == 10
    assert report.tests.truncated is True
    outcomes = [r[1] for r in report.tests.rows]
    assert outcomes[:8] == ["failed"] * 8 and "failed" not in outcomes[8:]
    assert len(report.benchmarks) == 2 and report.benchmarks_total == 10
    assert all(len(b["samples"]) <= 5 for b in report.benchmarks)
    assert len(report.metrics) == 1 and report.metrics_total == 8
    assert len(report.trends) == 1 and len(report.trends[0]["points"]) == 2
    assert len(report.matrix["rows"]) == 4 and len(report.matrix["columns"]) == 1
    validate(render(report, "json"))


def test_summary_limits_skip_the_big_sections(small):
    con, rid = small
    report = build_run_report(con, rid, limits=Limits.summary())
    assert report.tests.rows == [] and report.matrix is None and report.trends == []
    assert report.total == 400 and report.benchmarks_total == 10


def test_markdown_and_terminal_keep_simulated_apart(small):
    con, rid = small
    report = build_run_report(con, rid)
    md = render(report, "md")
    assert "## Benchmarks (real)" in md and "## Benchmarks (simulated: not real-world" in md
    real_part = md.split("## Benchmarks (real)")[1].split("## Benchmarks (simulated")[0]
    assert "sim-a100" not in real_part
    assert "## Compatibility matrix (real)" in md and "## Regressions" in md
    lines = render_terminal(report)
    assert any(line.startswith("regressions: 1") for line in lines)
    assert any("8 newly failing" in line for line in lines)


def test_prefix_and_unknown_run(small):
    con, rid = small
    assert build_run_report(con, rid[:8]).run_id == rid
    from pytest_ipfs_accelerate.errors import DatabaseError

    with pytest.raises(DatabaseError, match="no run with id 'ffff_%'"):
        build_run_report(con, "ffff_%")
