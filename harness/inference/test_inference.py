"""Inference benchmarks: latency/throughput per device, and dispatch time vs checkpoint size.

Run: ``pytest harness/inference --benchmark-only [--ipfs-accel-hardware=auto]``.
Simulated profiles (``--ipfs-accel-hw-profile``) run on the CPU and are recorded as
simulated; never compare them with real device figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")
pytest.importorskip("accelerate")

from pytest_ipfs_accelerate.checkpoint import (  # noqa: E402
    infer,
    load_checkpoint_and_dispatch,
    measure_inference,
    save_checkpoint,
)
from pytest_ipfs_accelerate.checkpoint.publish import build_example_model  # noqa: E402

BATCH = 32
EXAMPLE = {"in_features": 256, "hidden": 1024, "out_features": 10, "depth": 4}


def _saved(tmp_path_factory: pytest.TempPathFactory, config: dict[str, int]) -> Path:
    model = build_example_model("mlp-classifier", config)
    folder = tmp_path_factory.mktemp("bench-ckpt")
    return save_checkpoint(model, folder / "model.safetensors", architecture="mlp-classifier",
                           config=config)


@pytest.fixture(scope="module")
def example_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _saved(tmp_path_factory, EXAMPLE)


def test_inference_latency(benchmark: Any, accel_device: Any, example_checkpoint: Path,
                           request: pytest.FixtureRequest) -> None:
    """One batch of 32 through the example MLP (4.5M params, 17.9 MB) on each selected device."""
    model = load_checkpoint_and_dispatch(None, example_checkpoint, devices=[accel_device])
    batch = torch.randn(BATCH, EXAMPLE["in_features"], generator=torch.Generator().manual_seed(0))

    def run() -> Any:
        result = infer(model, batch)
        accel_device.synchronize()
        return result

    metrics = measure_inference(run, accel_device, iterations=30, warmup=3, batch_size=BATCH,
                                config=request.config, target=str(example_checkpoint.name))
    benchmark.extra_info.update(device=accel_device.label, simulated=accel_device.is_simulated,
                                p50_s=metrics.p50_s, p99_s=metrics.p99_s,
                                throughput_per_s=metrics.throughput_per_s,
                                peak_memory_bytes=metrics.peak_memory_bytes)
    result = benchmark.pedantic(run, rounds=30, iterations=1, warmup_rounds=3)
    assert result["labels"].shape == (BATCH,)


@pytest.mark.parametrize("hidden", [256, 1024, 2048], ids=lambda h: f"hidden{h}")
def test_dispatch_time_vs_size(benchmark: Any, hidden: int,
                               tmp_path_factory: pytest.TempPathFactory) -> None:
    """load_checkpoint_and_dispatch of checkpoints of growing size onto the CPU."""
    config = {**EXAMPLE, "hidden": hidden}
    path = _saved(tmp_path_factory, config)
    benchmark.extra_info.update(checkpoint_bytes=path.stat().st_size)
    model = benchmark.pedantic(load_checkpoint_and_dispatch, args=(None, path),
                               kwargs={"devices": ["cpu"]}, rounds=5, iterations=1,
                               warmup_rounds=1)
    assert model.ipfs_accel_source.nbytes == path.stat().st_size


def test_dispatch_from_cid_with_verification(benchmark: Any, example_checkpoint: Path,
                                             tmp_path: Path) -> None:
    """Fetch by CID from a simulated node, verify the CID, load and dispatch (17.9 MB)."""
    from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode

    node = SimulatedNode()
    cid = node.add_bytes(example_checkpoint.read_bytes()).cid
    benchmark.extra_info.update(checkpoint_bytes=example_checkpoint.stat().st_size)
    counter = iter(range(1000))

    def load() -> Any:
        return load_checkpoint_and_dispatch(None, cid, node=node, devices=["cpu"],
                                            workdir=tmp_path / str(next(counter)))

    model = benchmark.pedantic(load, rounds=5, iterations=1, warmup_rounds=1)
    assert model.ipfs_accel_source.cid == cid
