"""load_checkpoint_and_dispatch: outputs equal the original model; every bad input named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")
pytest.importorskip("accelerate")

from pytest_ipfs_accelerate.checkpoint import (  # noqa: E402
    CheckpointError,
    CheckpointIndexError,
    CheckpointMismatchError,
    CheckpointNotFoundError,
    CidMismatchError,
    DeviceMapError,
    UnknownArchitectureError,
    infer,
    load_checkpoint_and_dispatch,
    save_checkpoint,
    save_sharded_checkpoint,
)
from pytest_ipfs_accelerate.checkpoint.publish import (  # noqa: E402
    build_example_model,
    publish_example_checkpoint,
)
from pytest_ipfs_accelerate.hardware import UnsupportedDtypeError  # noqa: E402

CONFIG = {"in_features": 32, "hidden": 48, "out_features": 5, "depth": 4}


@pytest.fixture
def original() -> torch.nn.Module:
    return build_example_model("mlp-classifier", CONFIG, seed=3).eval()


@pytest.fixture
def ckpt_file(original: torch.nn.Module, tmp_path: Path) -> Path:
    return save_checkpoint(original, tmp_path / "model.safetensors",
                           architecture="mlp-classifier", config=CONFIG)


@pytest.fixture
def batch() -> torch.Tensor:
    return torch.randn(4, 32, generator=torch.Generator().manual_seed(1))


def test_file_checkpoint_on_cpu(original, ckpt_file, batch) -> None:
    model = load_checkpoint_and_dispatch(build_example_model("mlp-classifier", CONFIG, seed=9),
                                         ckpt_file, devices=["cpu"])
    assert torch.equal(model(batch), original(batch))
    assert set(model.ipfs_accel_device_map.values()) == {"cpu"}


def test_model_built_from_metadata(original, ckpt_file, batch) -> None:
    model = load_checkpoint_and_dispatch(None, ckpt_file, devices=["cpu"])
    result = infer(model, batch)
    assert torch.equal(result["logits"], original(batch))
    assert torch.equal(result["labels"], original(batch).argmax(-1))


def test_split_over_simulated_gpus_keeps_outputs_and_logical_map(original, ckpt_file,
                                                                 batch) -> None:
    model = load_checkpoint_and_dispatch(None, ckpt_file, "balanced",
                                         devices=["cuda:A100-40GB x2"])
    assert set(model.ipfs_accel_device_map.values()) == {"cuda:0", "cuda:1"}
    assert model.ipfs_accel_plan.is_simulated
    assert all(p.device.type == "cpu" for p in model.parameters())
    assert torch.equal(model(batch), original(batch))
    visited = [label for _, label in model.ipfs_accel_trace]
    assert visited[0] == "cuda:0" and visited[-1] == "cuda:1"


def test_disk_offload_when_memory_is_short(original, ckpt_file, batch, tmp_path) -> None:
    limits = {"cuda:0": 4000, "cpu": 4000}
    with pytest.raises(DeviceMapError, match="short by"):
        load_checkpoint_and_dispatch(None, ckpt_file, max_memory=limits,
                                     devices=["cuda:T4-16GB"])
    offload = tmp_path / "offload"
    model = load_checkpoint_and_dispatch(None, ckpt_file, max_memory=limits,
                                         devices=["cuda:T4-16GB"], offload_folder=offload)
    assert "disk" in model.ipfs_accel_device_map.values()
    assert any(offload.glob("*.dat"))
    assert torch.equal(model(batch), original(batch))


def test_dtype_is_applied_and_checked(original, ckpt_file, batch) -> None:
    model = load_checkpoint_and_dispatch(None, ckpt_file, devices=["cuda:H100-80GB"],
                                         dtype="bfloat16")
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    expected = original.to(torch.bfloat16)(batch.to(torch.bfloat16))
    assert torch.equal(model(batch.to(torch.bfloat16)), expected)
    with pytest.raises(UnsupportedDtypeError, match=r"cuda:0: Tesla T4 .*bfloat16"):
        load_checkpoint_and_dispatch(None, ckpt_file, devices=["cuda:T4-16GB"],
                                     dtype=torch.bfloat16)


def test_sharded_checkpoint(original, tmp_path, batch) -> None:
    folder = save_sharded_checkpoint(original, tmp_path / "sharded",
                                     architecture="mlp-classifier", config=CONFIG,
                                     max_shard_bytes=8000)
    assert len(list(folder.glob("*.safetensors"))) > 2
    model = load_checkpoint_and_dispatch(None, folder, devices=["cpu"])
    assert torch.equal(model(batch), original(batch))
    assert len(model.ipfs_accel_source.files) == len(list(folder.glob("*.safetensors")))


def test_missing_shard_is_named(original, tmp_path) -> None:
    folder = save_sharded_checkpoint(original, tmp_path / "s", architecture="mlp-classifier",
                                     config=CONFIG, max_shard_bytes=8000)
    victim = sorted(folder.glob("*.safetensors"))[1]
    victim.unlink()
    with pytest.raises(CheckpointNotFoundError, match=f"shard '{victim.name}'.*missing"):
        load_checkpoint_and_dispatch(None, folder, devices=["cpu"])


def test_bad_index_json(original, tmp_path) -> None:
    folder = save_sharded_checkpoint(original, tmp_path / "s", architecture="mlp-classifier",
                                     config=CONFIG)
    index = folder / "model.safetensors.index.json"
    index.write_text("{not json")
    with pytest.raises(CheckpointIndexError, match="not valid JSON"):
        load_checkpoint_and_dispatch(None, folder, devices=["cpu"])
    index.write_text(json.dumps({"weight_map": []}))
    with pytest.raises(CheckpointIndexError, match="weight_map"):
        load_checkpoint_and_dispatch(None, folder, devices=["cpu"])


def test_missing_file(tmp_path) -> None:
    with pytest.raises(CheckpointNotFoundError, match=r"nope\.safetensors does not exist"):
        load_checkpoint_and_dispatch(None, tmp_path / "nope.safetensors")


def test_shape_mismatch_names_the_tensor(ckpt_file) -> None:
    wider = build_example_model("mlp-classifier", {**CONFIG, "out_features": 6})
    with pytest.raises(CheckpointMismatchError,
                       match=r"tensor 'head\.(weight|bias)'.*shape \(5.*model's is \(6"):
        load_checkpoint_and_dispatch(wider, ckpt_file, devices=["cpu"])


def test_unknown_architecture_lists_known(original, tmp_path) -> None:
    path = save_checkpoint(original, tmp_path / "m.safetensors", architecture="resnet-9000",
                           config=CONFIG)
    with pytest.raises(UnknownArchitectureError, match=r"resnet-9000.*mlp-classifier.*tiny-text"):
        load_checkpoint_and_dispatch(None, path, devices=["cpu"])


@pytest.mark.parametrize("architecture", ["mlp-regressor", "tiny-text"])
def test_runners_route_by_metadata(architecture, tmp_path) -> None:
    node = _MemoryNode()
    published = publish_example_checkpoint(node, tmp_path, architecture=architecture, seed=5)
    model = load_checkpoint_and_dispatch(None, published.path, devices=["cpu"])
    from pytest_ipfs_accelerate.checkpoint.runners import runner_for

    runner = runner_for(published.metadata)
    inputs = runner.example_input(json.loads(published.metadata["config"]), 3,
                                  torch.Generator().manual_seed(0))
    result = infer(model, inputs)
    expected = published.model.eval()(inputs)
    key = "predictions" if architecture == "mlp-regressor" else "logits"
    assert torch.equal(result[key], expected)
    if architecture == "tiny-text":
        assert torch.equal(result["next_tokens"], expected[:, -1].argmax(-1))


# -- IPFS sources ----------------------------------------------------------------------------
class _MemoryNode:
    """A tiny stand-in node: stores what it adds, serves cat(); CIDs from our real importer."""

    def __init__(self, tamper: bool = False) -> None:
        self.files: dict[str, bytes] = {}
        self.tamper = tamper

    def add_bytes(self, data: bytes, name: str = "") -> Any:
        from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions, add_bytes

        cid = str(add_bytes(data, AddOptions(), None).cid)
        self.files[cid] = data
        return type("Added", (), {"cid": cid})()

    def cat(self, cid: str) -> bytes:
        data = self.files[cid]
        return data[:-1] + bytes([data[-1] ^ 1]) if self.tamper else data


def test_cid_checkpoint_is_verified_and_loaded(tmp_path, batch) -> None:
    node = _MemoryNode()
    published = publish_example_checkpoint(node, tmp_path / "pub")
    model = load_checkpoint_and_dispatch(None, published.cid, node=node, workdir=tmp_path / "w")
    assert model.ipfs_accel_source.cid == published.cid
    x = torch.randn(2, 16)
    assert torch.equal(model(x), published.model.eval()(x))


def test_fetched_files_are_removed_after_loading(tmp_path) -> None:
    node = _MemoryNode()
    published = publish_example_checkpoint(node, tmp_path / "pub")
    model = load_checkpoint_and_dispatch(None, published.cid, node=node, devices=["cpu"],
                                         cache=False)
    assert not any(f.exists() for f in model.ipfs_accel_source.files)
    x = torch.randn(2, 16)
    assert torch.equal(model(x), published.model.eval()(x))


def test_cid_mismatch_names_both_cids_and_loads_nothing(tmp_path) -> None:
    node = _MemoryNode(tamper=True)
    published = publish_example_checkpoint(node, tmp_path / "pub")
    with pytest.raises(CidMismatchError) as info:
        load_checkpoint_and_dispatch(None, published.cid, node=node, workdir=tmp_path / "w")
    message = str(info.value)
    assert published.cid in message and "hash to Qm" in message
    assert message.count("Qm") >= 2


def test_cid_without_node(tmp_path) -> None:
    node = _MemoryNode()
    published = publish_example_checkpoint(node, tmp_path / "pub")
    with pytest.raises(CheckpointError, match="pass node= or client="):
        load_checkpoint_and_dispatch(None, published.cid)


def test_sharded_checkpoint_through_simulated_node(tmp_path, batch) -> None:
    node_mod = pytest.importorskip("pytest_ipfs_accelerate.ipfs.node.simulated")
    node = node_mod.SimulatedNode()
    published = publish_example_checkpoint(node, tmp_path / "pub", sharded=True,
                                           config=CONFIG, seed=3)
    model = load_checkpoint_and_dispatch(None, published.cid, node=node, workdir=tmp_path / "w",
                                         devices=["cuda:L4-24GB x2"], device_map="balanced")
    assert torch.equal(model(batch), published.model.eval()(batch))
    assert model.ipfs_accel_source.origin == f"ipfs://{published.cid}"


def test_a_failed_dispatch_is_recorded(tmp_path) -> None:
    from types import SimpleNamespace

    from pytest_ipfs_accelerate.operations import CAPTURE_KEY

    rows: list[dict[str, Any]] = []
    session = SimpleNamespace(add_operation=lambda **row: rows.append(row))
    config = SimpleNamespace(stash={CAPTURE_KEY: session})
    with pytest.raises(CheckpointNotFoundError):
        load_checkpoint_and_dispatch(None, tmp_path / "gone.safetensors", config=config)
    (row,) = rows
    assert row["op"] == "dispatch" and row["ok"] is False
    assert "gone.safetensors" in row["error"]
