"""Run the corpus against two daemons and say, case by case, where they differ."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.ipfs_rpc.compare import answer_diff
from tests.ipfs_rpc.corpus import CORPUS, Case
from tests.ipfs_rpc.exchange import Answer, exchange

_VAR = re.compile(r"\{\{(\w+)\}\}")


@dataclass
class Outcome:
    """One case: both answers and the differences (empty: the same to a client)."""

    case: Case
    kubo: Answer
    ours: Answer
    diffs: list[str] = field(default_factory=list)


def _fill(text: str, values: dict[str, str]) -> str:
    return _VAR.sub(lambda m: values.get(m.group(1), f"missing-{m.group(1)}"), text)


def _pick(answer: Answer, path: str) -> str | None:
    try:
        values: Any = [json.loads(line) for line in answer.body.splitlines() if line.strip()]
        for step in path.split("."):
            values = values[int(step)] if isinstance(values, list) else values[step]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return str(values)


def _send(addr: tuple[str, int], case: Case, values: dict[str, str]) -> Answer:
    query = _fill(case.query, values).replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    target = f"/api/v0/{case.endpoint}" + (f"?{query}" if query else "")
    body, headers = case.body
    return exchange(addr[0], addr[1], case.method, target, body,
                    {**headers, **case.headers})


def run_corpus(kubo: tuple[str, int], ours: tuple[str, int],
               corpus: tuple[Case, ...] = CORPUS) -> list[Outcome]:
    """Send every case to both daemons, in order; variables are kept per daemon."""
    kubo_vars: dict[str, str] = {}
    our_vars: dict[str, str] = {}
    outcomes = []
    for case in corpus:
        a, b = _send(kubo, case, kubo_vars), _send(ours, case, our_vars)
        for name, path in case.save:
            for answer, values in ((a, kubo_vars), (b, our_vars)):
                picked = _pick(answer, path)
                if picked is not None:
                    values[name] = picked
        outcomes.append(Outcome(case, a, b, answer_diff(a, b, case.volatile, case.unordered,
                                                        case.bytes_shape)))
    return outcomes
