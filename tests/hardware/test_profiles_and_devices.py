"""Simulated profiles, device selection and dtype support."""

from __future__ import annotations

import pytest

from pytest_ipfs_accelerate.hardware.detect import DeviceInfo, HardwareInfo, detect_hardware
from pytest_ipfs_accelerate.hardware.devices import (
    AccelDevice,
    dtype_problem,
    parse_selection,
    select_devices,
)
from pytest_ipfs_accelerate.hardware.errors import DeviceSelectionError, ProfileError
from pytest_ipfs_accelerate.hardware.profiles import GIB, parse_profile, simulated_devices


def test_known_profile_with_count_numbers_devices() -> None:
    devices = simulated_devices(["cuda:H100-80GB x2", "cuda:A100-40GB", "mps:M2-16GB"])
    assert [d.label for d in devices] == ["cuda:0", "cuda:1", "cuda:2", "mps"]
    h100 = devices[0]
    assert h100.name == "NVIDIA H100 80GB HBM3" and h100.memory_bytes == 80 * GIB
    assert h100.is_simulated and h100.torch_device == "cpu"
    assert h100.compute_capability == "9.0"
    assert h100.test_id == "sim-cuda:0-H100-80GB"
    assert devices[2].memory_bytes == 40 * GIB and devices[3].type == "mps"


def test_custom_and_rocm_profiles() -> None:
    custom, rocm = simulated_devices(["cuda:custom-24GB", "rocm:MI300X-192GB"])
    assert custom.memory_bytes == 24 * GIB and custom.kind == "cuda"
    assert rocm.type == "cuda" and rocm.kind == "rocm" and rocm.label == "cuda:1"
    assert rocm.vendor == "AMD"


@pytest.mark.parametrize(("spec", "words"), [
    ("H100-80GB", "KIND:NAME"),
    ("tpu:v5e", "unknown device kind 'tpu'"),
    ("cuda:H200-141GB", "unknown device 'H200-141GB'"),
    ("cuda:MI300X-192GB", "write 'rocm:MI300X-192GB'"),
    ("mps:M2-16GB x2", "one mps device"),
    ("cuda:H100-80GB x0", "count must be 1..64"),
])
def test_bad_profiles_name_the_problem(spec: str, words: str) -> None:
    with pytest.raises(ProfileError, match=words.replace("(", r"\(").replace(".", r"\.")):
        parse_profile(spec)


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile("cuda:GTX-1GB")
    assert "cuda:H100-80GB" in str(info.value) and "custom-<N>GB" in str(info.value)


def _machine(*accels: DeviceInfo) -> HardwareInfo:
    return HardwareInfo(cpu=detect_hardware().cpu, devices=(detect_hardware().devices[0], *accels),
                        runtimes={})


GPU0 = DeviceInfo("cuda:0", "cuda", "NVIDIA L4", "NVIDIA", 24 * 10**9, "8.9")
GPU1 = DeviceInfo("cuda:1", "cuda", "NVIDIA L4", "NVIDIA", 24 * 10**9, "8.9")


def test_selection_auto_cpu_and_indices() -> None:
    machine = _machine(GPU0, GPU1)
    assert [d.label for d in select_devices("auto", machine)] == ["cpu", "cuda:0", "cuda:1"]
    assert [d.label for d in select_devices("cuda", machine)] == ["cuda:0", "cuda:1"]
    assert [d.label for d in select_devices("cpu,cuda:1", machine)] == ["cpu", "cuda:1"]


def test_absent_devices_stay_selected_but_unavailable() -> None:
    chosen = select_devices("cpu,cuda,mps", _machine())
    assert [(d.label, d.available) for d in chosen] == [("cpu", True), ("cuda", False),
                                                        ("mps", False)]


@pytest.mark.parametrize("spec", ["gpu0", "cuda:x", "cpu:1", "auto,cpu", "", "tpu"])
def test_bad_selections_raise(spec: str) -> None:
    with pytest.raises(DeviceSelectionError):
        parse_selection(spec)


def test_dtype_support_by_capability() -> None:
    t4, h100 = simulated_devices(["cuda:T4-16GB", "cuda:H100-80GB"])
    (m2,) = simulated_devices(["mps:M2-16GB"])
    cpu = AccelDevice(type="cpu", index=None, name="cpu", memory_bytes=None)
    assert "bfloat16" in (dtype_problem(t4, "bfloat16") or "")
    assert dtype_problem(h100, "bfloat16") is None
    assert dtype_problem(t4, "float8_e4m3fn") and dtype_problem(h100, "float8_e4m3fn") is None
    assert "float64" in (dtype_problem(m2, "float64") or "")
    assert dtype_problem(cpu, "float8_e5m2") and dtype_problem(cpu, "float32") is None
    assert dtype_problem(cpu, "int8")  # not a weight dtype
