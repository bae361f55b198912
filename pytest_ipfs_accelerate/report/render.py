"""Renderings of a :class:`RunReport`: terminal lines, Markdown, HTML and JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.report.model import (
    OUTCOMES,
    RunReport,
    backend_summary,
    split_simulated,
)
from pytest_ipfs_accelerate.report.text import (
    SCORE_NOTE,
    escape_controls,
    escape_json_controls,
    format_change,
    format_p,
    format_ratio,
    format_value,
    matrix_cell_text,
    where,
)

__all__ = ["FORMATS", "format_for_path", "render", "render_html", "render_json",
           "render_markdown", "render_terminal", "write_report"]

FORMATS = ("md", "html", "json")


def render_html(report: RunReport) -> str:
    """A self-contained HTML page (``report.html_page``, loaded only when asked for)."""
    from pytest_ipfs_accelerate.report.html_page import render_html as page

    return page(report)


def counts_line(report: RunReport) -> str:
    parts = [f"{report.counts[o]} {o}" for o in OUTCOMES if report.counts.get(o)]
    return ", ".join(parts) if parts else "no tests"


SIM_NOTE = "simulated: not real-world figures"
TERMINAL_CHANGES = 20


def _titled(items: list[dict[str, Any]], title: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Real and simulated items under separate titles, never mixed."""
    return [(f"{title} ({SIM_NOTE})" if sim else f"{title} (real)", group)
            for sim, group in split_simulated(items)]


def benchmark_status(report: RunReport) -> str:
    """``3 (2 ok, 1 disabled under xdist)``: the run's benchmarks by status."""
    by: dict[str, int] = {}
    xdist = bool(report.run.get("xdist_workers"))
    for b in report.benchmarks:
        status = b["status"] or "unknown"
        if status == "disabled":
            reason = b.get("error") or ""
            status = ("disabled by --benchmark-disable" if "benchmark-disable" in reason
                      else "disabled under xdist" if xdist or "xdist" in reason
                      else "disabled (not timed)")
        by[status] = by.get(status, 0) + 1
    shown = sum(by.values())
    if report.benchmarks_total > shown:
        by["not listed"] = report.benchmarks_total - shown
    if set(by) == {"ok"}:
        return str(report.benchmarks_total)
    return f"{report.benchmarks_total} ({', '.join(f'{n} {s}' for s, n in by.items())})"


def comparison_text(r: dict[str, Any]) -> str:
    """One stored comparison, named, in its metric's unit: ``name (nodeid) metric: 1337
    MiB/s -> 958 MiB/s (-28.3%); threshold 10%, method``."""
    who = r["name"] + (f" ({r['nodeid']})" if r.get("nodeid") and r["nodeid"] != r["name"]
                       else "")
    metric = "time" if r["metric"] == "time" else r["metric"]
    extra = [f"threshold {r['threshold']:.0%}" if r.get("threshold") is not None else None,
             r.get("method"), f"p={format_p(r['p_value'])}" if r.get("p_value") else None]
    return (f"{who} {metric}: "
            f"{format_change(r['baseline_value'], r['candidate_value'], r.get('unit'), r['ratio'])}"
            f"; {', '.join(e for e in extra if e)}")


