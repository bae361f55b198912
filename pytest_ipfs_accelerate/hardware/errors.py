"""Exception types of the hardware package."""

from __future__ import annotations

from pytest_ipfs_accelerate.errors import IpfsAccelError


class HardwareError(IpfsAccelError):
    """Base of the hardware package's errors."""


class DeviceSelectionError(HardwareError):
    """A device name in a selection (option, env var, config) is not understood."""


class ProfileError(HardwareError):
    """A simulated hardware profile is malformed or unknown."""


class UnsupportedDtypeError(HardwareError):
    """A dtype was asked of a device that cannot run it."""
