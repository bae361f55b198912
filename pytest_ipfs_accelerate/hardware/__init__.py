"""Hardware room: detection, device selection, simulated profiles and device timers.

Public API::

    from pytest_ipfs_accelerate.hardware import detect_hardware, AccelDevice
    detect_hardware().to_dict()                 # what this machine has (cached)
    simulated_devices(["cuda:H100-80GB x2"])    # devices a test can see, on the CPU
"""

from __future__ import annotations

from pytest_ipfs_accelerate.hardware.detect import (
    CpuInfo,
    DeviceInfo,
    HardwareInfo,
    detect_hardware,
)
from pytest_ipfs_accelerate.hardware.devices import (
    AccelDevice,
    check_dtype,
    select_devices,
)
from pytest_ipfs_accelerate.hardware.errors import (
    DeviceSelectionError,
    HardwareError,
    ProfileError,
    UnsupportedDtypeError,
)
from pytest_ipfs_accelerate.hardware.profiles import KNOWN_PROFILES, simulated_devices
from pytest_ipfs_accelerate.hardware.timing import DeviceTimer, synchronize

__all__ = [
    "KNOWN_PROFILES",
    "AccelDevice",
    "CpuInfo",
    "DeviceInfo",
    "DeviceSelectionError",
    "DeviceTimer",
    "HardwareError",
    "HardwareInfo",
    "ProfileError",
    "UnsupportedDtypeError",
    "check_dtype",
    "detect_hardware",
    "select_devices",
    "simulated_devices",
    "synchronize",
]