def render_terminal(report: RunReport) -> list[str]:
    """Lines for pytest's terminal summary (control characters escaped)."""
    lines = [f"run {report.run_id}" + (f"  db {report.db_path}" if report.db_path else ""),
             f"outcomes: {counts_line(report)} (total {report.total})"]
    served = backend_summary(report.run, report.operations, report.hardware)
    if served:
        lines.append(f"backends: {served}")
    if report.tags:
        lines.append("tags: " + ", ".join(f"{k}={v}" for k, v in report.tags.items()))
    if report.slowest:
        lines.append(f"slowest {len(report.slowest)}:")
        lines += [f"  {format_value(r['duration_s'], 's'):>9}  {r['outcome']:<8} {r['nodeid']}"
                  for r in report.slowest]
    if report.previous_run_id is None:
        lines.append("no previous run in this DB to compare with")
    else:
        lines.append(f"against previous run {report.previous_run_id[:8]}: "
                     f"{report.newly_failing_total} newly failing, "
                     f"{report.newly_passing_total} newly passing")
        for r in report.newly_failing[:TERMINAL_CHANGES]:
            was = r["previous_outcome"] or "new"
            lines.append(f"  newly failing: {r['nodeid']} ({was} -> {r['outcome']})")
        for r in report.newly_passing[:TERMINAL_CHANGES]:
            lines.append(f"  newly passing: {r['nodeid']} ({r['previous_outcome']} -> "
                         f"{r['outcome']})")
        hidden = (report.newly_failing_total + report.newly_passing_total
                  - min(len(report.newly_failing), TERMINAL_CHANGES)
                  - min(len(report.newly_passing), TERMINAL_CHANGES))
        if hidden > 0:
            lines.append(f"  ... and {hidden} more (ipfs-accel report DB lists them)")
    if report.benchmarks_total:
        lines.append(f"benchmarks: {benchmark_status(report)}")
    for title, flag in (("regressions", "is_regression"), ("improvements", "is_improvement")):
        named = [r for r in report.regressions if r.get(flag)]
        if named:
            lines.append(f"{title}: {len(named)}")
            lines += [f"  {comparison_text(r)}" for r in named[:TERMINAL_CHANGES]]
    for note in report.notes:
        lines.append(f"note: {note}")
    for title, rows in _titled(report.operations, "Operations"):
        lines.append(f"{title}:")
        lines += [f"  {o['kind']}.{o['op']} [{o['backend']}] x{o['count']} "
                  f"total {format_value(o['total_s'], 's')} "
                  f"median {format_value(o['median_s'], 's')}"
                  f"{' bytes ' + format_value(o['nbytes'], 'B') if o['nbytes'] else ''}"
                  f"{' errors ' + str(o['errors']) if o['errors'] else ''}" for o in rows]
    for title, text in report.sections:
        lines.append(f"{title}:")
        lines += ["  " + line for line in text.splitlines()]
    return [escape_controls(line) for line in lines]


def _md_table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return out


def _md_block(headers: list[str], rows: list[list[Any]]) -> list[str]:
    return [*_md_table(headers, rows), ""]


def render_markdown(report: RunReport) -> str:
    run = report.run
    lines = [f"# Test run {report.run_id}", ""]
    facts = [("started", run.get("started_at")), ("finished", run.get("finished_at")),
             ("exit status", run.get("exit_status")), ("host", run.get("host")),
             ("git", f"{run.get('git_branch') or '-'} @ {(run.get('git_commit') or '-')[:12]}"
                     f"{' (dirty)' if run.get('git_dirty') else ''}"
              if run.get("git_branch") or run.get("git_commit") else None),
             ("python", run.get("python_version")), ("pytest", run.get("pytest_version")),
             ("tox env", run.get("tox_env")), ("CI", run.get("ci_provider")),
             ("backends", backend_summary(run, report.operations, report.hardware) or None)]
    lines += [f"- **{k}**: {v}" for k, v in facts if v is not None]
    if report.tags:
        lines.append("- **tags**: " + ", ".join(f"`{k}={v}`" for k, v in report.tags.items()))
    lines += ["", "## Outcomes", ""]
    lines += _md_table(["outcome", "count"], [[o, report.counts.get(o, 0)] for o in OUTCOMES])
    lines += ["", f"Total: {report.total}", ""]
    lines += _md_failures(report)
    if report.slowest:
        lines += ["## Slowest tests", ""]
        lines += _md_table(["duration", "outcome", "test"], [
            [format_value(r["duration_s"], "s"), r["outcome"], f"`{r['nodeid']}`"]
            for r in report.slowest])
        lines.append("")
    lines += ["## Change against the previous run", ""]
    if report.previous_run_id is None:
        lines.append("No previous run in this DB.")
    else:
        lines.append(f"Previous run: `{report.previous_run_id}`. "
                     f"{report.newly_failing_total} newly failing, "
                     f"{report.newly_passing_total} newly passing.")
        changed = [[f"`{r['nodeid']}`", r["previous_outcome"] or "(new)", r["outcome"]]
                   for r in report.newly_failing + report.newly_passing]
        if changed:
            lines += ["", *_md_table(["test", "before", "now"], changed)]
    lines.append("")
    lines += _md_v2(report)
    for title, rows in _titled(report.operations, "Operations"):
        lines += [f"## {title}", ""]
        lines += _md_table(["kind", "op", "backend", "count", "errors", "bytes", "total",
                            "median"], [
            [o["kind"], o["op"], o["backend"], o["count"], o["errors"],
             format_value(o["nbytes"], "B"), format_value(o["total_s"], "s"),
             format_value(o["median_s"], "s")] for o in rows])
        lines.append("")
    if report.hardware:
        lines += ["## Hardware", ""]
        lines += _md_table(["device", "kind", "name", "memory", "simulated"], [
            [h["device"], h["kind"], h["name"] or "-", format_value(h["memory_bytes"], "B"),
             "yes" if h["is_simulated"] else "no"] for h in report.hardware])
        lines.append("")
    for title, text in report.sections:
        lines += [f"## {title}", "", text, ""]
    return escape_controls("\n".join(lines), keep="\n\t")


