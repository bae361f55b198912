"""Inline SVG charts (no scripts, no external assets): sample distributions, trend lines,
the compatibility heatmap, outcome bars and histories, duration histograms.

Every text that reaches SVG is escaped, every value is written with ``text.format_value``,
and every label is placed from its estimated width, so none is clipped by the viewport
(a headless-browser test measures them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from pytest_ipfs_accelerate.report.text import OUTCOME_COLORS, format_seconds, format_value

#: Points drawn per strip plot; more samples are thinned evenly (the box uses the stats).
MAX_STRIP_POINTS = 200
FONT = 10
#: Average glyph width of the sans-serif font at size 1, a little generous: labels are
#: placed from this estimate.
GLYPH = 0.62


def text_width(text: str, size: float = FONT) -> float:
    """Estimated rendered width of ``text`` in pixels."""
    return len(text) * size * GLYPH


def _svg(width: float, height: float, body: list[str], label: str, cls: str) -> str:
    w, h = math.ceil(width), math.ceil(height)
    return (f'<svg class="{cls}" xmlns="http://www.w3.org/2000/svg" width="{w}" '
            f'height="{h}" viewBox="0 0 {w} {h}" role="img" font-family="sans-serif" '
            f'aria-label="{escape(label)}">{"".join(body)}</svg>')


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "",
          extra: str = "") -> str:
    """A label at (x, y), escaped; ``extra`` is more attributes (already safe)."""
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{FONT}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if cls:
        attrs += f' class="{cls}"'
    return f"<text {attrs}{extra}>{escape(text)}</text>"


def _thin(values: Sequence[float], limit: int) -> list[float]:
    if len(values) <= limit:
        return list(values)
    step = len(values) / limit
    return [values[int(i * step)] for i in range(limit)]


def _scale(lo: float, hi: float, x0: float, x1: float) -> Callable[[float], float]:
    span = (hi - lo) or (abs(hi) or 1.0)
    return lambda v: x0 + (v - lo) / span * (x1 - x0)


def _log_scale(lo: float, hi: float, x0: float, x1: float) -> Callable[[float], float]:
    """Log scale for positive values (the outlier zone of a box plot)."""
    if lo <= 0 or hi <= lo:
        return _scale(lo, hi, x0, x1)
    a, b = math.log(lo), math.log(hi)
    return lambda v: x0 + (math.log(max(v, lo)) - a) / (b - a) * (x1 - x0)


# -- box plot over the raw samples ----------------------------------------------------------
def _quartiles(ordered: Sequence[float]) -> tuple[float, float, float]:
    n = len(ordered)
    return ordered[n // 4], ordered[n // 2], ordered[(3 * n) // 4]


def box_strip(bench: dict[str, Any], *, width: int = 560, height: int = 84,
              unit: str = "s") -> str:
    """A horizontal box plot over a jittered strip of the raw samples.

    Whiskers end at the furthest sample within 1.5 IQR of the box (Tukey). Samples beyond
    are outliers: drawn red, on a log scale in a zone of their own past an axis break, so
    one slow round never squashes the box into a sliver.
    """
    samples = sorted(float(v) for v in bench.get("samples") or []
                     if v is not None and math.isfinite(float(v)))
    stats = [bench.get(k) for k in ("min_s", "q1_s", "median_s", "q3_s", "max_s")]
    if any(v is None for v in stats):
        if not samples:
            return ""
        stats = [samples[0], *_quartiles(samples), samples[-1]]
    lo_v, q1, med, q3, hi_v = (float(v) for v in stats)
    lo_v, hi_v = min([lo_v, *samples[:1]]), max([hi_v, *samples[-1:]])
    fence = 1.5 * (q3 - q1)
    inside = [s for s in samples if q1 - fence <= s <= q3 + fence]
    w_lo = min(inside) if inside else max(lo_v, q1 - fence)
    w_hi = max(inside) if inside else min(hi_v, q3 + fence)
    w_lo, w_hi = min(w_lo, q1), max(w_hi, q3)
    zone = 84  # width of an outlier zone, past its axis break
    x0 = 8 + (zone if lo_v < w_lo else 0)
    x1 = width - 8 - (zone if hi_v > w_hi else 0)
    main = _scale(w_lo, w_hi, x0, x1)
    above = _log_scale(w_hi, hi_v, x1 + 14, width - 10)
    below = _log_scale(lo_v, w_lo, 10, x0 - 14)

    def x(v: float) -> float:
        if v > w_hi:
            return above(v)
        if v < w_lo:
            return below(v)
        return main(v)

    mid = 34
    fmt = lambda v: format_value(v, unit)  # noqa: E731
    body = [f'<line class="whisker" x1="{x(w_lo):.1f}" x2="{x(w_hi):.1f}" y1="{mid}" '
            f'y2="{mid}" stroke="#57606a"/>',
            f'<rect class="box" x="{x(q1):.1f}" y="{mid - 12}" '
            f'width="{max(x(q3) - x(q1), 1):.1f}" height="24" fill="#ddf4ff" stroke="#0969da">'
            f'<title>q1 {escape(fmt(q1))} · median {escape(fmt(med))} · '
            f'q3 {escape(fmt(q3))}</title></rect>',
            f'<line x1="{x(med):.1f}" x2="{x(med):.1f}" y1="{mid - 12}" y2="{mid + 12}" '
            'stroke="#0969da" stroke-width="2"/>']
    for edge in ([x1 + 7] if hi_v > w_hi else []) + ([x0 - 7] if lo_v < w_lo else []):
        body.append(f'<path class="axis-break" d="M{edge - 3:.1f},{mid + 8} '
                    f'l4,-16 M{edge + 1:.1f},{mid + 8} l4,-16" stroke="#8c959f" fill="none"/>')
    outliers = 0
    for i, v in enumerate(_thin(samples, MAX_STRIP_POINTS)):
        jitter = ((i * 7919) % 17 - 8) * 1.1
        out = v > w_hi or v < w_lo
        outliers += out
        body.append(f'<circle class="sample{" outlier" if out else ""}" cx="{x(v):.1f}" '
                    f'cy="{mid + jitter:.1f}" r="{2.2 if out else 1.6}" '
                    f'fill="{"#cf222e" if out else "#1f2328"}" '
                    f'fill-opacity="{".8" if out else ".45"}">'
                    f'{f"<title>{escape(fmt(v))}</title>" if out else ""}</circle>')
    far = sum(1 for s in samples if s > w_hi or s < w_lo)
    base = height - 6
    body.append(_text(x0, base, fmt(w_lo)) + _text(x1, base, fmt(w_hi), "end"))
    if hi_v > w_hi:
        body.append(_text(width - 4, 12, f"max {fmt(hi_v)}", "end", "outlier-label"))
    if lo_v < w_lo:
        body.append(_text(4, 12, f"min {fmt(lo_v)}", cls="outlier-label"))
    note = f"{len(samples)} samples" + (
        f", {far} outlier{'s' if far != 1 else ''} beyond 1.5 IQR" if far else "")
    body.append(_text((x0 + x1) / 2, base, note, "middle"))
    return _svg(width, height, body, f"sample distribution of {bench.get('name')}", "chart box")


# -- trend line -----------------------------------------------------------------------------
def time_labels(stamps: Sequence[str]) -> tuple[str, str]:
    """Labels for the first and last of ISO timestamps: dates, or the time of day when
    they share a date."""
    if not stamps:
        return "", ""
    first, last = stamps[0] or "", stamps[-1] or ""
    if first[:10] != last[:10] or len(first) < 16:
        return first[:10], last[:10]
    return f"{first[:10]} {first[11:16]}", last[11:16]


def trend_line(series: dict[str, Any], *, width: int = 560, height: int = 150,
               unit: str | None = "s") -> str:
    """Values per run in time order, with detected change points as dashed lines."""
    points = [p for p in series.get("points") or [] if p.get("value") is not None]
    if not points:
        return ""
    values = [float(p["value"]) for p in points]
    lo, hi = min(values), max(values)
    hi_text, lo_text = format_value(hi, unit), format_value(lo, unit)
    gutter = max(text_width(hi_text), text_width(lo_text), 24) + 10
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    y = _scale(lo - pad, hi + pad, height - 24, 10)
    n = len(points)
    x = _scale(0, max(n - 1, 1), gutter + 6, width - 12)
    coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    body = [f'<line x1="{gutter + 2:.1f}" x2="{gutter + 2:.1f}" y1="8" y2="{height - 22}" '
            'stroke="#d0d7de"/>',
            _text(gutter - 2, y(hi) + 4, hi_text, "end", "axis-label")]
    if lo_text != hi_text:
        body.append(_text(gutter - 2, y(lo) + 4, lo_text, "end", "axis-label"))
    for cp in series.get("change_points") or []:
        idx = int(cp.get("index", 0))
        if 0 <= idx < n:
            body.append(f'<line class="change" x1="{x(idx):.1f}" x2="{x(idx):.1f}" y1="8" '
                        f'y2="{height - 22}" stroke="#cf222e" stroke-dasharray="4 3">'
                        f'<title>step {escape(format_value(cp.get("ratio"), "×"))}</title>'
                        '</line>')
    body.append(f'<polyline class="trend" points="{coords}" fill="none" stroke="#0969da" '
                'stroke-width="1.5"/>')
    for i, (p, v) in enumerate(zip(points, values, strict=True)):
        tip = f"{p.get('started_at') or ''} {(p.get('git_commit') or '')[:10]}: " \
              f"{format_value(v, unit)}"
        body.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="#0969da">'
                    f'<title>{escape(tip)}</title></circle>')
    first, last = time_labels([str(p.get("started_at") or "") for p in points])
    body.append(_text(gutter + 6, height - 6, first, cls="time-label"))
    if n > 1:
        body.append(_text(width - 4, height - 6, last, "end", "time-label"))
    return _svg(width, height, body, f"trend of {series.get('name')}", "chart trend")


# -- compatibility heatmap ------------------------------------------------------------------
def score_color(score: float | None, *, light: bool = False) -> str:
    """Red (0) through amber to green (1); grey when there is no score. ``light`` mixes in
    white, for a background under text."""
    if score is None or math.isnan(score):
        return "#eaeef2"
    s = min(max(score, 0.0), 1.0)
    r, g = (207, int(34 + s * 2 * 120)) if s < 0.5 else (int(207 - (s - 0.5) * 2 * 181), 154)
    b = 60 if s < 0.5 else 70
    if light:
        r, g, b = (int(c + (255 - c) * 0.7) for c in (r, g, b))
    return f"rgb({r},{g},{b})"


#: Column labels are drawn rotated by this many degrees (counter-clockwise).
_ROTATION = 60


def heatmap(rows: list[str], columns: list[str], cells: list[list[Any]], *,
            cell: int = 18, max_label_width: int = 340) -> str:
    """Rows x columns, each cell coloured by its score with counts in its tooltip.

    ``cells`` are ``[row_index, column_index, passed, failed, skipped, xfailed, total,
    score]`` with indexes into ``rows`` and ``columns``. The margins fit the labels.
    """
    if not rows or not columns:
        return ""
    shorts = [row if len(row) <= 56 else "…" + row[-55:] for row in rows]
    cols = [col[:28] for col in columns]
    label_width = min(max(text_width(s) for s in shorts) + 12, max_label_width)
    sin, cos = math.sin(math.radians(_ROTATION)), math.cos(math.radians(_ROTATION))
    top = math.ceil(max(text_width(c) for c in cols) * sin + FONT + 4)
    width = max(label_width + cell * len(columns) + 10,
                *(label_width + j * cell + cell / 2 + text_width(c) * cos + FONT + 4
                  for j, c in enumerate(cols)))
    height = top + cell * len(rows) + 6
    body = []
    for j, col in enumerate(cols):
        cx = label_width + j * cell + cell / 2
        body.append(_text(cx, top - 4, col, extra=f' transform="rotate(-{_ROTATION} '
                                                  f'{cx:.1f} {top - 4})"'))
    for i, (row, short) in enumerate(zip(rows, shorts, strict=True)):
        body.append(f'<text x="{label_width - 6:.1f}" y="{top + i * cell + cell * 0.7:.1f}" '
                    f'font-size="{FONT}" text-anchor="end"><title>{escape(row)}</title>'
                    f'{escape(short)}</text>')
    for r, c, passed, failed, skipped, xfailed, total, score in cells:
        tip = (f"{rows[r]} on {columns[c]}: {passed} passed, {failed} failed, "
               f"{skipped} skipped, {xfailed} xfailed of {total}"
               + (f"; score {score:.0%}" if score is not None
                  else "; score n/a (only skips or xfails)"))
        body.append(f'<rect class="cell" x="{label_width + c * cell:.1f}" '
                    f'y="{top + r * cell}" width="{cell - 1}" height="{cell - 1}" '
                    f'fill="{score_color(score)}"><title>{escape(tip)}</title></rect>')
    return _svg(width, height, body, "compatibility matrix", "chart heatmap")


# -- outcomes -------------------------------------------------------------------------------
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


def outcome_history(runs: Sequence[dict[str, Any]], *, width: int = 560,
                    height: int = 150) -> str:
    """Outcomes over runs, oldest first: one stacked column per run.

    ``runs``: ``{"run_id", "started_at", "counts": {outcome: n}}``.
    """
    if not runs:
        return ""
    totals = [sum(r["counts"].values()) for r in runs]
    top = max(max(totals), 1)
    top_text = format_value(top)
    gutter = text_width(top_text) + 10
    y = _scale(0, top, height - 22, 10)
    step = (width - gutter - 8) / len(runs)
    bar = max(min(step * 0.8, 40), 1.0)
    body = [_text(gutter - 4, 14, top_text, "end", "axis-label"),
            _text(gutter - 4, height - 22, "0", "end", "axis-label")]
    for i, (run, total) in enumerate(zip(runs, totals, strict=True)):
        x0 = gutter + i * step + (step - bar) / 2
        base = height - 22.0
        for outcome, color in OUTCOME_COLORS.items():
            n = run["counts"].get(outcome) or 0
            if not n:
                continue
            h = y(0) - y(n)
            body.append(f'<rect class="run-bar" x="{x0:.1f}" y="{base - h:.1f}" '
                        f'width="{bar:.1f}" height="{h:.1f}" fill="{color}"><title>'
                        f'{escape(str(run.get("run_id", ""))[:8])} '
                        f'{escape(str(run.get("started_at") or ""))}: {n} {outcome} of '
                        f'{total}</title></rect>')
            base -= h
    first, last = time_labels([str(r.get("started_at") or "") for r in runs])
    body.append(_text(gutter, height - 6, first, cls="time-label"))
    if len(runs) > 1:
        body.append(_text(width - 4, height - 6, last, "end", "time-label"))
    return _svg(width, height, body, "outcomes over runs", "chart history")


def duration_histogram(decades: dict[int, int], *, width: int = 560,
                       height: int = 130) -> str:
    """How many tests took how long, one bar per factor of 10: ``decades`` maps ``k``
    to the count of durations from 10**k up to 10**(k+1) seconds."""
    decades = {k: n for k, n in decades.items() if n}
    if not decades:
        return ""
    ks = list(range(min(decades), max(decades) + 1))
    most = max(decades.values())
    most_text = format_value(most)
    gutter = text_width(most_text) + 10
    step = (width - gutter - 8) / len(ks)
    y = _scale(0, most, height - 22, 10)
    body = [_text(gutter - 4, 14, most_text, "end", "axis-label")]
    for i, k in enumerate(ks):
        n, x0, lo = decades.get(k, 0), gutter + i * step, 10.0 ** k
        if n:
            body.append(f'<rect class="bin" x="{x0 + 1:.1f}" y="{y(n):.1f}" '
                        f'width="{max(step - 2, 1):.1f}" height="{y(0) - y(n):.1f}" '
                        f'fill="#0969da"><title>{n} tests from {escape(format_seconds(lo))} '
                        f'to {escape(format_seconds(lo * 10))}</title></rect>')
        label = format_seconds(lo)
        if text_width(label) < step - 2:
            body.append(_text(x0 + step / 2, height - 6, label, "middle", "axis-label"))
    return _svg(width, height, body, "test durations", "chart durations")
