"""Device maps: which module of a model goes on which (real or simulated) device.

The placement itself is accelerate's (``get_balanced_memory`` + ``infer_auto_device_map``):
well-kept, and it already knows about tied weights, no-split blocks and keeping room
for offloaded layers. accelerate only knows GPUs by integer index; we hand it the
selected accelerators as ``0..n-1`` with their (possibly simulated) memory, then map
the answer back to logical names (``cuda:0``, ``mps``...), so a plan computed for two
simulated H100s reads exactly as it would on the real machine.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_ipfs_accelerate.checkpoint.errors import DeviceMapError
from pytest_ipfs_accelerate.hardware.devices import AccelDevice

STRATEGIES = ("auto", "balanced", "sequential")
_GIB = 2**30


@dataclass
class DevicePlan:
    """A computed placement: logical device per module, budgets and bytes used per device."""

    device_map: dict[str, str]  # module name -> "cuda:0" | "mps" | "cpu" | "disk"
    budgets: dict[str, int]  # device label -> bytes allowed
    usage: dict[str, int]  # device label -> bytes placed
    devices: dict[str, AccelDevice]  # device label -> device ("disk" has none)
    strategy: str
    model_bytes: int
    order: list[str] = field(default_factory=list)  # device labels, accelerators first

    @property
    def is_simulated(self) -> bool:
        """True when any module is placed on a simulated device."""
        return any(self.devices[d].is_simulated for d in set(self.device_map.values())
                   if d in self.devices)

    @property
    def main_device(self) -> str:
        """The first accelerator used (inputs go there), else ``cpu``."""
        for label in self.order:
            if label not in ("cpu", "disk") and label in self.device_map.values():
                return label
        return "cpu"

    def execution_map(self) -> dict[str, str]:
        """The real placement: simulated devices compute on ``cpu``; ``disk`` stays disk."""
        out = {}
        for module, label in self.device_map.items():
            device = self.devices.get(label)
            out[module] = label if device is None else device.torch_device
        return out


@contextlib.contextmanager
def _quiet_accelerate() -> Iterator[None]:
    # accelerate warns "Device 0 is not available" for simulated GPUs: expected here
    logger = logging.getLogger("accelerate.utils.modeling")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _size(value: int | str, key: str) -> int:
    if isinstance(value, bool):
        raise DeviceMapError(f"max_memory[{key!r}] must be bytes or a size like '10GiB'")
    if isinstance(value, int):
        return value
    from accelerate.utils import convert_file_size_to_int

    try:
        return int(convert_file_size_to_int(value))
    except (ValueError, TypeError):
        raise DeviceMapError(f"max_memory[{key!r}] = {value!r} is not a size: use bytes or "
                             "a string like '10GiB' or '500MB'") from None


def _available_ram() -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _free_memory(device: AccelDevice) -> int:
    if device.is_simulated or device.type != "cuda":
        return int(device.memory_bytes or 0)
    try:
        import torch

        return int(torch.cuda.mem_get_info(device.index)[0])
    except Exception:
        return int(device.memory_bytes or 0)


def _budgets(devices: list[AccelDevice], max_memory: Mapping[Any, int | str] | None
             ) -> tuple[dict[str, int], dict[str, AccelDevice]]:
    accel = [d for d in devices if d.type != "cpu" and d.available]
    cpu = next((d for d in devices if d.type == "cpu"), None) or AccelDevice(
        type="cpu", index=None, name="cpu", memory_bytes=_available_ram())
    by_label = {d.label: d for d in accel}
    by_label["cpu"] = cpu
    if max_memory is None:
        budgets = {d.label: _free_memory(d) for d in accel}
        budgets["cpu"] = _available_ram() or int(cpu.memory_bytes or 0)
        return budgets, by_label
    budgets = {}
    for key, value in max_memory.items():
        label = accel[key].label if isinstance(key, int) and 0 <= key < len(accel) else str(key)
        if label not in by_label and label != "disk":
            raise DeviceMapError(f"max_memory names unknown device {key!r}; devices here: "
                                 f"{', '.join(by_label)} (and 'disk')")
        budgets[label] = _size(value, str(key))
    return budgets, by_label


def _describe(nbytes: int) -> str:
    for unit, size in (("GiB", _GIB), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


def plan_device_map(model: Any, devices: list[AccelDevice],
                    device_map: str | Mapping[str, Any] = "auto",
                    max_memory: Mapping[Any, int | str] | None = None, dtype: Any = None,
                    no_split_module_classes: list[str] | None = None,
                    allow_disk: bool = False) -> DevicePlan:
    """Compute where each module goes; raises DeviceMapError when it cannot fit.

    ``auto`` and ``balanced`` spread modules evenly over the accelerators (as
    accelerate's ``"auto"``), ``sequential`` fills them in order; a dict is checked
    (devices known, every weight covered, each device within its budget). Overflow
    goes to ``cpu`` then ``disk``; disk needs ``allow_disk`` (an offload folder).
    """
    from accelerate.utils import compute_module_sizes

    budgets, by_label = _budgets(devices, max_memory)
    accel_labels = [label for label in by_label if label != "cpu"]
    sizes = compute_module_sizes(model, dtype=dtype)
    total = int(sizes[""])
    if isinstance(device_map, Mapping):
        logical = _check_dict_map(model, device_map, by_label, accel_labels)
        strategy = "dict"
    elif device_map in STRATEGIES:
        logical = _infer(model, device_map, budgets, accel_labels, dtype, no_split_module_classes)
        strategy = str(device_map)
    else:
        raise DeviceMapError(f"device_map={device_map!r}: use 'auto', 'balanced', 'sequential' "
                             "or a dict of module name -> device")
    usage: dict[str, int] = {}
    for module, label in logical.items():
        usage[label] = usage.get(label, 0) + int(sizes.get(module, 0))
    plan = DevicePlan(logical, budgets, usage, by_label, strategy, total,
                      order=[*accel_labels, "cpu", "disk"])
    _check_fit(plan, allow_disk, explicit=strategy == "dict")
    return plan


def _infer(model: Any, strategy: str, budgets: dict[str, int], accel_labels: list[str],
           dtype: Any, no_split: list[str] | None) -> dict[str, str]:
    from accelerate.utils import get_balanced_memory, infer_auto_device_map

    to_key: dict[str, int | str] = {label: i for i, label in enumerate(accel_labels)}
    to_key.update(cpu="cpu", disk="disk")
    keyed = {to_key[label]: size for label, size in budgets.items() if label in to_key}
    with _quiet_accelerate():
        if strategy in ("auto", "balanced") and len(accel_labels) > 1:
            keyed = get_balanced_memory(model, max_memory=keyed, no_split_module_classes=no_split,
                                        dtype=dtype)
        raw = infer_auto_device_map(model, max_memory=keyed, no_split_module_classes=no_split,
                                    dtype=dtype)
    back = {v: k for k, v in to_key.items()}
    logical = {module: back[key] for module, key in raw.items()}
    if "" in logical:  # the whole model on one device: name its parts (offload needs names)
        label = logical.pop("")
        names = [n for n, _ in model.named_children()]
        names += [n for n, _ in model.named_parameters(recurse=False)]
        names += [n for n, _ in model.named_buffers(recurse=False)]
        logical.update(dict.fromkeys(names, label))
    return logical


def _check_dict_map(model: Any, device_map: Mapping[str, Any], by_label: dict[str, AccelDevice],
                    accel_labels: list[str]) -> dict[str, str]:
    from accelerate.utils import check_device_map

    logical: dict[str, str] = {}
    for module, target in device_map.items():
        if isinstance(target, int) and not isinstance(target, bool):
            if not 0 <= target < len(accel_labels):
                raise DeviceMapError(f"device_map[{module!r}] = {target}: there are only "
                                     f"{len(accel_labels)} accelerators ({', '.join(accel_labels)})")
            label = accel_labels[target]
        else:
            label = str(target)
        if label not in by_label and label != "disk":
            raise DeviceMapError(f"device_map[{module!r}] names unknown device {target!r}; "
                                 f"devices here: {', '.join(by_label)} (and 'disk')")
        logical[module] = label
    try:
        check_device_map(model, logical)
    except ValueError as exc:
        raise DeviceMapError(f"device map does not cover the model: {exc}") from None
    return logical


def _check_fit(plan: DevicePlan, allow_disk: bool, explicit: bool) -> None:
    for label, used in plan.usage.items() if explicit else ():
        budget = plan.budgets.get(label)
        if label == "disk" or budget is None or used <= budget:
            continue
        name = plan.devices[label].name if label in plan.devices else label
        raise DeviceMapError(
            f"device map puts {_describe(used)} on {label} ({name}), which has "
            f"{_describe(budget)}: over by {_describe(used - budget)}. Move modules "
            "elsewhere, raise max_memory, or map some to 'disk' with an offload_folder")
    on_disk = plan.usage.get("disk", 0)
    if on_disk and not allow_disk:
        budgets = ", ".join(f"{k}: {_describe(v)}" for k, v in plan.budgets.items())
        raise DeviceMapError(
            f"the model needs {_describe(plan.model_bytes)} but only "
            f"{_describe(plan.model_bytes - on_disk)} of it fits the devices' memory ({budgets}; "
            "accelerate keeps room for the largest layer on the main devices): short by "
            f"{_describe(on_disk)}. Pass offload_folder=... to offload to disk, or give more "
            "max_memory")