#: Failures whose traceback the Markdown report shows, and the lines kept of each.
MD_TRACEBACKS = 20
MD_TRACEBACK_LINES = 30


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``."""
    return "`" * max(3, max(map(len, re.findall("`+", text)), default=0) + 1)


def truncated_traceback(text: str | None, keep: int = MD_TRACEBACK_LINES) -> tuple[str, int]:
    """The last ``keep`` lines of a traceback (where it failed) and how many were cut."""
    lines = (text or "").rstrip().splitlines()
    return "\n".join(lines[-keep:]), max(len(lines) - keep, 0)


def _md_failures(report: RunReport) -> list[str]:
    """The failures table, then each failure's crash line and the end of its traceback."""
    if not report.failures:
        return []
    lines = ["## Failures and errors", ""]
    if report.failures_total > len(report.failures):
        lines += [f"Showing {len(report.failures)} of {report.failures_total} failures.", ""]
    root = report.run.get("rootdir")
    lines += _md_block(["test", "outcome", "where", "message"], [
        [f"`{f['nodeid']}`", f["outcome"], where(f, root), (f["crash_message"] or "")[:200]]
        for f in report.failures])
    for f in report.failures[:MD_TRACEBACKS]:
        crash = (f["crash_message"] or "").strip().splitlines()
        lines += [f"### `{f['nodeid']}` ({f['outcome']})", "",
                  f"`{where(f, root)}`" + (f": {crash[0][:300]}" if crash else ""), ""]
        tb, cut = truncated_traceback(f.get("longrepr"))
        if tb:
            fence = _fence(tb)
            lines += [f"{fence}text", tb, fence]
            if cut:
                lines.append(f"(traceback truncated: the first {cut} lines left out; "
                             "the HTML and JSON reports have it whole)")
            lines.append("")
    if len(report.failures) > MD_TRACEBACKS:
        lines += [f"Tracebacks of the first {MD_TRACEBACKS} failures shown.", ""]
    return lines


