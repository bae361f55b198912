"""End to end into the results DB: device columns, hardware rows, checkpoint operations."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("accelerate")
duckdb = pytest.importorskip("duckdb")

TEST_FILE = """
import torch
from pytest_ipfs_accelerate.checkpoint import infer, load_checkpoint_and_dispatch
from pytest_ipfs_accelerate.checkpoint import measure_inference

def test_infer(checkpoint, ipfs_node, accel_device, tmp_path, request):
    model = load_checkpoint_and_dispatch(None, checkpoint.cid, node=ipfs_node,
                                         devices=[accel_device], workdir=tmp_path,
                                         config=request.config)
    x = torch.randn(8, 16)
    measure_inference(lambda: infer(model, x), accel_device, iterations=5, batch_size=8,
                      config=request.config, target=checkpoint.cid)
"""


def test_results_and_operations_are_flagged(pytester: pytest.Pytester, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "IPFS_ACCEL_STRICT", "IPFS_ACCEL_HARDWARE", "IPFS_ACCEL_DB"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "results.duckdb"
    pytester.makepyfile(TEST_FILE)
    result = pytester.runpytest("--ipfs-accel-hardware=cpu", "--ipfs-accel-ipfs=simulated",
                                "--ipfs-accel-hw-profile=cuda:A100-80GB",
                                "--ipfs-accel-db", str(db))
    result.assert_outcomes(passed=2)
    with duckdb.connect(str(db), read_only=True) as con:
        tests = dict(con.sql("select device, is_simulated from test_results").fetchall())
        assert tests == {"cpu": False, "cuda:0": True}
        hardware = con.sql("select device, kind, is_simulated, name from hardware").fetchall()
        assert ("cuda:0", "cuda", True, "NVIDIA A100-SXM4-80GB") in hardware
        assert hardware[0][:3] == ("cpu", "cpu", False)
        ops = con.sql("select op, backend, is_simulated, extra from operations "
                      "where kind = 'checkpoint' order by op, backend").fetchall()
    assert [(op, backend, sim) for op, backend, sim, _ in ops] == [
        ("dispatch", "cpu", False), ("dispatch", "cuda:0", True),
        ("inference", "cpu", False), ("inference", "cuda:0", True)]
    import json

    inference = json.loads(ops[2][3]) if isinstance(ops[2][3], str) else ops[2][3]
    assert inference["samples"] == 5 and inference["p50_s"] <= inference["p99_s"]
    assert inference["throughput_per_s"] > 0 and inference["peak_memory_bytes"] > 0
