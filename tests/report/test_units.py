"""A figure is shown in its own unit in every output: one function (``text.format_value``),
a test per kind of unit, and the terminal, Markdown, HTML, JSON and CLI writers all
using it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.cli import main
from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.report.build import build_run_report
from pytest_ipfs_accelerate.report.render import render, render_terminal
from pytest_ipfs_accelerate.report.text import format_change, format_value
from pytest_ipfs_accelerate.testing.synthetic import add_metric, add_run
from tests.report.test_report_model import validate


@pytest.mark.parametrize("value, expected", [
    (0, "0 s"), (3.2e-9, "3.2 ns"), (4.2e-7, "420 ns"), (6.44e-4, "644 µs"),
    (0.0123, "12.3 ms"), (0.8957, "895.7 ms"), (1.5, "1.5 s"), (59.4, "59.4 s"),
    (125.6, "2 min 6 s"), (3725, "1 h 2 min"), (-0.002, "-2 ms")])
def test_seconds_scale_to_a_readable_prefix(value, expected):
    assert format_value(value, "s") == expected


@pytest.mark.parametrize("value, expected", [
    (0, "0 B"), (200, "200 B"), (1536, "1.5 KiB"), (523.7 * 1024, "523.7 KiB"),
    (24.5 * 2**30, "24.5 GiB"), (3 * 2**50, "3 PiB")])
def test_bytes_scale_to_binary_prefixes(value, expected):
    assert format_value(value, "B") == expected
    assert format_value(value, "bytes") == expected


@pytest.mark.parametrize("value, unit, expected", [
    (958.28, "MiB/s", "958.3 MiB/s"), (1337, "MiB/s", "1337 MiB/s"),
    (12637.4, "tokens/s", "12637 tokens/s"), (3500, "MiB", "3500 MiB"),
    (1500, "ms", "1500 ms")])
def test_other_units_stay_as_recorded(value, unit, expected):
    assert format_value(value, unit) == expected


@pytest.mark.parametrize("value, unit, expected", [
    (0.5568, "ratio", "0.5568×"), (3.604, "x", "3.604×"), (12.5, "%", "12.5%"),
    (0.00001234, None, "1.234e-05"), (42, None, "42"), (123456, "", "123456")])
def test_ratios_percentages_and_plain_numbers(value, unit, expected):
    assert format_value(value, unit) == expected


def test_missing_and_non_finite_values():
    assert format_value(None, "s") == "-" and format_value(float("nan"), "MiB/s") == "-"
    assert format_value(float("inf"), "MiB/s") == "inf MiB/s"
    assert format_change(1337, 958.28, "MiB/s") == "1337 MiB/s -> 958.3 MiB/s (-28.3%)"


@pytest.fixture(scope="module")
def units_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Two runs of a 1337 -> 958.28 MiB/s throughput and a 0.5568 ratio, the second with
    its stored comparison (a regression)."""
    path = tmp_path_factory.mktemp("units") / "units.duckdb"
    con = open_database(path)
    try:
        for day, tp in enumerate((1337.0, 958.28)):
            rid = add_run(con, day=day)
            add_metric(con, rid, "t.py::test_tp", "throughput", [tp], unit="MiB/s",
                       direction="higher")
            add_metric(con, rid, "t.py::test_tp", "cid_vs_sha256", [0.5568], unit="ratio",
                       direction="higher")
        con.execute("""
            INSERT INTO regressions (candidate_run_id, baseline_run_id, nodeid, name, metric,
                baseline_value, candidate_value, ratio, p_value, method, threshold,
                is_regression, detected_at)
            SELECT ?, (SELECT run_id FROM runs WHERE run_id <> ?), 't.py::test_tp',
                   'throughput', 'throughput', 1337.0, 958.28, 958.28 / 1337.0, NULL,
                   'z-score', 0.1, TRUE, now()""", [rid, rid])
    finally:
        con.close()
    return path, rid


def _report(db: tuple[Path, str]):
    con = open_database(db[0], read_only=True)
    try:
        return build_run_report(con, db[1])
    finally:
        con.close()


def test_markdown_shows_each_metric_in_its_unit(units_db):
    text = render(_report(units_db), "md")
    trends = text.split("## Trends")[1].split("\n## ")[0]
    assert "958.3 MiB/s" in trends and "0.5568×" in trends, trends
    assert "958.28s" not in text and "556.8ms" not in text
    assert "| `throughput` | throughput | 1337 MiB/s | 958.3 MiB/s | 0.7167× |" in text


def test_html_shows_each_metric_in_its_unit(units_db):
    page = render(_report(units_db), "html")
    assert ">958.3 MiB/s<" in page and ">0.5568×<" in page
    assert "1337 MiB/s -&gt; 958.3 MiB/s (-28.3%)" in page  # the named regression


def test_json_carries_display_texts_in_the_unit(units_db):
    data = validate(render(_report(units_db), "json"))  # display fields are in the schema
    shown = {m["name"]: m["display"] for m in data["metrics"]}
    assert shown == {"throughput": "958.3 MiB/s", "cid_vs_sha256": "0.5568×"}
    [reg] = data["regressions"]
    assert reg["unit"] == "MiB/s" and reg["display"]["change"] == \
        "1337 MiB/s -> 958.3 MiB/s (-28.3%)"
    points = {s["name"]: [p["display"] for p in s["points"]] for s in data["trends"]}
    assert points["throughput"] == ["1337 MiB/s", "958.3 MiB/s"]


def test_terminal_names_the_regression_in_its_unit(units_db):
    lines = render_terminal(_report(units_db))
    assert "regressions: 1" in lines
    assert any("throughput (t.py::test_tp) throughput: 1337 MiB/s -> 958.3 MiB/s (-28.3%)"
               in line for line in lines), lines


def test_cli_trend_and_compare_use_the_unit(units_db, capsys):
    assert main(["trend", str(units_db[0]), "--benchmark", "throughput"]) == 0
    assert "latest 958.3 MiB/s" in capsys.readouterr().out
    assert main(["trend", str(units_db[0]), "--format", "json"]) == 0
    series = {s["name"]: s for s in json.loads(capsys.readouterr().out)}
    assert [p["display"] for p in series["cid_vs_sha256"]["points"]] == ["0.5568×"] * 2
    assert main(["compare", str(units_db[0]), "--format", "json", "--no-store"]) == 0
    compared = {c["name"]: c["display"] for c in
                json.loads(capsys.readouterr().out)["comparisons"]}
    assert compared["throughput"] == {"baseline": "1337 MiB/s", "candidate": "958.3 MiB/s",
                                      "change": "1337 MiB/s -> 958.3 MiB/s (-28.3%)"}
