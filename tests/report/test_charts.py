"""The report's SVG charts read right, measured in headless Chromium: every label inside its
chart, a box plot that an outlier does not squash, the time of day on a one-day trend, no
blank band above the heatmap. A screenshot of the page is kept in ``test-artifacts/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_ipfs_accelerate.db.connect import open_database
from pytest_ipfs_accelerate.report import charts
from pytest_ipfs_accelerate.report.build import build_run_report
from pytest_ipfs_accelerate.report.render import render
from pytest_ipfs_accelerate.report.text import SECONDS_JS, format_seconds
from pytest_ipfs_accelerate.testing.synthetic import add_benchmark, add_metric, add_run, add_test
from tests.report.conftest import ARTIFACTS

#: A 644-764 µs spread and one 91 ms round, as a real run of the demo had.
CID_SAMPLES = [644e-6 + k * 1e-6 for k in range(121)] + [0.091]


@pytest.fixture(scope="module")
def chart_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five runs an hour apart on one day: a 1337 MiB/s metric, a ratio, a benchmark with
    an outlier in the last, and a matrix with one short column."""
    path = tmp_path_factory.mktemp("charts") / "charts.duckdb"
    con = open_database(path)
    try:
        for hour in range(5):
            rid = add_run(con, day=(9 + hour) / 24)
            add_metric(con, rid, "t.py::test_io", "throughput", [1337 - 37 * hour],
                       unit="MiB/s", direction="higher")
            add_metric(con, rid, "t.py::test_io", "cid_vs_sha256", [0.5568 + hour / 100],
                       unit="ratio", direction="higher")
            add_test(con, rid, "t.py::test_io", "passed")
            add_test(con, rid, "t.py::test_known_bug", "xfailed")
        add_benchmark(con, rid, "t.py::test_cid_of_one_mib", CID_SAMPLES)
        report = build_run_report(con, rid)
    finally:
        con.close()
    page = path.with_suffix(".html")
    page.write_text(render(report, "html"), encoding="utf-8")
    return page


LABEL_BOUNDS = """Array.from(document.querySelectorAll('svg.chart')).flatMap(svg => {
  const r = svg.getBoundingClientRect();
  return Array.from(svg.querySelectorAll('text')).map(t => {
    const b = t.getBoundingClientRect();
    return {chart: svg.getAttribute('class'), text: t.textContent,
            left: b.left - r.left, top: b.top - r.top, right: r.right - b.right,
            bottom: r.bottom - b.bottom};
  });
})"""


def test_labels_lie_inside_their_charts(browser, chart_page):
    tab = browser.open(chart_page.as_uri())
    labels = tab.js(LABEL_BOUNDS)
    kinds = {label["chart"] for label in labels}
    assert {"chart trend", "chart box", "chart heatmap"} <= kinds, kinds
    texts = {label["text"] for label in labels}
    assert "1337 MiB/s" in texts and "0.5968×" in texts, sorted(texts)
    outside = [label for label in labels
               if min(label["left"], label["top"], label["right"], label["bottom"]) < -0.5]
    assert not outside, outside
    tab.screenshot(ARTIFACTS / "report-charts.png")


def test_an_outlier_does_not_squash_the_box(browser, chart_page):
    tab = browser.open(chart_page.as_uri())
    box = tab.js("""(() => {const svg = document.querySelector('svg.box');
        return {box: svg.querySelector('rect.box').getBoundingClientRect().width,
                chart: svg.getBoundingClientRect().width,
                outliers: svg.querySelectorAll('circle.outlier').length,
                labels: Array.from(svg.querySelectorAll('text')).map(t => t.textContent)};})()""")
    assert box["box"] >= 0.25 * box["chart"], box
    assert box["outliers"] == 1 and "max 91 ms" in box["labels"], box


def test_one_day_trend_shows_the_time_of_day(browser, chart_page):
    tab = browser.open(chart_page.as_uri())
    first, last = tab.js("Array.from(document.querySelector('svg.trend')"
                         ".querySelectorAll('text.time-label')).map(t => t.textContent)")
    assert first == "2026-01-01 09:00" and last == "13:00"


def test_no_blank_space_above_the_heatmap(browser, chart_page):
    tab = browser.open(chart_page.as_uri())
    top = tab.js("""(() => {const svg = document.querySelector('svg.heatmap');
        const r = svg.getBoundingClientRect();
        return Math.min(...Array.from(svg.children).map(
            e => e.getBoundingClientRect().top - r.top));})()""")
    assert 0 <= top <= 12, f"{top:.1f} px of blank space above the heatmap"


def test_browser_formats_durations_as_python_does(browser, chart_page):
    values = [0, 3.2e-9, 4.2e-7, 6.44e-4, 0.0123, 0.8957, 1.5, 59.4, 61, 125.6, 3725, -0.002]
    tab = browser.open(chart_page.as_uri())
    shown = tab.js(f"{SECONDS_JS}; {values!r}.map(fmtSeconds)")
    assert shown == [format_seconds(v) for v in values]


def test_charts_without_a_browser():
    """What the browser tests measure, on the SVG text alone (runs everywhere)."""
    box = charts.box_strip({"name": "b", "samples": CID_SAMPLES})
    assert box.count('class="sample outlier"') == 1 and "max 91 ms" in box
    trend = charts.trend_line({"name": "t", "points": [
        {"value": 1337, "started_at": "2026-01-01T09:00:00+00:00"},
        {"value": 1300, "started_at": "2026-01-01T13:00:00+00:00"}]}, unit="MiB/s")
    assert ">1337 MiB/s<" in trend and ">13:00<" in trend
    assert charts.time_labels(["2026-01-01T09:00:00", "2026-01-03T10:00:00"]) == (
        "2026-01-01", "2026-01-03")
    heat = charts.heatmap(["t.py::test_x"], ["cpu"], [[0, 0, 1, 0, 0, 0, 1, 1.0]])
    assert 'height="' in heat and int(heat.split('height="')[1].split('"')[0]) < 60
