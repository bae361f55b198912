"""Text forms of compare, trend and matrix results: Markdown, JSON, and a plain HTML table."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from typing import Any

from pytest_ipfs_accelerate.analysis.compare import CompareResult, Comparison
from pytest_ipfs_accelerate.analysis.matrix import Matrix
from pytest_ipfs_accelerate.analysis.trends import TrendSeries
from pytest_ipfs_accelerate.report.charts import score_color
from pytest_ipfs_accelerate.report.text import (
    SCORE_NOTE,
    escape_controls,
    format_change,
    format_p,
    format_ratio,
    format_value,
    matrix_cell_text,
)


def _verdict(c: Comparison) -> str:
    return "REGRESSION" if c.is_regression else "improved" if c.is_improvement else "same"


def compare_markdown(result: CompareResult, *, only_changes: bool = False) -> str:
    cand, base = result.candidate_run, result.baseline_run
    lines = [f"# Compare: candidate {cand.label} vs baseline {base.label}", "",
             f"{len(result.comparisons)} compared, {len(result.regressions)} regressed, "
             f"{len(result.improvements)} improved.", ""]
    noise = any(c.method == "noise" for c in result.comparisons)
    if noise:
        lines += _noise_notes(result)
    shown = [c for c in result.comparisons
             if not only_changes or c.is_regression or c.is_improvement]
    if shown:
        if noise:
            lines += ["| verdict | test | metric | device | baseline | candidate | "
                      "change vs history [95% interval] | run-to-run spread | history | "
                      "threshold |", "|---|---|---|---|---|---|---|---|---|---|"]
        else:
            lines += ["| verdict | test | metric | device | baseline | candidate | ratio | p | "
                      "method | threshold |", "|---|---|---|---|---|---|---|---|---|---|"]
        order = sorted(shown, key=lambda c: (not c.is_regression, not c.is_improvement,
                                             c.nodeid or "", c.name))
        for c in order:
            device = (c.device or "") + (" (simulated)" if c.is_simulated else "")
            head = (f"| {_verdict(c)} | {c.nodeid or c.name} | {c.metric} | {device} | "
                    f"{format_value(c.baseline_value, c.unit)} | "
                    f"{format_value(c.candidate_value, c.unit)} | ")
            if noise:
                spread = "-" if c.spread is None else f"{c.spread:.1%}"
                lines.append(f"{head}{_change_cell(c)} | {spread} | {c.history} | "
                             f"{c.threshold:.0%} |")
            else:
                lines.append(f"{head}{format_ratio(c.ratio)} | {format_p(c.p_value)} | "
                             f"{c.method} | {c.threshold:.0%} |")
    return escape_controls("\n".join(lines) + "\n", keep="\n")


def _change_cell(c: Comparison) -> str:
    """``+31.7% [+12.0%, +54.9%]``, or why the change was not judged."""
    if c.change is None:
        return c.note or "-"
    if c.ci_low is None or c.ci_high is None:
        return f"{c.change:+.1%} ({c.note})" if c.note else f"{c.change:+.1%}"
    return f"{c.change:+.1%} [{c.ci_low:+.1%}, {c.ci_high:+.1%}]"


def _noise_notes(result: CompareResult) -> list[str]:
    """What the noise method could not judge, and the run's shared change."""
    notes = []
    short = [c for c in result.comparisons if c.note and "not judged" in c.note]
    if short:
        notes.append(f"- {len(short)} not judged: {short[0].note} (the gate passes; more "
                     "runs of this hardware, branch and tox env give it a history)")
    if result.shared_change is not None:
        notes.append(f"- every timed benchmark together: {result.shared_change:+.1%} against "
                     "its history (a busier or calmer machine, or a change that affects all "
                     "alike; timings cannot tell which, instruction counts can)")
    return [*notes, ""] if notes else []


def compare_json(result: CompareResult) -> str:
    return json.dumps({"candidate_run": asdict(result.candidate_run),
                       "baseline_run": asdict(result.baseline_run),
                       "regressions": len(result.regressions),
                       "improvements": len(result.improvements),
                       "comparisons": [comparison_dict(c) for c in result.comparisons]},
                      indent=2, default=str)


