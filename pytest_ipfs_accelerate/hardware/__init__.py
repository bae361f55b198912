"""Hardware room: detection, device selection, simulated profiles and device timers.

Public API::

    from pytest_ipfs_accelerate.hardware import detect_hardware, AccelDevice
    detect_hardware().to_dict()                 # what this machine has (cached)
    simulated_devices(["cuda:H100-80GB x2"])    # devices a test can see, on the CPU

Names load on first use, so importing the package (as the idle plugin does) is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "detect": ("CpuInfo", "DeviceInfo", "HardwareInfo", "detect_hardware"),
    "devices": ("AccelDevice", "check_dtype", "select_devices"),
    "errors": ("DeviceSelectionError", "HardwareError", "ProfileError", "UnsupportedDtypeError"),
    "profiles": ("KNOWN_PROFILES", "simulated_devices"),
    "timing": ("DeviceTimer", "synchronize"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
