"""Renderings of a :class:`RunReport`: terminal lines, Markdown, HTML and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.report.model import OUTCOMES, RunReport, split_simulated
from pytest_ipfs_accelerate.report.text import (
    fmt_bytes,
    fmt_p,
    fmt_ratio,
    fmt_seconds,
    fmt_value,
    where,
)

__all__ = ["FORMATS", "fmt_bytes", "fmt_seconds", "format_for_path", "render",
           "render_html", "render_json", "render_markdown", "render_terminal", "write_report"]

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


def render_terminal(report: RunReport) -> list[str]:
    """Lines for pytest's terminal summary."""
    lines = [f"run {report.run_id}  db {report.db_path}",
             f"outcomes: {counts_line(report)} (total {report.total})"]
    if report.tags:
        lines.append("tags: " + ", ".join(f"{k}={v}" for k, v in report.tags.items()))
    if report.slowest:
        lines.append(f"slowest {len(report.slowest)}:")
        lines += [f"  {fmt_seconds(r['duration_s']):>9}  {r['outcome']:<8} {r['nodeid']}"
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
        bad = sum(1 for b in report.benchmarks if b["status"] != "ok")
        lines.append(f"benchmarks: {report.benchmarks_total}"
                     f"{f' ({bad} not ok)' if bad else ''}")
    regressions = [r for r in report.regressions if r["is_regression"]]
    if regressions:
        lines.append(f"regressions: {len(regressions)}")
        lines += [f"  {r['name']} {r['metric']}: {fmt_ratio(r['ratio'])} ({r['method']}, "
                  f"p={fmt_p(r['p_value'])})" for r in regressions[:TERMINAL_CHANGES]]
    for note in report.notes:
        lines.append(f"note: {note}")
    for title, rows in _titled(report.operations, "Operations"):
        lines.append(f"{title}:")
        lines += [f"  {o['kind']}.{o['op']} [{o['backend']}] x{o['count']} "
                  f"total {fmt_seconds(o['total_s'])} median {fmt_seconds(o['median_s'])}"
                  f"{' bytes ' + fmt_bytes(o['nbytes']) if o['nbytes'] else ''}"
                  f"{' errors ' + str(o['errors']) if o['errors'] else ''}" for o in rows]
    for title, text in report.sections:
        lines.append(f"{title}:")
        lines += ["  " + line for line in text.splitlines()]
    return lines


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
                     f"{' (dirty)' if run.get('git_dirty') else ''}"),
             ("python", run.get("python_version")), ("pytest", run.get("pytest_version")),
             ("tox env", run.get("tox_env")), ("CI", run.get("ci_provider"))]
    lines += [f"- **{k}**: {v}" for k, v in facts if v is not None]
    if report.tags:
        lines.append("- **tags**: " + ", ".join(f"`{k}={v}`" for k, v in report.tags.items()))
    lines += ["", "## Outcomes", ""]
    lines += _md_table(["outcome", "count"], [[o, report.counts.get(o, 0)] for o in OUTCOMES])
    lines += ["", f"Total: {report.total}", ""]
    if report.failures:
        lines += ["## Failures and errors", ""]
        lines += _md_table(["test", "outcome", "where", "message"], [
            [f"`{f['nodeid']}`", f["outcome"],
             where(f),
             (f["crash_message"] or "")[:200]] for f in report.failures])
        lines.append("")
    if report.slowest:
        lines += ["## Slowest tests", ""]
        lines += _md_table(["duration", "outcome", "test"], [
            [fmt_seconds(r["duration_s"]), r["outcome"], f"`{r['nodeid']}`"]
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
            [o["kind"], o["op"], o["backend"], o["count"], o["errors"], fmt_bytes(o["nbytes"]),
             fmt_seconds(o["total_s"]), fmt_seconds(o["median_s"])] for o in rows])
        lines.append("")
    if report.hardware:
        lines += ["## Hardware", ""]
        lines += _md_table(["device", "kind", "name", "memory", "simulated"], [
            [h["device"], h["kind"], h["name"] or "-", fmt_bytes(h["memory_bytes"]),
             "yes" if h["is_simulated"] else "no"] for h in report.hardware])
        lines.append("")
    for title, text in report.sections:
        lines += [f"## {title}", "", text, ""]
    return "\n".join(lines)


