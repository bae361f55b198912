"""The self-contained HTML report: escaping, no network, 100,000 tests, a real browser."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.report.build import build_run_report
from pytest_ipfs_accelerate.report.html_page import PAGE_SIZE
from pytest_ipfs_accelerate.report.render import render
from pytest_ipfs_accelerate.report.text import script_json
from pytest_ipfs_accelerate.testing.synthetic import add_benchmarks, add_run, build_db

EVIL_ID = "tests/t.py::test_x[</script><script>window.__pwned=1</script>]"
EVIL_MSG = "<img src=x onerror='window.__pwned=2'> & </script>"


def html_for(path: Path, rid: str) -> str:
    con = open_database(path, read_only=True)
    try:
        return render(build_run_report(con, rid), "html")
    finally:
        con.close()


@pytest.fixture(scope="module")
def evil_page(tmp_path_factory) -> Path:
    """A run whose test id, message and benchmark name carry markup."""
    path = tmp_path_factory.mktemp("evil") / "evil.duckdb"
    con = open_database(path)
    try:
        rid = add_run(con, tests=3, fail_every=1)
        con.execute("UPDATE test_results SET nodeid = ?, crash_message = ? WHERE run_id = ? "
                    "AND nodeid LIKE '%test_0'", [EVIL_ID, EVIL_MSG, rid])
        add_benchmarks(con, rid, count=1, rounds=5, device="<svg onload=alert(1)>")
    finally:
        con.close()
    page = path.with_suffix(".html")
    page.write_text(html_for(path, rid), encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def big_page(tmp_path_factory) -> tuple[Path, float, int]:
    """100,000 tests (every 1000th failing), 3 runs; returns (page, seconds, bytes)."""
    path = tmp_path_factory.mktemp("big") / "big.duckdb"
    rid = build_db(path, tests=100_000, runs=3, fail_every=1000)
    start = time.perf_counter()
    text = html_for(path, rid)
    seconds = time.perf_counter() - start
    page = path.with_suffix(".html")
    page.write_text(text, encoding="utf-8")
    return page, seconds, len(text.encode())


def test_script_json_cannot_close_the_script():
    text = script_json({"a": "</script><!-- \u2028 & >"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert text.count("\\u003c") == 2


def test_markup_in_data_is_escaped(evil_page):
    text = evil_page.read_text()
    assert "window.__pwned=1</script>" not in text and "<img src=x" not in text
    assert "<svg onload" not in text
    assert "&lt;img src=x" in text  # the failures table shows it as text
    assert text.count("<script") == 2  # the JSON data and the table code, nothing else


def test_page_is_self_contained(small_db):
    text = html_for(*small_db)
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert "<link" not in text and "@import" not in text and "url(" not in text
    assert "<svg" in text and "class=\"chart box\"" in text and "chart heatmap" in text
    assert "chart trend" in text and "section class='sim'" in text


def test_100k_tests_page_is_bounded(big_page):
    page, seconds, size = big_page
    text = page.read_text()
    assert size < 16_000_000, f"{size} bytes"
    assert seconds < 20, f"report + html took {seconds:.1f}s"  # sanity, not a benchmark
    assert text.count("<tr") < 600  # server-side rows are capped; the rest is JSON
    assert '"total":100000' in text


def test_browser_pages_filters_and_draws(browser, big_page):
    tab = browser.open(big_page[0].as_uri())
    n_rows = "document.querySelectorAll('#ipa-tbody tr').length"
    info = "document.getElementById('ipa-info').textContent"
    assert tab.wait_for(n_rows) == PAGE_SIZE
    assert tab.js(info).startswith("100000 of 100000 tests · page 1 of 500")
    first = tab.js("document.querySelector('#ipa-tbody td').textContent")
    assert first.endswith("::test_0") and tab.js(
        "document.querySelector('#ipa-tbody tr td:nth-child(2)').className") == "failed"
    tab.js("document.getElementById('ipa-next').click()")
    assert "page 2 of 500" in tab.js(info)
    tab.js("var q=document.getElementById('ipa-q');q.value='test_4242';"
           "q.dispatchEvent(new Event('input'))")
    assert tab.wait_for(f"{info}.startsWith('11 of') && {info}")
    names = tab.js("Array.from(document.querySelectorAll('#ipa-tbody tr td:first-child'))"
                   ".map(e => e.textContent)")
    assert len(names) == 11 and all("test_4242" in n for n in names)
    tab.js("var q=document.getElementById('ipa-q');q.value='';"
           "q.dispatchEvent(new Event('input'));var s=document.getElementById('ipa-outcome');"
           "s.value='failed';s.dispatchEvent(new Event('change'))")
    assert tab.wait_for(f"{info}.startsWith('100 of') && {info}")
    assert tab.js("document.querySelectorAll('svg.box circle.sample').length") > 100
    assert tab.js("document.querySelectorAll('svg.heatmap rect.cell').length") > 0
    assert tab.js("document.querySelectorAll('svg.trend polyline').length") > 0
    assert tab.js("document.querySelectorAll('section.sim svg').length") > 0


def test_browser_runs_no_injected_code(browser, evil_page):
    tab = browser.open(evil_page.as_uri() + "#q=__pwned")
    assert tab.wait_for("document.querySelectorAll('#ipa-tbody tr').length") == 1
    assert tab.js("typeof window.__pwned") == "undefined"
    assert tab.js("document.querySelector('#ipa-tbody td').textContent") == EVIL_ID
