"""The hardware package's pytest plugin: options, markers and fixtures.

Registered by pytest_ipfs_accelerate.plugin. Imports nothing heavy at module level:
torch is imported only when a test asks for a device.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_ipfs_accelerate.strict import missing_backend

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.hardware.detect import HardwareInfo
    from pytest_ipfs_accelerate.hardware.devices import AccelDevice
    from pytest_ipfs_accelerate.hardware.timing import DeviceTimer

_DEVICES_KEY: pytest.StashKey[list[AccelDevice]] = pytest.StashKey()
_PROFILE_ENV = "IPFS_ACCEL_HW_PROFILES"
_GIB = 2**30
_FIX_SELECT = ("run on a machine that has it, or choose other devices with "
               "--ipfs-accel-hardware / IPFS_ACCEL_HARDWARE / [hardware] devices")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ipfs-accelerate")
    group.addoption(
        "--ipfs-accel-hardware", dest="ipfs_accel_hardware", default=None, metavar="DEVICES",
        help="devices for the accel_device fixture: auto (every device found, the default) "
             "or a comma list of cpu, cuda, cuda:N, rocm, mps, xpu. Env: IPFS_ACCEL_HARDWARE.")
    group.addoption(
        "--ipfs-accel-hw-profile", dest="ipfs_accel_hw_profile", action="append", default=None,
        metavar="SPEC",
        help="add simulated devices, e.g. 'cuda:H100-80GB x2', 'mps:M2-16GB', "
             "'cuda:custom-24GB' (repeatable); they run on the CPU and every result from "
             "them is flagged simulated. Env: IPFS_ACCEL_HW_PROFILES (';'-separated).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "hardware(*kinds, min_memory_gb=None): needs a device of one of kinds (cpu, cuda, "
        "rocm, mps, xpu, gpu) with at least min_memory_gb GiB; skips when absent, fails in "
        "strict mode (CI=true). With accel_device, only matching devices are parametrized.")
    _validate_selection(config)


def _validate_selection(config: pytest.Config) -> None:
    """Reject bad device names and profiles up front (pure parsing: no detection, no torch)."""
    from pytest_ipfs_accelerate.idle import nothing_configured

    if nothing_configured(config, "ipfs_accel_hardware", "ipfs_accel_hw_profile"):
        return  # defaults only: nothing to validate, and nothing to import
    if _default_selection(config):
        return  # e.g. only --ipfs-accel-db given
    spec, profiles = _selection_spec(config), _profile_specs(config)
    from pytest_ipfs_accelerate.hardware.devices import parse_selection
    from pytest_ipfs_accelerate.hardware.errors import HardwareError
    from pytest_ipfs_accelerate.hardware.profiles import parse_profile

    try:
        parse_selection(spec or "auto")
        for profile in profiles:
            parse_profile(profile)
    except HardwareError as exc:
        raise pytest.UsageError(str(exc)) from None


# -- selection --------------------------------------------------------------------------
def _selection_spec(config: pytest.Config) -> Any:
    from pytest_ipfs_accelerate.config import resolve

    return resolve(config, option="ipfs_accel_hardware", key="hardware.devices",
                   env="IPFS_ACCEL_HARDWARE")


def _default_selection(config: pytest.Config) -> bool:
    """Real devices picked automatically and no simulated profile."""
    return _selection_spec(config) in (None, "", "auto") and not _profile_specs(config)


def _profile_specs(config: pytest.Config) -> list[str]:
    from pytest_ipfs_accelerate.config import resolve

    value = resolve(config, option="ipfs_accel_hw_profile", key="hardware.profiles",
                    env=_PROFILE_ENV)
    if not value:
        return []
    if isinstance(value, str):
        return [s.strip() for s in value.split(";") if s.strip()]
    return [str(s) for s in value]


def selected_devices(config: pytest.Config) -> list[AccelDevice]:
    """The session's devices: the real selection, then the simulated profiles (cached)."""
    cached = config.stash.get(_DEVICES_KEY, None)
    if cached is not None:
        return cached
    from pytest_ipfs_accelerate.hardware.detect import detect_hardware
    from pytest_ipfs_accelerate.hardware.devices import select_devices
    from pytest_ipfs_accelerate.hardware.errors import HardwareError
    from pytest_ipfs_accelerate.hardware.profiles import simulated_devices

    spec = _selection_spec(config)
    try:
        devices = select_devices(spec or "auto", detect_hardware())
        devices += simulated_devices(_profile_specs(config))
    except HardwareError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_DEVICES_KEY] = devices
    return devices


def _marker_kinds(marker: pytest.Mark | None) -> tuple[tuple[str, ...], float | None]:
    if marker is None:
        return (), None
    kinds = tuple(str(k).lower() for k in marker.args) or ("gpu",)
    known = {"cpu", "cuda", "rocm", "mps", "xpu", "gpu"}
    bad = [k for k in kinds if k not in known]
    if bad:
        raise pytest.UsageError(f"@pytest.mark.hardware: unknown device kind(s) {bad}; "
                                f"use {', '.join(sorted(known))}")
    return kinds, marker.kwargs.get("min_memory_gb")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "accel_device" not in metafunc.fixturenames:
        return
    from pytest_ipfs_accelerate.hardware.devices import AccelDevice, matches_kind

    devices = selected_devices(metafunc.config)
    kinds, _ = _marker_kinds(metafunc.definition.get_closest_marker("hardware"))
    if kinds:
        devices = [d for d in devices if matches_kind(d, kinds)]
        if not devices:  # keep one absent param so the test skips (or fails when strict)
            kind = kinds[0]
            devices = [AccelDevice(type="cuda" if kind in ("rocm", "gpu") else kind, index=None,
                                   name=f"absent {kind}", memory_bytes=None, kind=kind,
                                   available=False)]
    metafunc.parametrize("accel_device", devices, ids=[d.test_id for d in devices],
                         indirect=True)