def _md_v2(report: RunReport) -> list[str]:
    """Markdown for regressions, benchmarks, metrics, trends and the matrix."""
    lines: list[str] = []
    if report.regressions:
        lines += ["## Regressions", ""]
        lines += _md_block(["benchmark", "metric", "baseline", "candidate", "ratio", "p",
                            "method", "regression"], [
            [f"`{r['name']}`", r["metric"], fmt_value(r["baseline_value"]),
             fmt_value(r["candidate_value"]), fmt_ratio(r["ratio"]), fmt_p(r["p_value"]),
             r["method"], "**yes**" if r["is_regression"] else "no"]
            for r in report.regressions])
    for title, group in _titled(report.benchmarks, "Benchmarks"):
        lines += [f"## {title}", ""]
        lines += _md_block(["benchmark", "status", "min", "median", "mean", "stddev", "max",
                            "rounds", "samples", "device"], [
            [f"`{b['name']}`", b["status"] + (f": {b['error'][:120]}" if b["error"] else ""),
             *[fmt_seconds(b[k]) for k in ("min_s", "median_s", "mean_s", "stddev_s",
                                           "max_s")],
             b["rounds"] or "-", len(b.get("samples") or []), b["device"] or "-"]
            for b in group])
    if report.benchmarks_total > len(report.benchmarks):
        lines += [f"Showing {len(report.benchmarks)} of {report.benchmarks_total} "
                  "benchmarks.", ""]
    for title, group in _titled(report.metrics, "Metrics"):
        lines += [f"## {title}", ""]
        lines += _md_block(["metric", "value", "better", "test", "device"], [
            [f"`{m['name']}`", fmt_value(m["value"], m["unit"]), m["direction"] or "-",
             f"`{m['nodeid'] or '-'}`", m["device"] or "-"] for m in group])
    for title, group in _titled(report.trends, "Trends"):
        lines += [f"## {title}", ""]
        lines += _md_block(["benchmark", "hardware", "runs", "first", "last", "change points"], [
            [f"`{s['name']}`", s["hardware_fingerprint"], len(s["points"]),
             fmt_seconds(s["points"][0]["value"]) if s["points"] else "-",
             fmt_seconds(s["points"][-1]["value"]) if s["points"] else "-",
             ", ".join(fmt_ratio(c.get("ratio")) for c in s.get("change_points") or [])
             or "-"] for s in group])
    if report.matrix and report.matrix["cells"]:
        m = report.matrix
        for sim in (False, True):
            cols = [i for i, c in enumerate(m["columns"]) if bool(c["is_simulated"]) == sim]
            if not cols:
                continue
            grid: dict[int, dict[int, str]] = {}
            for r, c, passed, failed, skipped, _x, total, _s in m["cells"]:
                if c in cols:
                    grid.setdefault(r, {})[c] = f"{passed}/{total}" + (
                        f" ({failed} failed)" if failed else "") + (
                        f" ({skipped} skipped)" if skipped else "")
            title = "Compatibility matrix" + (f" ({SIM_NOTE})" if sim else " (real)")
            lines += [f"## {title}", "", f"Passed/total over all runs; {len(grid)} of "
                      f"{m['rows_total']} tests, most failures first.", ""]
            lines += _md_block(["test", *[m["columns"][c]["label"] for c in cols]], [
                [f"`{m['rows'][r]}`", *[grid[r].get(c, "-") for c in cols]]
                for r in sorted(grid)])
    lines += [f"> {note}" for note in report.notes]
    return lines


_TESTS_SLOT = "\x00ipfs-accel-tests\x00"


def render_json(report: RunReport) -> str:
    """Compact JSON in the layout of ``report_schema.json`` (``jq .`` pretty-prints it)."""
    data = report.to_dict(test_rows=False)
    data["tests"] = _TESTS_SLOT  # the big table goes in as the report's cached JSON text
    text = json.dumps(data, separators=(",", ":"), default=str, ensure_ascii=False)
    head, _, tail = text.partition(json.dumps(_TESTS_SLOT))
    return head + report.tests.script_json() + tail


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
