"""Failures you can read: the HTML report and the dashboard show each failing test's whole
traceback and captured output, collapsed; the Markdown report its crash line and the end
of its traceback."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from harness.reliability.adversarial.surface_cases import dashboard
from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.report.build import build_run_report, latest_run_id
from pytest_ipfs_accelerate.report.render import render
from tests.conftest import run_pytest_in
from tests.report.test_report_model import validate

SUITE = '''
import logging, sys

def deep(n):
    if n == 0:
        raise ValueError("bottom of a deep stack")
    return deep(n - 1)

def test_deep():
    deep(40)

def test_prints_then_fails():
    print("to stdout:", "marker" + "-out")  # the captured text is not in the source
    sys.stderr.write("to stderr: " + "marker" + "-err\\n")
    logging.getLogger("t").warning("to the log: %s", "marker" + "-log")
    first_line_of_the_test = 1
    assert first_line_of_the_test == 2, "wrong on purpose"

def test_passes():
    pass
'''


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("failures")
    (path / "test_f.py").write_text(SUITE)
    result = run_pytest_in(path, "--ipfs-accel-db", "f.duckdb", "test_f.py")
    assert result.ret == 1, result.stdout.str()
    con = open_database(path / "f.duckdb", read_only=True)
    try:
        return path / "f.duckdb", str(latest_run_id(con))
    finally:
        con.close()


def _render(db: tuple[Path, str], fmt: str) -> str:
    con = open_database(db[0], read_only=True)
    try:
        return render(build_run_report(con, db[1]), fmt)
    finally:
        con.close()


def test_html_has_the_whole_traceback_and_output_collapsed(failing_run):
    page = _render(failing_run, "html")
    tb = page.split("<details class='longrepr'>")
    assert len(tb) == 3, "one traceback per failure"
    prints = next(part for part in tb[1:] if "first_line_of_the_test" in part)
    assert "wrong on purpose" in html.unescape(prints.split("</details>")[0])
    deep = next(part for part in tb[1:] if "bottom of a deep stack" in part)
    assert html.unescape(deep).count("deep(n - 1)") >= 10  # the whole stack, not the end
    for marker, stream in (("marker-out", "stdout"), ("marker-err", "stderr"),
                           ("marker-log", "log")):
        assert f"<details class='{stream}'><summary>captured {stream}" in page
        assert marker in page
    assert "<details open" not in page


def test_json_has_the_failure_text(failing_run):
    data = validate(_render(failing_run, "json"))
    texts = {f["nodeid"]: f for f in data["failures"]}
    prints = texts["test_f.py::test_prints_then_fails"]
    assert "wrong on purpose" in prints["longrepr"] and "marker-out" in prints["stdout"]
    assert "marker-err" in prints["stderr"] and "marker-log" in prints["log"]


def test_markdown_has_the_crash_line_and_a_truncated_traceback(failing_run):
    text = _render(failing_run, "md")
    assert "### `test_f.py::test_deep` (failed)" in text
    assert "`test_f.py:6`: ValueError: bottom of a deep stack" in text  # relative to rootdir
    deep = text.split("### `test_f.py::test_deep`")[1].split("### ")[0]
    assert "```text" in deep and "E           ValueError: bottom of a deep stack" in deep
    assert "(traceback truncated: the first" in deep
    assert deep.count("\n") < 45  # the end of the stack only
    prints = text.split("### `test_f.py::test_prints_then_fails`")[1]
    assert "wrong on purpose" in prints and "marker-out" not in prints


def test_dashboard_shows_failure_text_collapsed(browser, failing_run):
    with dashboard(failing_run[0]) as server:
        tab = browser.open(server.url + "?interval=200")
        tab.wait_for("document.querySelectorAll('#failures details.longrepr').length === 2")
        shown = tab.js("""(() => {const d = Array.from(document.querySelectorAll(
            '#failures details.longrepr')).find(e => e.textContent.includes('wrong on purpose'));
            const pre = d.querySelector('pre');
            const before = [d.getBoundingClientRect().height, pre.checkVisibility()];
            d.querySelector('summary').click();
            return {before: before,
                    after: [d.getBoundingClientRect().height, pre.checkVisibility()],
                    kinds: Array.from(d.parentNode.querySelectorAll('details'))
                        .map(e => e.className)};})()""")
    (closed, hidden), (opened, visible) = shown["before"], shown["after"]
    assert not hidden and visible and opened > closed + 50, shown
    assert shown["kinds"] == ["longrepr", "stdout", "stderr", "log"]