def _require(item: pytest.Item, device: AccelDevice) -> None:
    """Skip/fail when ``device`` is absent or smaller than the marker's min_memory_gb."""
    if not device.available:
        missing_backend(item.config, f"device {device.kind if device.index is None else device.label}",
                        _FIX_SELECT)
    _, min_gb = _marker_kinds(item.get_closest_marker("hardware"))
    if min_gb is not None and (device.memory_bytes or 0) < float(min_gb) * _GIB:
        have = (device.memory_bytes or 0) / _GIB
        missing_backend(item.config, f"{device.label} with {min_gb} GiB ({device.name} has "
                        f"{have:.1f} GiB)", "use a larger device or profile")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check the device of ``hardware``-marked items at setup (``accel_device`` ones are
    checked by the fixture, per device). The check is registered only when such items
    exist, so other suites pay nothing per test."""
    from pytest_ipfs_accelerate.marks import NodeFacts

    facts = NodeFacts()
    gated = {item for item in items if "hardware" in facts.markers(item)
             and "accel_device" not in getattr(item, "fixturenames", ())}
    if gated and not config.pluginmanager.has_plugin(_GATE_NAME):
        config.pluginmanager.register(_HardwareGate(gated), _GATE_NAME)


_GATE_NAME = "ipfs_accel_hardware_gate"


class _HardwareGate:
    def __init__(self, items: set[pytest.Item]) -> None:
        self.items = items

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if item not in self.items:
            return
        from pytest_ipfs_accelerate.hardware.detect import detect_hardware
        from pytest_ipfs_accelerate.hardware.devices import from_info, matches_kind

        kinds, min_gb = _marker_kinds(item.get_closest_marker("hardware"))
        real = [from_info(d) for d in detect_hardware().devices]
        fitting = [d for d in real if matches_kind(d, kinds)]
        if not fitting:
            missing_backend(item.config, f"a {' or '.join(kinds)} device", _FIX_SELECT)
        if min_gb is not None and not any((d.memory_bytes or 0) >= float(min_gb) * _GIB
                                          for d in fitting):
            largest = max((d.memory_bytes or 0) for d in fitting) / _GIB
            missing_backend(item.config, f"a {' or '.join(kinds)} device with {min_gb} GiB "
                            f"(largest here: {largest:.1f} GiB)", "use a larger device")


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def hardware_info() -> HardwareInfo:
    """What this machine has (CPU, accelerators, runtimes), detected once per session."""
    from pytest_ipfs_accelerate.hardware.detect import detect_hardware

    return detect_hardware()


@pytest.fixture
def accel_device(request: pytest.FixtureRequest) -> AccelDevice:
    """The device this test runs on, parametrized over the selection (ids show the device).

    Real devices come from ``--ipfs-accel-hardware`` / ``IPFS_ACCEL_HARDWARE`` /
    ``[hardware] devices``; simulated ones from ``--ipfs-accel-hw-profile``. A
    simulated device reports the profile's name and memory but computes on the CPU
    (``.torch_device == "cpu"``); its results are flagged simulated in the DB.
    """
    device = getattr(request, "param", None)
    if device is None:
        device = selected_devices(request.config)[0]
    _require(request.node, device)
    request.node.user_properties.append(("ipfs_accel_device", device.label))
    request.node.user_properties.append(("ipfs_accel_simulated", device.is_simulated))
    return device


@pytest.fixture
def accel_devices(request: pytest.FixtureRequest) -> list[AccelDevice]:
    """All available selected devices at once (real, then simulated), for multi-device tests."""
    devices = [d for d in selected_devices(request.config) if d.available]
    if any(d.is_simulated for d in devices):
        request.node.user_properties.append(("ipfs_accel_simulated", True))
    return devices


@pytest.fixture
def accel_timer(accel_device: AccelDevice) -> DeviceTimer:
    """A timer for ``accel_device`` that synchronizes the device before reading the clock."""
    from pytest_ipfs_accelerate.hardware.timing import DeviceTimer

    return DeviceTimer(accel_device)


# -- DB rows ------------------------------------------------------------------------------------
def pytest_ipfs_accel_hardware(config: pytest.Config) -> list[dict[str, Any]] | None:
    """Rows of the ``hardware`` table: detected devices, then simulated profiles (flagged)."""
    from pytest_ipfs_accelerate.hardware.detect import detect_hardware

    rows = detect_hardware().rows()
    if _default_selection(config):
        return rows  # no simulated device to add
    for device in selected_devices(config):
        if device.is_simulated:
            rows.append({
                "device": device.label, "kind": device.kind, "name": device.name,
                "vendor": device.vendor, "memory_bytes": device.memory_bytes,
                "compute_capability": device.compute_capability, "driver_version": None,
                "runtime_version": None, "is_simulated": True,
                "extra": {"profile": device.profile},
            })
    return rows