def comparison_dict(c: Comparison) -> dict[str, Any]:
    """A comparison as JSON: its numbers, and ``display`` texts in the metric's unit."""
    return {**asdict(c), "display": {
        "baseline": format_value(c.baseline_value, c.unit),
        "candidate": format_value(c.candidate_value, c.unit),
        "change": format_change(c.baseline_value, c.candidate_value, c.unit, c.ratio)}}


def trend_markdown(series: list[TrendSeries]) -> str:
    lines = ["# Trends", ""]
    for s in series:
        sim = " (simulated)" if s.is_simulated else ""
        head = s.nodeid or s.name
        metric = "" if s.metric == "time" else f" / {s.metric}"
        lines.append(f"## {head}{metric} on {s.device or 'cpu'}{sim}, hardware "
                     f"{(s.hardware_fingerprint or '?')[:12]}")
        lines.append(f"{len(s.points)} runs, latest {format_value(s.points[-1].value, s.unit)}; "
                     f"{len(s.change_points)} change point(s)")
        for cp in s.change_points:
            p = s.points[cp.index]
            lines.append(f"- step at run {cp.run_id[:8]} ({(p.git_commit or '')[:12]}): "
                         f"{format_change(cp.before, cp.after, s.unit, cp.ratio)}")
        lines.append("")
    return escape_controls("\n".join(lines), keep="\n")


def trend_json(series: list[TrendSeries]) -> str:
    out = []
    for s in series:
        data = asdict(s)
        for point in data["points"]:
            point["display"] = format_value(point["value"], s.unit)
        out.append(data)
    return json.dumps(out, indent=2, default=str)


def matrix_dict(m: Matrix) -> dict[str, Any]:
    return {
        "by": m.by, "rows": m.rows, "columns": m.columns,
        "simulated_columns": sorted(m.simulated_columns),
        "cells": [{"row": r, "column": c, **asdict(cell), "score": cell.score,
                   "text": _cell_text(m, r, c)} for (r, c), cell in sorted(m.cells.items())],
    }


def _cell_text(m: Matrix, row: str, col: str) -> str:
    cell = m.cells.get((row, col))
    if cell is None:
        return ""
    return matrix_cell_text(cell.passed, cell.failed, cell.skipped, cell.xfailed, cell.score)


def matrix_markdown(m: Matrix) -> str:
    head = "test" if m.by == "test" else "model"
    lines = ["# Compatibility matrix", "",
             f"{SCORE_NOTE}; simulated columns are marked and never merged with real "
             "hardware.", "",
             "| " + " | ".join([head, *m.columns]) + " |",
             "|" + "---|" * (len(m.columns) + 1)]
    for row in m.rows:
        lines.append("| " + " | ".join([row.replace("|", "\\|"),
                                        *(_cell_text(m, row, c) for c in m.columns)]) + " |")
    return escape_controls("\n".join(lines) + "\n", keep="\n")


def matrix_html(m: Matrix) -> str:
    """A self-contained HTML page with the matrix as a plain table."""
    esc = html.escape
    head = "".join(f"<th class=\"{'sim' if c in m.simulated_columns else ''}\">{esc(c)}</th>"
                   for c in m.columns)
    body = []
    for row in m.rows:
        tds = []
        for c in m.columns:
            cell = m.cells.get((row, c))
            hue = "" if cell is None else f" style=\"background:{score_color(cell.score, light=True)}\""
            tds.append(f"<td{hue}>{esc(_cell_text(m, row, c))}</td>")
        body.append(f"<tr><th>{esc(row)}</th>{''.join(tds)}</tr>")
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Compatibility matrix"
            "</title><style>body{font-family:sans-serif}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th.sim{font-style:"
            "italic;color:#666}</style></head><body><h1>Compatibility matrix</h1><table><tr>"
            f"<th>{'test' if m.by == 'test' else 'model'}</th>{head}</tr>{''.join(body)}"
            "</table></body></html>\n")
