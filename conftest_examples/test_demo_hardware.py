"""Hardware: one test per selected device; a checkpoint from IPFS dispatched onto it."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the hardware demo needs the [torch] extra")


def test_matmul_on_each_device(accel_device, accel_timer):
    x = torch.ones(64, 64, device=accel_device.torch_device)
    with accel_timer:
        y = x @ x
    assert float(y[0, 0]) == 64.0


def test_checkpoint_from_ipfs_is_verified_and_dispatched(checkpoint, ipfs_node, accel_device,
                                                         tmp_path):
    from pytest_ipfs_accelerate.checkpoint import infer, load_checkpoint_and_dispatch

    model = load_checkpoint_and_dispatch(None, checkpoint.cid, node=ipfs_node,
                                         devices=[accel_device], workdir=tmp_path)
    x = torch.randn(4, 16)
    assert torch.equal(infer(model, x)["logits"], checkpoint.model.eval()(x))
