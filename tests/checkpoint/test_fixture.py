"""The checkpoint fixture end to end: build, save, publish to ipfs_node, load by CID."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")
pytest.importorskip("accelerate")

TEST_FILE = """
import pytest
import torch
from pytest_ipfs_accelerate.checkpoint import infer, load_checkpoint_and_dispatch

def test_round_trip(checkpoint, ipfs_node, accel_device, tmp_path):
    assert checkpoint.cid.startswith("Qm")
    assert checkpoint.metadata["architecture"] == "mlp-classifier"
    model = load_checkpoint_and_dispatch(None, checkpoint.cid, node=ipfs_node,
                                         devices=[accel_device], workdir=tmp_path)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, checkpoint.state_dict[name]), name
    x = torch.randn(3, 16)
    assert torch.equal(infer(model, x)["logits"], checkpoint.model.eval()(x))
    assert set(model.ipfs_accel_device_map.values()) == {accel_device.label}

@pytest.mark.parametrize("checkpoint", [{"architecture": "tiny-text", "sharded": True}],
                         indirect=True)
def test_sharded_text_model(checkpoint, ipfs_node, tmp_path):
    assert (checkpoint.path / "model.safetensors.index.json").exists()
    model = load_checkpoint_and_dispatch(None, checkpoint.cid, node=ipfs_node, workdir=tmp_path)
    tokens = torch.randint(0, 64, (2, 16))
    assert torch.equal(infer(model, tokens)["logits"], checkpoint.model.eval()(tokens))
"""


def test_checkpoint_fixture_publishes_to_ipfs_node(pytester: pytest.Pytester,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "IPFS_ACCEL_STRICT", "IPFS_ACCEL_HARDWARE", "IPFS_ACCEL_IPFS"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(TEST_FILE)
    result = pytester.runpytest("--ipfs-accel-hardware=cpu", "--ipfs-accel-hw-profile",
                                "cuda:L4-24GB", "--ipfs-accel-ipfs=simulated", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_round_trip[[]sim-cuda:0-L4-24GB[]] PASSED*"])
