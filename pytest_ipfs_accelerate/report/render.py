"""Renderings of a :class:`RunReport`: terminal lines, Markdown, HTML and JSON."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.report.model import OUTCOMES, RunReport

FORMATS = ("md", "html", "json")


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.0f}µs"
    if value < 1:
        return f"{value * 1e3:.1f}ms"
    return f"{value:.2f}s"


def fmt_bytes(value: int | None) -> str:
    if not value:
        return "-"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:.1f}{unit}"
        size /= 1024
    return str(value)  # pragma: no cover


def counts_line(report: RunReport) -> str:
    parts = [f"{report.counts[o]} {o}" for o in OUTCOMES if report.counts.get(o)]
    return ", ".join(parts) if parts else "no tests"


def _ops_tables(report: RunReport) -> list[tuple[str, list[dict[str, Any]]]]:
    real = [o for o in report.operations if not o["is_simulated"]]
    sim = [o for o in report.operations if o["is_simulated"]]
    out = []
    if real:
        out.append(("Operations (real backends)", real))
    if sim:
        out.append(("Operations (simulated backends: not real-world figures)", sim))
    return out


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
                     f"{len(report.newly_failing)} newly failing, "
                     f"{len(report.newly_passing)} newly passing")
        for r in report.newly_failing:
            was = r["previous_outcome"] or "new"
            lines.append(f"  newly failing: {r['nodeid']} ({was} -> {r['outcome']})")
        for r in report.newly_passing:
            lines.append(f"  newly passing: {r['nodeid']} ({r['previous_outcome']} -> "
                         f"{r['outcome']})")
    for title, rows in _ops_tables(report):
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
             f"{f['crash_path'] or ''}:{f['crash_lineno'] or ''}",
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
                     f"{len(report.newly_failing)} newly failing, "
                     f"{len(report.newly_passing)} newly passing.")
        changed = [[f"`{r['nodeid']}`", r["previous_outcome"] or "(new)", r["outcome"]]
                   for r in report.newly_failing + report.newly_passing]
        if changed:
            lines += ["", *_md_table(["test", "before", "now"], changed)]
    lines.append("")
    for title, rows in _ops_tables(report):
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


_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;
padding:.3rem .6rem;text-align:left;font-size:.9rem}th{background:#f6f8fa}
.failed,.error{color:#cf222e;font-weight:600}.passed{color:#1a7f37}.skipped,.xfailed{color:#9a6700}
code{font-size:.85rem}.sim{background:#fff8c5}"""


def _html_table(headers: list[str], rows: list[list[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render_html(report: RunReport) -> str:
    e = html.escape

    def outcome(o: str | None) -> str:
        return f'<span class="{e(o or "")}">{e(o or "-")}</span>'

    run = report.run
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Test run "
             f"{e(report.run_id)}</title><style>{_CSS}</style></head><body>",
             f"<h1>Test run <code>{e(report.run_id)}</code></h1>",
             _html_table(["fact", "value"], [[e(k), e(str(v))] for k, v in [
                 ("started", run.get("started_at")), ("finished", run.get("finished_at")),
                 ("exit status", run.get("exit_status")), ("host", run.get("host")),
                 ("git commit", run.get("git_commit")), ("git branch", run.get("git_branch")),
                 ("python", run.get("python_version")), ("tox env", run.get("tox_env")),
                 *report.tags.items()] if v is not None]),
             "<h2>Outcomes</h2>",
             _html_table(["outcome", "count"],
                         [[outcome(o), report.counts.get(o, 0)] for o in OUTCOMES])]
    if report.failures:
        parts.append("<h2>Failures and errors</h2>")
        parts.append(_html_table(["test", "outcome", "where", "message"], [
            [f"<code>{e(f['nodeid'])}</code>", outcome(f["outcome"]),
             e(f"{f['crash_path'] or ''}:{f['crash_lineno'] or ''}"),
             e((f["crash_message"] or "")[:300])] for f in report.failures]))
    if report.slowest:
        parts.append("<h2>Slowest tests</h2>")
        parts.append(_html_table(["duration", "outcome", "test"], [
            [e(fmt_seconds(r["duration_s"])), outcome(r["outcome"]),
             f"<code>{e(r['nodeid'])}</code>"] for r in report.slowest]))
    parts.append("<h2>Change against the previous run</h2>")
    if report.previous_run_id is None:
        parts.append("<p>No previous run in this DB.</p>")
    else:
        parts.append(f"<p>Previous run <code>{e(report.previous_run_id)}</code>: "
                     f"{len(report.newly_failing)} newly failing, "
                     f"{len(report.newly_passing)} newly passing.</p>")
        changed = report.newly_failing + report.newly_passing
        if changed:
            parts.append(_html_table(["test", "before", "now"], [
                [f"<code>{e(r['nodeid'])}</code>", outcome(r["previous_outcome"] or "new"),
                 outcome(r["outcome"])] for r in changed]))
    for title, rows in _ops_tables(report):
        parts.append(f"<h2>{e(title)}</h2>")
        parts.append(_html_table(
            ["kind", "op", "backend", "count", "errors", "bytes", "total", "median"],
            [[e(o["kind"]), e(o["op"]), e(o["backend"]), o["count"], o["errors"],
              e(fmt_bytes(o["nbytes"])), e(fmt_seconds(o["total_s"])),
              e(fmt_seconds(o["median_s"]))] for o in rows],
            cls="sim" if rows and rows[0]["is_simulated"] else ""))
    if report.hardware:
        parts.append("<h2>Hardware</h2>")
        parts.append(_html_table(["device", "kind", "name", "memory", "simulated"], [
            [e(h["device"]), e(h["kind"]), e(h["name"] or "-"), e(fmt_bytes(h["memory_bytes"])),
             "yes" if h["is_simulated"] else "no"] for h in report.hardware]))
    for title, text in report.sections:
        parts.append(f"<h2>{e(title)}</h2><pre>{e(text)}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


def render_json(report: RunReport) -> str:
    return json.dumps(report.to_dict(), indent=2, default=str, ensure_ascii=False)


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
