"""The hardware package: detection, device selection, simulated profiles and device timers.

Public API::

    from pytest_ipfs_accelerate.hardware import detect_hardware, AccelDevice
    detect_hardware().to_dict()                 # what this machine has (cached)
    simulated_devices(["cuda:H100-80GB x2"])    # devices a test can see, on the CPU

Names load on first use, so importing the package (as the idle plugin does) is cheap.
"""

from __future__ import annotations

from pytest_ipfs_accelerate.lazy import lazy_exports

_EXPORTS = {
    "detect": ("CpuInfo", "DeviceInfo", "HardwareInfo", "detect_hardware"),
    "devices": ("AccelDevice", "check_dtype", "select_devices", "synchronize"),
    "errors": ("DeviceSelectionError", "HardwareError", "ProfileError", "UnsupportedDtypeError"),
    "profiles": ("KNOWN_PROFILES", "simulated_devices"),
    "timing": ("DeviceTimer",),
}
__getattr__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