def _md_v2(report: RunReport) -> list[str]:
    """Markdown for regressions, benchmarks, metrics, trends and the matrix."""
    lines: list[str] = []
    if report.regressions:
        lines += ["## Regressions and improvements", ""]
        lines += _md_block(["benchmark", "metric", "baseline", "candidate", "ratio", "p",
                            "method", "regression"], [
            [f"`{r['name']}`", r["metric"], format_value(r["baseline_value"], r.get("unit")),
             format_value(r["candidate_value"], r.get("unit")), format_ratio(r["ratio"]),
             format_p(r["p_value"]), r["method"],
             "**yes**" if r["is_regression"] else "improved" if r.get("is_improvement")
             else "no"]
            for r in report.regressions])
    for title, group in _titled(report.benchmarks, "Benchmarks"):
        lines += [f"## {title}", ""]
        lines += _md_block(["benchmark", "status", "min", "median", "mean", "stddev", "max",
                            "rounds", "samples", "device"], [
            [f"`{b['name']}`", b["status"] + (f": {b['error'][:120]}" if b["error"] else ""),
             *[format_value(b[k], "s") for k in ("min_s", "median_s", "mean_s", "stddev_s",
                                                 "max_s")],
             b["rounds"] or "-", len(b.get("samples") or []), b["device"] or "-"]
            for b in group])
    if report.benchmarks_total > len(report.benchmarks):
        lines += [f"Showing {len(report.benchmarks)} of {report.benchmarks_total} "
                  "benchmarks.", ""]
    for title, group in _titled(report.metrics, "Metrics"):
        lines += [f"## {title}", ""]
        lines += _md_block(["metric", "value", "better", "test", "device"], [
            [f"`{m['name']}`", format_value(m["value"], m["unit"]), m["direction"] or "-",
             f"`{m['nodeid'] or '-'}`", m["device"] or "-"] for m in group])
    for title, group in _titled(report.trends, "Trends"):
        lines += [f"## {title}", ""]
        lines += _md_block(["benchmark", "hardware", "runs", "first", "last", "change points"], [
            [f"`{s['name']}`", s["hardware_fingerprint"], len(s["points"]),
             format_value(s["points"][0]["value"], s.get("unit")) if s["points"] else "-",
             format_value(s["points"][-1]["value"], s.get("unit")) if s["points"] else "-",
             ", ".join(format_ratio(c.get("ratio")) for c in s.get("change_points") or [])
             or "-"] for s in group])
    if report.matrix and report.matrix["cells"]:
        m = report.matrix
        for sim in (False, True):
            cols = [i for i, c in enumerate(m["columns"]) if bool(c["is_simulated"]) == sim]
            if not cols:
                continue
            grid: dict[int, dict[int, str]] = {}
            for r, c, passed, failed, skipped, xfailed, _total, score in m["cells"]:
                if c in cols:
                    grid.setdefault(r, {})[c] = matrix_cell_text(passed, failed, skipped,
                                                                 xfailed, score)
            title = "Compatibility matrix" + (f" ({SIM_NOTE})" if sim else " (real)")
            lines += [f"## {title}", "", f"{SCORE_NOTE}; {len(grid)} of "
                      f"{m['rows_total']} tests, most failures first.", ""]
            lines += _md_block(["test", *[m["columns"][c]["label"] for c in cols]], [
                [f"`{m['rows'][r]}`", *[grid[r].get(c, "-") for c in cols]]
                for r in sorted(grid)])
    lines += [f"> {note}" for note in report.notes]
    return lines


_TESTS_SLOT = "\x00ipfs-accel-tests\x00"


def render_json(report: RunReport) -> str:
    """Compact JSON in the layout of ``report_schema.json`` (``jq .`` pretty-prints it)."""
    data = with_display(report.to_dict(test_rows=False))
    data["tests"] = _TESTS_SLOT  # the big table goes in as the report's cached JSON text
    text = json.dumps(data, separators=(",", ":"), default=str, ensure_ascii=False)
    head, _, tail = text.partition(json.dumps(_TESTS_SLOT))
    # Each part on its own: the big table is usually ASCII, which is checked fast.
    return (escape_json_controls(head) + escape_json_controls(report.tests.script_json())
            + escape_json_controls(tail))


def with_display(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON report's figures with ``display`` texts in their units (the numbers stay)."""
    for m in data.get("metrics") or []:
        m["display"] = format_value(m.get("value"), m.get("unit"))
    for r in data.get("regressions") or []:
        unit = r.get("unit")
        r["display"] = {"baseline": format_value(r.get("baseline_value"), unit),
                        "candidate": format_value(r.get("candidate_value"), unit),
                        "change": format_change(r.get("baseline_value"),
                                                r.get("candidate_value"), unit, r.get("ratio"))}
    for s in data.get("trends") or []:
        for p in s.get("points") or []:
            p["display"] = format_value(p.get("value"), s.get("unit"))
    return data


def render(report: RunReport, fmt: str) -> str:
    """The report as ``md``, ``html`` or ``json`` text."""
    renderers = {"md": render_markdown, "html": render_html, "json": render_json}
    if fmt not in renderers:
        raise IpfsAccelError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    return renderers[fmt](report)


def format_for_path(path: Path) -> str:
    """The format a report file's suffix asks for (.md, .markdown, .html, .htm, .json)."""
    suffix = path.suffix.lower().lstrip(".")
    fmt = {"markdown": "md", "htm": "html"}.get(suffix, suffix)
    if fmt not in FORMATS:
        raise IpfsAccelError(f"report file {path}: unknown suffix {path.suffix!r}; "
                             "use .md, .html or .json")
    return fmt


def write_report(report: RunReport, path: Path, fmt: str | None = None) -> None:
    """Write the report file; the format comes from the suffix unless given."""
    text = render(report, fmt or format_for_path(path))
    path.write_text(text, encoding="utf-8")
