"""Text forms of compare, trend and matrix results: Markdown, JSON, and a plain HTML table."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from typing import Any

from pytest_ipfs_accelerate.analysis.compare import CompareResult, Comparison
from pytest_ipfs_accelerate.analysis.matrix import Matrix
from pytest_ipfs_accelerate.analysis.trends import TrendSeries


def _num(value: float | None, unit: str | None = None) -> str:
    if value is None:
        return "-"
    if unit == "s":
        for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns")):
            if abs(value) >= scale or scale == 1e-9:
                return f"{value / scale:.4g} {suffix}"
    return f"{value:.4g}" + (f" {unit}" if unit else "")


def _verdict(c: Comparison) -> str:
    return "REGRESSION" if c.is_regression else "improved" if c.is_improvement else "same"


def compare_markdown(result: CompareResult, *, only_changes: bool = False) -> str:
    cand, base = result.candidate_run, result.baseline_run
    lines = [f"# Compare: candidate {cand.label} vs baseline {base.label}", "",
             f"{len(result.comparisons)} compared, {len(result.regressions)} regressed, "
             f"{len(result.improvements)} improved.", ""]
    shown = [c for c in result.comparisons
             if not only_changes or c.is_regression or c.is_improvement]
    if shown:
        lines += ["| verdict | test | metric | device | baseline | candidate | ratio | p | "
                  "method | threshold |", "|---|---|---|---|---|---|---|---|---|---|"]
        order = sorted(shown, key=lambda c: (not c.is_regression, not c.is_improvement,
                                             c.nodeid or "", c.name))
        for c in order:
            device = (c.device or "") + (" (simulated)" if c.is_simulated else "")
            ratio = f"{c.ratio:.3f}x" if c.ratio is not None else "-"
            p = f"{c.p_value:.2g}" if c.p_value is not None else "-"
            lines.append(
                f"| {_verdict(c)} | {c.nodeid or c.name} | {c.metric} | {device} | "
                f"{_num(c.baseline_value, c.unit)} | {_num(c.candidate_value, c.unit)} | "
                f"{ratio} | {p} | {c.method} | {c.threshold:.0%} |")
    return "\n".join(lines) + "\n"


def compare_json(result: CompareResult) -> str:
    return json.dumps({"candidate_run": asdict(result.candidate_run),
                       "baseline_run": asdict(result.baseline_run),
                       "regressions": len(result.regressions),
                       "improvements": len(result.improvements),
                       "comparisons": [asdict(c) for c in result.comparisons]},
                      indent=2, default=str)


def trend_markdown(series: list[TrendSeries]) -> str:
    lines = ["# Trends", ""]
    for s in series:
        sim = " (simulated)" if s.is_simulated else ""
        head = s.nodeid or s.name
        metric = "" if s.metric == "time" else f" / {s.metric}"
        lines.append(f"## {head}{metric} on {s.device or 'cpu'}{sim}, hardware "
                     f"{(s.hardware_fingerprint or '?')[:12]}")
        lines.append(f"{len(s.points)} runs, latest {_num(s.points[-1].value, s.unit)}; "
                     f"{len(s.change_points)} change point(s)")
        for cp in s.change_points:
            p = s.points[cp.index]
            lines.append(f"- step at run {cp.run_id[:8]} ({(p.git_commit or '')[:12]}): "
                         f"{_num(cp.before, s.unit)} -> {_num(cp.after, s.unit)} "
                         f"({cp.ratio:.2f}x)")
        lines.append("")
    return "\n".join(lines)


def trend_json(series: list[TrendSeries]) -> str:
    return json.dumps([asdict(s) for s in series], indent=2, default=str)


def matrix_dict(m: Matrix) -> dict[str, Any]:
    return {
        "by": m.by, "rows": m.rows, "columns": m.columns,
        "simulated_columns": sorted(m.simulated_columns),
        "cells": [{"row": r, "column": c, **asdict(cell), "score": cell.score}
                  for (r, c), cell in sorted(m.cells.items())],
    }


def _cell_text(m: Matrix, row: str, col: str) -> str:
    cell = m.cells.get((row, col))
    if cell is None:
        return ""
    parts = [f"{n} {k}" for k, n in (("pass", cell.passed), ("fail", cell.failed),
                                       ("skip", cell.skipped), ("xfail", cell.xfailed)) if n]
    score = f"{cell.score:.0%}" if cell.score is not None else "n/a"
    return f"{score} ({', '.join(parts)})"


def matrix_markdown(m: Matrix) -> str:
    head = "test" if m.by == "test" else "model"
    lines = ["# Compatibility matrix", "",
             "Score = passed / (passed + failed) over every run; simulated columns are "
             "marked and never merged with real hardware.", "",
             "| " + " | ".join([head, *m.columns]) + " |",
             "|" + "---|" * (len(m.columns) + 1)]
    for row in m.rows:
        lines.append("| " + " | ".join([row.replace("|", "\\|"),
                                        *(_cell_text(m, row, c) for c in m.columns)]) + " |")
    return "\n".join(lines) + "\n"


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
            score = cell.score if cell else None
            hue = "" if score is None else f" style=\"background:hsl({int(score * 120)},60%,85%)\""
            tds.append(f"<td{hue}>{esc(_cell_text(m, row, c))}</td>")
        body.append(f"<tr><th>{esc(row)}</th>{''.join(tds)}</tr>")
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>Compatibility matrix"
            "</title><style>body{font-family:sans-serif}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th.sim{font-style:"
            "italic;color:#666}</style></head><body><h1>Compatibility matrix</h1><table><tr>"
            f"<th>{'test' if m.by == 'test' else 'model'}</th>{head}</tr>{''.join(body)}"
            "</table></body></html>\n")
