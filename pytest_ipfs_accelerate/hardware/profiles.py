"""Simulated hardware profiles: devices that tests can *see* while running on the CPU.

A profile spec is ``KIND:NAME[ xCOUNT]``, for example ``cuda:H100-80GB x2``,
``mps:M2-16GB`` or ``cuda:custom-24GB``. Memory sizes in names are GiB (2**30 bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_ipfs_accelerate.hardware.devices import AccelDevice
from pytest_ipfs_accelerate.hardware.errors import ProfileError

GIB = 2**30


@dataclass(frozen=True)
class Profile:
    """One known accelerator model."""

    kind: str  # cuda | rocm | mps | xpu
    name: str  # the short name used in specs
    full_name: str  # what the device reports as its name
    vendor: str
    memory_gib: float
    compute_capability: str | None = None


#: Known profiles (documented in docs/hardware.md).
KNOWN_PROFILES: dict[str, Profile] = {
    p.name.lower(): p
    for p in (
        Profile("cuda", "H100-80GB", "NVIDIA H100 80GB HBM3", "NVIDIA", 80, "9.0"),
        Profile("cuda", "A100-40GB", "NVIDIA A100-SXM4-40GB", "NVIDIA", 40, "8.0"),
        Profile("cuda", "A100-80GB", "NVIDIA A100-SXM4-80GB", "NVIDIA", 80, "8.0"),
        Profile("cuda", "L4-24GB", "NVIDIA L4", "NVIDIA", 24, "8.9"),
        Profile("cuda", "T4-16GB", "Tesla T4", "NVIDIA", 16, "7.5"),
        Profile("cuda", "V100-16GB", "Tesla V100-SXM2-16GB", "NVIDIA", 16, "7.0"),
        Profile("cuda", "RTX4090-24GB", "NVIDIA GeForce RTX 4090", "NVIDIA", 24, "8.9"),
        Profile("rocm", "MI300X-192GB", "AMD Instinct MI300X", "AMD", 192, "gfx942"),
        Profile("rocm", "MI250X-128GB", "AMD Instinct MI250X", "AMD", 128, "gfx90a"),
        Profile("mps", "M1-8GB", "Apple M1", "Apple", 8),
        Profile("mps", "M2-16GB", "Apple M2", "Apple", 16),
        Profile("mps", "M3-Max-64GB", "Apple M3 Max", "Apple", 64),
        Profile("xpu", "Max1550-128GB", "Intel Data Center GPU Max 1550", "Intel", 128),
    )
}

KINDS = ("cuda", "rocm", "mps", "xpu")
_SPEC = re.compile(r"^\s*(?P<kind>[a-z]+)\s*:\s*(?P<name>[A-Za-z0-9._-]+)"
                   r"(?:\s*[x×*]\s*(?P<count>\d+))?\s*$")
_CUSTOM = re.compile(r"^custom-(?P<gib>\d+(?:\.\d+)?)GB$", re.IGNORECASE)
_VENDOR = {"cuda": "NVIDIA", "rocm": "AMD", "mps": "Apple", "xpu": "Intel"}


def _known_list() -> str:
    return ", ".join(f"{p.kind}:{p.name}" for p in KNOWN_PROFILES.values())


def parse_profile(spec: str) -> tuple[Profile, int]:
    """Parse one spec into its profile and device count; bad input raises ProfileError."""
    match = _SPEC.match(spec)
    if not match:
        raise ProfileError(
            f"hardware profile {spec!r} is not KIND:NAME[ xCOUNT], e.g. 'cuda:H100-80GB x2', "
            f"'mps:M2-16GB' or 'cuda:custom-24GB'")
    kind, name, count_text = match["kind"], match["name"], match["count"]
    if kind not in KINDS:
        raise ProfileError(f"hardware profile {spec!r}: unknown device kind {kind!r}; "
                           f"use one of {', '.join(KINDS)}")
    count = int(count_text) if count_text else 1
    if not 1 <= count <= 64:
        raise ProfileError(f"hardware profile {spec!r}: count must be 1..64, got {count}")
    if kind == "mps" and count != 1:
        raise ProfileError(f"hardware profile {spec!r}: a machine has one mps device; drop 'x{count}'")
    custom = _CUSTOM.match(name)
    if custom:
        gib = float(custom["gib"])
        if gib <= 0:
            raise ProfileError(f"hardware profile {spec!r}: memory must be above 0 GB")
        return Profile(kind, name, f"simulated {kind} {name}", _VENDOR[kind], gib), count
    profile = KNOWN_PROFILES.get(name.lower())
    if profile is None:
        raise ProfileError(f"hardware profile {spec!r}: unknown device {name!r}; known: "
                           f"{_known_list()}, or KIND:custom-<N>GB")
    if profile.kind != kind:
        raise ProfileError(f"hardware profile {spec!r}: {profile.name} is a {profile.kind} device; "
                           f"write '{profile.kind}:{profile.name}'")
    return profile, count


def simulated_devices(specs: list[str] | tuple[str, ...]) -> list[AccelDevice]:
    """The simulated devices of all specs, numbered per torch device type in order."""
    devices: list[AccelDevice] = []
    next_index: dict[str, int] = {}
    for spec in specs:
        profile, count = parse_profile(spec)
        torch_type = "cuda" if profile.kind == "rocm" else profile.kind
        for _ in range(count):
            index = next_index.get(torch_type, 0)
            next_index[torch_type] = index + 1
            devices.append(AccelDevice(
                type=torch_type,
                index=None if torch_type == "mps" else index,
                name=profile.full_name,
                memory_bytes=int(profile.memory_gib * GIB),
                is_simulated=True,
                kind=profile.kind,
                vendor=profile.vendor,
                compute_capability=profile.compute_capability,
                profile=profile.name,
            ))
    return devices
