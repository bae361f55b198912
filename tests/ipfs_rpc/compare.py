"""Compare two daemons' answers to one request: status, content type, the headers clients
read, the ``X-Stream-Error`` trailer, and the body's shape (values too, except the keys a
case names volatile: peer IDs, keys, timings, paths)."""

from __future__ import annotations

import json
from typing import Any

from tests.ipfs_rpc.exchange import Answer

#: Headers that clients read: ipfshttpclient and kubo-rpc-client pick the decoder by them.
CLIENT_HEADERS = ("content-type", "x-stream-output", "x-chunked-output", "trailer")
#: Keys holding an error's wording: compared by type (ours name the fix; Kubo's do not).
ERROR_TEXTS = frozenset({"Message", "Err"})


def _values(answer: Answer) -> list[Any] | None:
    """The JSON values of a JSON (or NDJSON) body; None when it is not JSON."""
    if not answer.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        return [json.loads(line) for line in answer.body.splitlines() if line.strip()]
    except ValueError:
        return None


def _kind(value: Any) -> str:
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else type(value).__name__


def shape_diff(kubo: Any, ours: Any, volatile: frozenset[str], where: str = "$",
               key: str = "") -> list[str]:
    """Where ``ours`` differs from ``kubo``: keys, types, and non-volatile values. A
    volatile name is a key (its values are not compared) or a dotted path such as
    ``Datastore.Spec`` (whatever is under it is compared by type only)."""
    if _kind(kubo) != _kind(ours):
        return [f"{where}: Kubo {_kind(kubo)} {_short(kubo)}, ours {_kind(ours)} {_short(ours)}"]
    if any(where.endswith(f".{name}") for name in volatile if "." in name):
        return []
    if isinstance(kubo, dict):
        out = []
        if set(kubo) != set(ours):
            out.append(f"{where}: keys: Kubo {sorted(kubo)}, ours {sorted(ours)}")
        for name in sorted(set(kubo) & set(ours)):
            out += shape_diff(kubo[name], ours[name], volatile, f"{where}.{name}", name)
        return out
    if isinstance(kubo, list):
        if key in volatile:  # the elements' shape only (e.g. addresses, protocols)
            return shape_diff(kubo[0], ours[0], volatile, f"{where}[0]") if kubo and ours \
                else []
        if len(kubo) != len(ours):
            return [f"{where}: Kubo {len(kubo)} items, ours {len(ours)}: "
                    f"{_short(kubo)} / {_short(ours)}"]
        return [d for i, (a, b) in enumerate(zip(kubo, ours, strict=True))
                for d in shape_diff(a, b, volatile, f"{where}[{i}]")]
    if key in volatile or key in ERROR_TEXTS or kubo == ours:
        return []
    return [f"{where}: Kubo {_short(kubo)}, ours {_short(ours)}"]


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= 160 else text[:157] + "..."


def _sorted(values: list[Any]) -> list[Any]:
    return sorted(values, key=lambda v: json.dumps(v, sort_keys=True))


def answer_diff(kubo: Answer, ours: Answer, volatile: frozenset[str] = frozenset(),
                unordered: bool = False, bytes_shape: bool = False) -> list[str]:
    """Every difference that a client could notice, one line each."""
    out = []
    if kubo.status != ours.status:
        out.append(f"status: Kubo {kubo.status}, ours {ours.status}")
    for name in CLIENT_HEADERS:
        if kubo.headers.get(name) != ours.headers.get(name):
            out.append(f"header {name}: Kubo {kubo.headers.get(name)!r}, "
                       f"ours {ours.headers.get(name)!r}")
    if ("x-stream-error" in kubo.trailers) != ("x-stream-error" in ours.trailers):
        out.append(f"trailer X-Stream-Error: Kubo {kubo.trailers.get('x-stream-error')!r}, "
                   f"ours {ours.trailers.get('x-stream-error')!r}")
    if kubo.complete != ours.complete:
        out.append(f"complete body: Kubo {kubo.complete}, ours {ours.complete}")
    a, b = _values(kubo), _values(ours)
    if a is not None and b is not None:
        if unordered:
            a, b = _sorted(a), _sorted(b)
        out += shape_diff(a, b, volatile)
    elif a is not None or b is not None:
        out.append(f"body: Kubo {_short(kubo.body[:200])}, ours {_short(ours.body[:200])}")
    elif bytes_shape:
        if bool(kubo.body) != bool(ours.body):
            out.append(f"body: Kubo {len(kubo.body)} bytes, ours {len(ours.body)}")
    elif kubo.body != ours.body:
        out.append(f"body: Kubo {_short(kubo.body[:200])}, ours {_short(ours.body[:200])}")
    return out
