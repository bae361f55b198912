"""How every rendering writes what it shows: a value in its unit, control characters
escaped, JSON safe inside ``<script>``, outcome colours.

:func:`format_value` is the one way a figure becomes text, in the terminal, Markdown,
HTML and the ``display`` fields of JSON. The base units scale to a readable prefix
(``s`` to ns, µs, ms, or minutes; ``B`` to KiB, MiB...); any other unit is kept as the
user recorded it (``1337 MiB/s``), a ratio reads ``0.5568×`` and a percentage ``12.5%``.
The browser pages format durations in JavaScript with :data:`SECONDS_JS`, the same rules
(a browser test holds the two equal).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

OUTCOME_COLORS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#a40e26",
                  "skipped": "#9a6700", "xfailed": "#8250df", "xpassed": "#bf8700"}

#: Units shown as a factor (``0.5568×``) and as a percentage.
RATIO_UNITS = frozenset({"ratio", "x", "×", "times"})
PERCENT_UNITS = frozenset({"%", "percent", "pct"})
#: Units of byte counts, scaled to binary prefixes.
BYTE_UNITS = frozenset({"B", "byte", "bytes"})
_BYTE_PREFIXES = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def _sig(x: float) -> str:
    """4 significant digits, no exponent from 0.001 to any size, no trailing zeros."""
    if abs(x) >= 9999.5:
        return f"{x:.0f}"
    return f"{x:.4g}"


def format_seconds(value: float) -> str:
    """A duration: ns, µs, ms, s, then ``2 min 5 s`` and ``3 h 12 min``."""
    a = abs(value)
    if a == 0:
        return "0 s"
    for limit, scale, suffix in ((1e-6, 1e9, "ns"), (1e-3, 1e6, "µs"), (1, 1e3, "ms"),
                                 (60, 1, "s")):
        if a < limit:
            return f"{_sig(value * scale)} {suffix}"
    sign, whole = "-" if value < 0 else "", int(a + 0.5)  # half up, as JS rounds
    if a < 3600:
        return f"{sign}{whole // 60} min {whole % 60} s"
    return f"{sign}{whole // 3600} h {whole % 3600 // 60} min"


def _bytes(value: float) -> str:
    size = float(value)
    for prefix in _BYTE_PREFIXES:
        if abs(size) < 1024 or prefix == _BYTE_PREFIXES[-1]:
            return f"{size:.0f} B" if prefix == "B" else f"{_sig(size)} {prefix}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def format_value(value: float | None, unit: str | None = None) -> str:
    """``value`` in ``unit`` as every output shows it; ``-`` when there is none."""
    if value is None:
        return "-"
    value = float(value)
    if math.isnan(value):
        return "-"
    unit = (unit or "").strip()
    if math.isinf(value):
        return f"{'-' if value < 0 else ''}inf{' ' + unit if unit else ''}"
    if unit == "s":
        return format_seconds(value)
    if unit in BYTE_UNITS:
        return _bytes(value)
    if unit in RATIO_UNITS:
        return f"{_sig(value)}×"
    if unit in PERCENT_UNITS:
        return f"{_sig(value)}%"
    return f"{_sig(value)} {unit}" if unit else _sig(value)


def format_ratio(ratio: float | None) -> str:
    """A factor between two values (candidate / baseline, a step): ``1.25×``."""
    return format_value(ratio, "×")


def format_change(before: float | None, after: float | None, unit: str | None,
                  ratio: float | None = None) -> str:
    """``1337 MiB/s -> 958 MiB/s (-28.3%)``: a change in the metric's own unit."""
    if ratio is None and before and after is not None:
        ratio = after / before
    pct = "" if ratio is None or not math.isfinite(ratio) else f" ({(ratio - 1) * 100:+.1f}%)"
    return f"{format_value(before, unit)} -> {format_value(after, unit)}{pct}"


def format_p(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


#: How the matrix score is defined, in every rendering (``analysis.matrix.Cell.score``).
SCORE_NOTE = ("Score = passed / (passed + failed) over every run: does it work on this "
              "hardware (n/a when it only skipped or xfailed there)")


def format_score(score: float | None) -> str:
    """A compatibility-matrix score (``analysis.matrix.Cell.score``) as a percentage."""
    return "n/a" if score is None else f"{score * 100:.0f}%"


def matrix_cell_text(passed: int, failed: int, skipped: int, xfailed: int,
                     score: float | None) -> str:
    """A matrix cell as text, in every rendering: ``67% (2 pass, 1 fail)``."""
    parts = [f"{n} {k}" for k, n in (("pass", passed), ("fail", failed), ("xfail", xfailed),
                                       ("skip", skipped)) if n]
    return f"{format_score(score)} ({', '.join(parts) or 'no results'})"


def where(failure: dict[str, Any], rootdir: str | None = None) -> str:
    """``path:line`` of a failure's crash (relative to ``rootdir`` when under it), or ``-``
    when unknown."""
    path, line = failure.get("crash_path"), failure.get("crash_lineno")
    if path and rootdir and path.startswith(rootdir.rstrip("/") + "/"):
        path = path[len(rootdir.rstrip("/")) + 1:]
    return f"{path}:{line}" if path and line else (path or "-")


# -- control characters ---------------------------------------------------------------------
#: C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal
#: shows (a test id or output can carry any of them).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, *, keep: str = "") -> str:
    """``text`` with control characters as visible escapes (``\\x1b``, ``\\u202e``), so
    none can move the cursor, recolour or reorder a terminal; ``keep`` lists those left
    as they are (``"\\n\\t"`` for multi-line blocks)."""
    if not _CONTROLS.search(text):
        return text
    if not keep:
        return _CONTROLS.sub(_escape_one, text)
    return _CONTROLS.sub(lambda m: m.group() if m.group() in keep else _escape_one(m), text)


_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_json_controls(text: str) -> str:
    """JSON text with DEL, C1 controls and bidi overrides as ``\\u`` escapes: the same
    JSON, safe to print (``json.dumps`` already escapes the C0 controls). An ASCII text
    (the usual report, megabytes of it) is only searched for DEL."""
    if text.isascii():
        return text.replace("\x7f", "\\u007f") if "\x7f" in text else text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# -- JSON inside HTML -----------------------------------------------------------------------
def script_json(value: Any) -> str:
    """JSON safe to place inside ``<script>``: no ``</script>``, ``<!--`` or line separators
    can end or confuse the element, whatever the strings hold."""
    return escape_json_for_script(
        json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str))


def escape_json_for_script(text: str) -> str:
    """JSON text with ``< > &`` and line separators as \\u escapes (still the same JSON)."""
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                     ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, esc)
    return text


#: :func:`format_seconds` in JavaScript, for the pages that format in the browser.
SECONDS_JS = r"""function fmtSeconds(v){if(v===null||v===undefined||isNaN(v))return "-";
var a=Math.abs(v);function sig(x){return Math.abs(x)>=9999.5?x.toFixed(0):String(Number(x.toPrecision(4)));}
if(a===0)return "0 s";if(a<1e-6)return sig(v*1e9)+" ns";if(a<1e-3)return sig(v*1e6)+" \u00b5s";
if(a<1)return sig(v*1e3)+" ms";if(a<60)return sig(v)+" s";var r=Math.round(a),s=v<0?"-":"";
if(a<3600)return s+Math.floor(r/60)+" min "+(r%60)+" s";
return s+Math.floor(r/3600)+" h "+Math.floor(r%3600/60)+" min";}"""
