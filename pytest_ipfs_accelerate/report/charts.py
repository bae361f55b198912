"""Inline SVG charts (no scripts, no external assets): sample distributions, trend lines,
the compatibility heatmap and the outcome bar. Every text that reaches SVG is escaped."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from pytest_ipfs_accelerate.report.text import OUTCOME_COLORS, fmt_seconds

#: Points drawn per strip plot; more samples are thinned evenly (the box uses the stats).
MAX_STRIP_POINTS = 200


def _svg(width: int, height: int, body: list[str], label: str, cls: str) -> str:
    return (f'<svg class="{cls}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(label)}">{"".join(body)}</svg>')


def _thin(values: Sequence[float], limit: int) -> list[float]:
    if len(values) <= limit:
        return list(values)
    step = len(values) / limit
    return [values[int(i * step)] for i in range(limit)]


def _scale(lo: float, hi: float, x0: float, x1: float) -> Callable[[float], float]:
    span = (hi - lo) or (abs(hi) or 1.0)
    return lambda v: x0 + (v - lo) / span * (x1 - x0)


def box_strip(bench: dict[str, Any], *, width: int = 560, height: int = 70) -> str:
    """A horizontal box plot (q1..q3, median, min..max whiskers) over a jittered strip of
    the raw samples, in seconds."""
    samples = [float(v) for v in bench.get("samples") or [] if v is not None]
    stats = [bench.get(k) for k in ("min_s", "q1_s", "median_s", "q3_s", "max_s")]
    if any(v is None for v in stats):
        if not samples:
            return ""
        ordered = sorted(samples)
        n = len(ordered)
        stats = [ordered[0], ordered[n // 4], ordered[n // 2], ordered[(3 * n) // 4], ordered[-1]]
    lo_v, q1, med, q3, hi_v = (float(v) for v in stats)
    lo = min([lo_v, *samples]) if samples else lo_v
    hi = max([hi_v, *samples]) if samples else hi_v
    x = _scale(lo, hi, 10, width - 10)
    mid = 28
    body = [f'<line x1="{x(lo_v):.1f}" x2="{x(hi_v):.1f}" y1="{mid}" y2="{mid}" '
            'stroke="#57606a"/>',
            f'<rect class="box" x="{x(q1):.1f}" y="{mid - 12}" '
            f'width="{max(x(q3) - x(q1), 1):.1f}" height="24" fill="#ddf4ff" stroke="#0969da">'
            f'<title>q1 {escape(fmt_seconds(q1))} · median {escape(fmt_seconds(med))} · '
            f'q3 {escape(fmt_seconds(q3))}</title></rect>',
            f'<line x1="{x(med):.1f}" x2="{x(med):.1f}" y1="{mid - 12}" y2="{mid + 12}" '
            'stroke="#0969da" stroke-width="2"/>']
    for i, v in enumerate(_thin(samples, MAX_STRIP_POINTS)):
        jitter = ((i * 7919) % 17 - 8) * 1.1
        body.append(f'<circle class="sample" cx="{x(v):.1f}" cy="{mid + jitter:.1f}" r="1.6" '
                    'fill="#1f2328" fill-opacity=".45"/>')
    body.append(f'<text x="10" y="{height - 6}" font-size="10">{escape(fmt_seconds(lo))}</text>'
                f'<text x="{width - 10}" y="{height - 6}" font-size="10" text-anchor="end">'
                f'{escape(fmt_seconds(hi))}</text>'
                f'<text x="{width / 2:.0f}" y="{height - 6}" font-size="10" '
                f'text-anchor="middle">{len(samples)} samples</text>')
    return _svg(width, height, body, f"sample distribution of {bench.get('name')}", "chart box")


def trend_line(series: dict[str, Any], *, width: int = 560, height: int = 150,
               unit: Callable[[float], str] = fmt_seconds) -> str:
    """Values per run in time order, with detected change points as dashed lines."""
    points = [p for p in series.get("points") or [] if p.get("value") is not None]
    if not points:
        return ""
    values = [float(p["value"]) for p in points]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    y = _scale(lo - pad, hi + pad, height - 24, 10)
    n = len(points)
    x = _scale(0, max(n - 1, 1), 50, width - 12)
    coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    body = [f'<line x1="50" x2="50" y1="8" y2="{height - 22}" stroke="#d0d7de"/>',
            f'<text x="46" y="{y(hi) + 4:.1f}" font-size="10" text-anchor="end">'
            f'{escape(unit(hi))}</text>',
            f'<text x="46" y="{y(lo) + 4:.1f}" font-size="10" text-anchor="end">'
            f'{escape(unit(lo))}</text>']
    for cp in series.get("change_points") or []:
        idx = int(cp.get("index", 0))
        if 0 <= idx < n:
            body.append(f'<line class="change" x1="{x(idx):.1f}" x2="{x(idx):.1f}" y1="8" '
                        f'y2="{height - 22}" stroke="#cf222e" stroke-dasharray="4 3">'
                        f'<title>step x{float(cp.get("ratio") or 0):.2f}</title></line>')
    body.append(f'<polyline class="trend" points="{coords}" fill="none" stroke="#0969da" '
                'stroke-width="1.5"/>')
    for i, (p, v) in enumerate(zip(points, values, strict=True)):
        tip = f"{p.get('started_at') or ''} {(p.get('git_commit') or '')[:10]}: {unit(v)}"
        body.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="#0969da">'
                    f'<title>{escape(tip)}</title></circle>')
    first, last = points[0].get("started_at") or "", points[-1].get("started_at") or ""
    body.append(f'<text x="50" y="{height - 6}" font-size="10">{escape(first[:10])}</text>'
                f'<text x="{width - 12}" y="{height - 6}" font-size="10" text-anchor="end">'
                f'{escape(last[:10])}</text>')
    return _svg(width, height, body, f"trend of {series.get('name')}", "chart trend")


def _score_color(score: float | None) -> str:
    if score is None or math.isnan(score):
        return "#eaeef2"
    s = min(max(score, 0.0), 1.0)  # red (0) -> amber -> green (1)
    r, g = (207, int(34 + s * 2 * 120)) if s < 0.5 else (int(207 - (s - 0.5) * 2 * 181), 154)
    return f"rgb({r},{g},{60 if s < 0.5 else 70})"


def heatmap(rows: list[str], columns: list[str], cells: list[list[Any]], *,
            cell: int = 18, label_width: int = 340) -> str:
    """Rows x columns, each cell coloured by its score with counts in its tooltip.

    ``cells`` are ``[row_index, column_index, passed, failed, skipped, xfailed, total,
    score]`` with indexes into ``rows`` and ``columns``.
    """
    if not rows or not columns:
        return ""
    top = 110
    width = label_width + cell * len(columns) + 10
    height = top + cell * len(rows) + 6
    body = []
    for j, col in enumerate(columns):
        cx = label_width + j * cell + cell / 2
        body.append(f'<text x="{cx:.1f}" y="{top - 6}" font-size="10" '
                    f'transform="rotate(-60 {cx:.1f} {top - 6})">{escape(col[:28])}</text>')
    for i, row in enumerate(rows):
        short = row if len(row) <= 56 else "…" + row[-55:]
        body.append(f'<text x="{label_width - 6}" y="{top + i * cell + cell * 0.7:.1f}" '
                    f'font-size="10" text-anchor="end"><title>{escape(row)}</title>'
                    f'{escape(short)}</text>')
    for r, c, passed, failed, skipped, xfailed, total, score in cells:
        tip = (f"{rows[r]} on {columns[c]}: {passed} passed, {failed} failed, "
               f"{skipped} skipped, {xfailed} xfailed of {total}"
               + (f"; score {score:.2f}" if score is not None else ""))
        body.append(f'<rect class="cell" x="{label_width + c * cell}" y="{top + r * cell}" '
                    f'width="{cell - 1}" height="{cell - 1}" fill="{_score_color(score)}">'
                    f'<title>{escape(tip)}</title></rect>')
    return _svg(width, height, body, "compatibility matrix", "chart heatmap")


def outcome_bar(counts: dict[str, int], *, width: int = 560, height: int = 18) -> str:
    """One stacked bar of outcome counts."""
    total = sum(counts.values())
    if not total:
        return ""
    body, x = [], 0.0
    for outcome, n in counts.items():
        if not n:
            continue
        w = n / total * width
        body.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" '
                    f'fill="{OUTCOME_COLORS.get(outcome, "#8c959f")}">'
                    f'<title>{n} {escape(outcome)}</title></rect>')
        x += w
    return _svg(width, height, body, "outcomes", "chart outcomes")
