"""The simulated Kubo RPC server under 8 concurrent clients x mixed operations (bounded
here; 8 x 1,000 in harness/reliability/rpc_load.py): no errors, every added CID reads
back byte-identical."""

from __future__ import annotations

from harness.reliability.rpc_load import run_load


def test_eight_clients_mixed_operations_no_errors_no_lost_data():
    result = run_load(clients=8, ops=150, seed=11, max_blob=32 * 1024)
    assert result.errors == []
    assert result.total_ops == 8 * 150
    assert len(result.added) > 100
    assert result.mismatches == []  # nothing lost or corrupted
    summary = result.summary()
    assert 0 < summary["p50_ms"] <= summary["p99_ms"]  # type: ignore[operator]
