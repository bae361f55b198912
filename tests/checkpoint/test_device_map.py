"""Device maps over simulated devices: balanced, sequential, dict, max_memory, errors."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

from pytest_ipfs_accelerate.checkpoint.device_map import plan_device_map  # noqa: E402
from pytest_ipfs_accelerate.checkpoint.errors import DeviceMapError  # noqa: E402
from pytest_ipfs_accelerate.checkpoint.publish import build_example_model  # noqa: E402
from pytest_ipfs_accelerate.hardware.profiles import simulated_devices  # noqa: E402

CONFIG = {"in_features": 64, "hidden": 64, "out_features": 8, "depth": 6}


@pytest.fixture
def model() -> torch.nn.Module:
    return build_example_model("mlp-classifier", CONFIG)


@pytest.fixture
def two_gpus() -> list:
    return simulated_devices(["cuda:H100-80GB x2"])


def _sizes(model: torch.nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters())


def _order(device_map: dict[str, str], model: torch.nn.Module) -> list[str]:
    names = [n for n, _ in model.named_modules() if n in device_map]
    return [device_map[n] for n in names]


def test_everything_fits_on_one_big_gpu(model, two_gpus) -> None:
    plan = plan_device_map(model, two_gpus[:1], "auto")
    assert set(plan.device_map.values()) == {"cuda:0"}
    assert plan.usage == {"cuda:0": _sizes(model)}
    assert plan.is_simulated and plan.main_device == "cuda:0"
    assert set(plan.execution_map().values()) == {"cpu"}


def test_balanced_spreads_over_both_gpus(model, two_gpus) -> None:
    plan = plan_device_map(model, two_gpus, "balanced")
    used = set(plan.device_map.values())
    assert used == {"cuda:0", "cuda:1"}
    # layers stay in order: every cuda:0 module comes before every cuda:1 module
    order = _order(plan.device_map, model)
    assert order == sorted(order)
    share = plan.usage["cuda:0"] / plan.model_bytes
    assert 0.25 < share < 0.75


def test_sequential_fills_the_first_gpu(model, two_gpus) -> None:
    plan = plan_device_map(model, two_gpus, "sequential")
    assert set(plan.device_map.values()) == {"cuda:0"}


def test_max_memory_limits_each_device(model, two_gpus) -> None:
    total = _sizes(model)
    budget = total // 3
    plan = plan_device_map(model, two_gpus, "sequential",
                           max_memory={"cuda:0": budget, 1: budget, "cpu": 10 * total})
    assert plan.usage["cuda:0"] <= budget and plan.usage["cuda:1"] <= budget
    assert plan.usage.get("cpu", 0) > 0  # the rest spills to cpu
    assert sum(plan.usage.values()) == total
    assert plan.budgets["cuda:1"] == budget


def test_size_strings_are_accepted(model, two_gpus) -> None:
    plan = plan_device_map(model, two_gpus, "auto", max_memory={"cuda:0": "1GiB", "cpu": "1GB"})
    assert plan.budgets == {"cuda:0": 2**30, "cpu": 10**9}


def test_dict_map_is_kept_and_measured(model, two_gpus) -> None:
    device_map = {"input": "cuda:0", "blocks": 1, "head": "cpu"}
    plan = plan_device_map(model, two_gpus, device_map)
    assert plan.device_map == {"input": "cuda:0", "blocks": "cuda:1", "head": "cpu"}
    assert plan.usage["cuda:1"] == sum(p.numel() * 4 for p in model.blocks.parameters())
    assert plan.strategy == "dict"


def test_dict_map_over_budget_says_by_how_much(model, two_gpus) -> None:
    with pytest.raises(DeviceMapError, match=r"on cuda:0 .*H100.*over by"):
        plan_device_map(model, two_gpus, {"": "cuda:0"}, max_memory={"cuda:0": 1000})


def test_dict_map_must_cover_the_model(model, two_gpus) -> None:
    with pytest.raises(DeviceMapError, match="does not cover"):
        plan_device_map(model, two_gpus, {"input": "cuda:0"})


def test_unknown_devices_are_named(model, two_gpus) -> None:
    with pytest.raises(DeviceMapError, match="unknown device 'cuda:7'"):
        plan_device_map(model, two_gpus, {"": "cuda:7"})
    with pytest.raises(DeviceMapError, match="max_memory names unknown device 'tpu'"):
        plan_device_map(model, two_gpus, max_memory={"tpu": 10})
    with pytest.raises(DeviceMapError, match="only 2 accelerators"):
        plan_device_map(model, two_gpus, {"": 5})
    with pytest.raises(DeviceMapError, match="use 'auto'"):
        plan_device_map(model, two_gpus, "fastest")


def test_too_little_memory_without_offload(model, two_gpus) -> None:
    with pytest.raises(DeviceMapError, match=r"short by .*offload_folder"):
        plan_device_map(model, two_gpus, max_memory={"cuda:0": 2000, "cpu": 2000})
    plan = plan_device_map(model, two_gpus, max_memory={"cuda:0": 2000, "cpu": 2000},
                           allow_disk=True)
    assert plan.usage["disk"] > 0


def test_dtype_halves_the_footprint(model, two_gpus) -> None:
    plan32 = plan_device_map(model, two_gpus[:1])
    plan16 = plan_device_map(model, two_gpus[:1], dtype=torch.float16)
    assert plan16.model_bytes * 2 == plan32.model_bytes
