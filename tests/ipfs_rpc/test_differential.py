"""The differential RPC suite: every case of the corpus goes to a real Kubo daemon and to
ours, and a client must not be able to tell them apart (status, content type, the headers
clients read, the X-Stream-Error trailer, the body's shape and content-addressed values).

Real Kubo is required (skips locally without it; fails in CI, where .ci/setup-kubo.sh
builds it). ``IPFS_ACCEL_WRITE_DOCS=1`` rewrites the coverage table of docs/ipfs-node.md.
"""

from __future__ import annotations

import os

from tests.ipfs_rpc import coverage_table
from tests.ipfs_rpc.corpus import CORPUS
from tests.ipfs_rpc.differential import run_corpus
from tests.ipfs_rpc.known_differences import KNOWN_DIFFERENCES


def test_corpus_answers_like_kubo(kubo_api, ours_api):
    outcomes = run_corpus(kubo_api, ours_api)
    assert len({o.case.id for o in outcomes}) == len(CORPUS), "case ids must be unique"
    differing = {o.case.id: o for o in outcomes if o.diffs}
    unexpected = [f"{case_id}:\n    " + "\n    ".join(o.diffs)
                  for case_id, o in differing.items() if case_id not in KNOWN_DIFFERENCES]
    fixed = sorted(set(KNOWN_DIFFERENCES) - set(differing))
    assert not unexpected, "answers unlike Kubo's:\n" + "\n".join(unexpected)
    assert not fixed, f"listed as differences but now the same as Kubo: {fixed}"

    table = coverage_table.render(outcomes)
    if os.environ.get("IPFS_ACCEL_WRITE_DOCS") == "1":
        coverage_table.write(table)
    assert coverage_table.section(coverage_table.DOC.read_text()) == table, (
        "docs/ipfs-node.md's RPC coverage table is out of date: run "
        "IPFS_ACCEL_WRITE_DOCS=1 pytest tests/ipfs_rpc/test_differential.py")
