"""Devices as tests see them (`AccelDevice`), their synchronization, and parsing of
device selections.

A selection is ``auto`` or a comma list of ``cpu``, ``cuda``, ``cuda:N``, ``rocm``,
``mps``, ``xpu``, ``xpu:N``. A named device that this machine lacks stays in the
selection as *unavailable*, so the test using it skips (or fails in strict mode)
instead of silently disappearing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_ipfs_accelerate.hardware.errors import DeviceSelectionError, UnsupportedDtypeError

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.hardware.detect import DeviceInfo, HardwareInfo

SELECTABLE = ("cpu", "cuda", "rocm", "mps", "xpu")
_TOKEN = re.compile(r"^(?P<kind>[a-z]+)(?::(?P<index>\d+))?$")


@dataclass(frozen=True)
class AccelDevice:
    """A device a test runs against: real, simulated (a profile) or requested but absent."""

    type: str  # torch device type: cpu, cuda (also ROCm), mps, xpu
    index: int | None
    name: str
    memory_bytes: int | None
    is_simulated: bool = False
    kind: str = ""  # cpu | cuda | rocm | mps | xpu; defaults to type
    vendor: str = ""
    compute_capability: str | None = None
    profile: str | None = None  # profile name, for simulated devices
    available: bool = True  # False: selected, but this machine lacks it

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.type)

    @property
    def label(self) -> str:
        """The logical device name: ``cpu``, ``cuda:0``, ``mps``... (also for simulated)."""
        return self.type if self.index is None else f"{self.type}:{self.index}"

    @property
    def torch_device(self) -> str:
        """The device that really computes, usable wherever torch takes a device: cpu if simulated."""
        return "cpu" if self.is_simulated else self.label

    @property
    def test_id(self) -> str:
        """The parametrize id: ``cuda:0``, or ``sim-cuda:0-H100-80GB`` for a profile."""
        if self.is_simulated:
            return f"sim-{self.label}-{self.profile}"
        return self.label

    def synchronize(self) -> None:
        """Wait for the device's queued work (no-op on cpu and simulated devices)."""
        synchronize(self)


def synchronize(device: AccelDevice | str) -> None:
    """Wait until ``device`` finished its queued work; no-op for cpu and simulated devices."""
    if isinstance(device, AccelDevice):
        if device.is_simulated or device.type == "cpu" or not device.available:
            return
        torch_type, index = device.type, device.index
    else:
        torch_type, _, idx = str(device).partition(":")
        index = int(idx) if idx else None
        if torch_type == "cpu":
            return
    import torch

    if torch_type == "cuda":
        torch.cuda.synchronize(index)
    elif torch_type == "mps":
        torch.mps.synchronize()
    elif torch_type == "xpu":
        torch.xpu.synchronize(index)


def from_info(info: DeviceInfo) -> AccelDevice:
    """The AccelDevice of a detected device."""
    torch_type, _, index = info.device.partition(":")
    return AccelDevice(
        type=torch_type, index=int(index) if index else None, name=info.name,
        memory_bytes=info.memory_bytes, is_simulated=info.is_simulated, kind=info.kind,
        vendor=info.vendor, compute_capability=info.compute_capability,
    )


def parse_selection(spec: str | list[str] | tuple[str, ...]) -> list[str]:
    """Split and check a device selection; unknown names raise DeviceSelectionError."""
    tokens = [t.strip().lower() for t in (spec.split(",") if isinstance(spec, str) else spec)]
    tokens = [t for t in tokens if t]
    if not tokens:
        raise DeviceSelectionError("empty device selection: use 'auto' or e.g. 'cpu,cuda'")
    if "auto" in tokens:
        if len(tokens) > 1:
            raise DeviceSelectionError(f"device selection {spec!r}: 'auto' cannot be combined "
                                       "with other devices")
        return ["auto"]
    for token in tokens:
        match = _TOKEN.match(token)
        if not match or match["kind"] not in SELECTABLE or (
                match["index"] is not None and match["kind"] in ("cpu", "mps")):
            raise DeviceSelectionError(
                f"unknown device {token!r} in selection {spec!r}: use auto, or a comma list of "
                "cpu, cuda, cuda:N, rocm, mps, xpu, xpu:N")
    return list(dict.fromkeys(tokens))


def select_devices(spec: str | list[str] | tuple[str, ...],
                   hardware: HardwareInfo) -> list[AccelDevice]:
    """The devices a selection names on this machine, absent ones marked unavailable."""
    real = [from_info(d) for d in hardware.devices]
    tokens = parse_selection(spec)
    if tokens == ["auto"]:
        return real
    chosen: list[AccelDevice] = []
    for token in tokens:
        kind, _, index = token.partition(":")
        if kind == "rocm":
            found = [d for d in real if d.kind == "rocm"]
        else:  # "cuda" means torch.cuda: NVIDIA, and AMD under ROCm
            found = [d for d in real if d.type == kind]
        if index:
            found = [d for d in found if d.index == int(index)]
        if not found:
            torch_type = "cuda" if kind == "rocm" else kind
            found = [AccelDevice(type=torch_type, index=int(index) if index else None,
                                 name=f"absent {token}", memory_bytes=None, kind=kind,
                                 available=False)]
        chosen.extend(d for d in found if d not in chosen)
    return chosen


def matches_kind(device: AccelDevice, kinds: tuple[str, ...]) -> bool:
    """Whether a device satisfies a ``hardware`` marker's kinds (``gpu`` = any accelerator)."""
    for kind in kinds:
        if kind == "gpu" and device.type != "cpu":
            return True
        if kind == "cuda" and device.type == "cuda":  # ROCm speaks torch.cuda too
            return True
        if kind in (device.kind, device.type):
            return True
    return False


_FLOAT8 = ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz")


def dtype_problem(device: AccelDevice, dtype: object) -> str | None:
    """Why ``device`` cannot run ``dtype`` (a torch.dtype or its name), or None if it can."""
    name = str(dtype).removeprefix("torch.")
    if name not in ("float16", "bfloat16", "float32", "float64", *_FLOAT8):
        return f"{name} is not a floating-point dtype for model weights"
    cc = _capability(device.compute_capability)
    if device.kind == "cuda" and cc is not None:
        if name == "bfloat16" and cc < (8, 0):
            return (f"{device.name} (compute capability {device.compute_capability}) has no "
                    "bfloat16 support (needs 8.0+); use float16 or float32")
        if name in _FLOAT8 and cc < (8, 9):
            return (f"{device.name} (compute capability {device.compute_capability}) has no "
                    "float8 support (needs 8.9+)")
    if device.type == "mps" and name == "float64":
        return "mps has no float64 support; use float32"
    if device.type == "cpu" and not device.is_simulated and name in _FLOAT8:
        return "cpu cannot compute in float8; use bfloat16 or float32"
    return None


def check_dtype(device: AccelDevice, dtype: object) -> None:
    """Raise UnsupportedDtypeError naming the device when it cannot run ``dtype``."""
    problem = dtype_problem(device, dtype)
    if problem:
        raise UnsupportedDtypeError(f"dtype {dtype} on {device.label}: {problem}")


def _capability(text: str | None) -> tuple[int, int] | None:
    if not text or not re.match(r"^\d+\.\d+$", text):
        return None
    major, minor = text.split(".")
    return int(major), int(minor)
