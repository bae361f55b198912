"""Number formatting and colours shared by every rendering of a report."""

from __future__ import annotations

import json
from typing import Any

OUTCOME_COLORS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#a40e26",
                  "skipped": "#9a6700", "xfailed": "#8250df", "xpassed": "#bf8700"}


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


def fmt_value(value: float | None, unit: str | None = None) -> str:
    """A metric value with its unit, 4 significant digits."""
    if value is None:
        return "-"
    if unit == "s":
        return fmt_seconds(value)
    return f"{value:.4g}{' ' + unit if unit else ''}"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"x{value:.2f}"


def fmt_p(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def where(failure: dict[str, Any]) -> str:
    """``path:line`` of a failure's crash, or ``-`` when unknown."""
    path, line = failure.get("crash_path"), failure.get("crash_lineno")
    return f"{path}:{line}" if path and line else (path or "-")


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
