"""A client's run against both daemons, step by step: ``{step: {"ok": value} | {"error":
{"name", "status", "message"}}}`` from each, and where the two differ.

A step's value is compared as the differential suite compares bodies (keys, types, and
values but for the step's volatile keys: peer IDs, key IDs, repo sizes). An error is
compared by its class and HTTP status; the wording is not (ours name the fix).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from tests.ipfs_rpc.compare import shape_diff

Results = dict[str, dict[str, Any]]


def _short(value: Any) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= 300 else text[:297] + "..."


def _shape(value: Any) -> Any:
    """The value's structure with every leaf replaced by its type's name."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _masked(value: Any, volatile: frozenset[str]) -> Any:
    """``value`` with what volatile keys hold (at any depth) reduced to its shape."""
    if isinstance(value, dict):
        return {k: _shape(v) if k in volatile else _masked(v, volatile)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, volatile) for v in value]
    return value


def step_diffs(kubo: Results, ours: Results,
               volatile: Mapping[str, frozenset[str]] | None = None,
               unordered: frozenset[str] = frozenset()) -> list[str]:
    """Every step whose result a user of the client could tell apart, one line each."""
    volatile = volatile or {}
    out = []
    if list(kubo) != list(ours):
        out.append(f"steps: Kubo {list(kubo)}, ours {list(ours)}")
    for name, a in kubo.items():
        b = ours.get(name)
        if b is None:
            continue
        if ("ok" in a) != ("ok" in b):
            out.append(f"{name}: Kubo {_short(a)}, ours {_short(b)}")
        elif "error" in a:
            if (a["error"]["name"], a["error"]["status"]) != \
                    (b["error"]["name"], b["error"]["status"]):
                out.append(f"{name}: Kubo {_short(a['error'])}, ours {_short(b['error'])}")
        else:
            x, y = (_masked(r["ok"], volatile.get(name, frozenset())) for r in (a, b))
            if name in unordered and isinstance(x, list) and isinstance(y, list):
                x, y = (sorted(v, key=lambda e: json.dumps(e, sort_keys=True)) for v in (x, y))
            out += [f"{name}: {d}" for d in shape_diff(x, y, frozenset())]
    return out


def failed_steps(results: Results) -> set[str]:
    return {name for name, result in results.items() if "error" in result}


def run_steps(steps: list[tuple[str, Callable[[], Any]]],
              error_name: Callable[[BaseException], str] = lambda e: type(e).__name__,
              error_status: Callable[[BaseException], int | None] = lambda e: None) -> Results:
    """Run ``(name, call)`` steps in order; each one's value or error (never raised)."""
    results: Results = {}
    for name, call in steps:
        try:
            results[name] = {"ok": call()}
        except Exception as exc:  # a step's error is its result
            results[name] = {"error": {"name": error_name(exc), "status": error_status(exc),
                                       "message": str(exc)}}
    return results
