"""Hardware detection: CPU, CUDA/ROCm, MPS, XPU and optional runtimes, probed once and cached.

Every probe is lazy and guarded: a missing or broken torch means "cpu only", and a
failing probe is noted in ``HardwareInfo.problems`` instead of raising.
"""

from __future__ import annotations

import functools
import importlib
import os
import platform
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

#: CPU flags worth reporting (as /proc/cpuinfo spells them).
INTERESTING_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
    "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "neon", "asimd", "sve",
)


@dataclass(frozen=True)
class CpuInfo:
    """The host CPU and memory."""

    model: str
    vendor: str
    architecture: str
    physical_cores: int | None
    logical_cpus: int
    usable_cpus: int
    flags: tuple[str, ...]
    ram_bytes: int | None

    @property
    def has_avx2(self) -> bool:
        return "avx2" in self.flags

    @property
    def has_avx512(self) -> bool:
        return "avx512f" in self.flags

    @property
    def has_amx(self) -> bool:
        return any(f.startswith("amx") for f in self.flags)


@dataclass(frozen=True)
class DeviceInfo:
    """One device, as a row of the ``hardware`` table."""

    device: str  # cpu, cuda:0, mps, xpu:0
    kind: str  # cpu | cuda | rocm | mps | xpu
    name: str
    vendor: str
    memory_bytes: int | None
    compute_capability: str | None = None
    driver_version: str | None = None
    runtime_version: str | None = None
    is_simulated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HardwareInfo:
    """Everything detected: the CPU, the devices (cpu first), optional runtimes, probe problems."""

    cpu: CpuInfo
    devices: tuple[DeviceInfo, ...]
    runtimes: dict[str, Any]
    problems: tuple[str, ...] = ()

    def rows(self) -> list[dict[str, Any]]:
        """One dict per device for the ``hardware`` table."""
        return [asdict(d) for d in self.devices]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (``ipfs-accel hardware`` prints it)."""
        cpu = asdict(self.cpu)
        cpu["flags"] = list(self.cpu.flags)
        return {"cpu": cpu, "devices": self.rows(), "runtimes": self.runtimes,
                "problems": list(self.problems)}


# -- CPU -----------------------------------------------------------------------------------
def parse_cpuinfo(text: str) -> dict[str, Any]:
    """Model, vendor, flags, logical and physical core counts from /proc/cpuinfo text."""
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    model = vendor = ""
    flags: set[str] = set()
    logical = 0
    cores: set[tuple[str, str]] = set()
    cores_per_socket: dict[str, int] = {}
    for block in blocks:
        entry: dict[str, str] = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                entry[key.strip().lower()] = value.strip()
        if "processor" not in entry:
            continue
        logical += 1
        model = model or entry.get("model name", "") or entry.get("cpu model", "")
        vendor = vendor or entry.get("vendor_id", "") or entry.get("cpu implementer", "")
        flags.update((entry.get("flags") or entry.get("features") or "").split())
        if "physical id" in entry and "core id" in entry:
            cores.add((entry["physical id"], entry["core id"]))
        if "physical id" in entry and entry.get("cpu cores", "").isdigit():
            cores_per_socket[entry["physical id"]] = int(entry["cpu cores"])
    physical = len(cores) or sum(cores_per_socket.values()) or None
    return {"model": model, "vendor": vendor, "flags": flags, "logical": logical,
            "physical": physical}


def _probe_cpu(problems: list[str]) -> CpuInfo:
    parsed: dict[str, Any] = {"model": "", "vendor": "", "flags": set(), "logical": 0,
                              "physical": None}
    try:
        parsed = parse_cpuinfo(Path("/proc/cpuinfo").read_text())
    except OSError:
        pass  # not Linux: fall back to platform below
    except Exception as exc:  # a malformed file must not break the session
        problems.append(f"cpu: /proc/cpuinfo: {exc}")
    logical = os.cpu_count() or parsed["logical"] or 1
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = logical
    return CpuInfo(
        model=parsed["model"] or platform.processor() or platform.machine(),
        vendor=parsed["vendor"],
        architecture=platform.machine(),
        physical_cores=parsed["physical"],
        logical_cpus=logical,
        usable_cpus=usable,
        flags=tuple(f for f in INTERESTING_FLAGS if f in parsed["flags"]),
        ram_bytes=_ram_bytes(),
    )


def _ram_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


# -- accelerators through torch -------------------------------------------------------------
def _import_optional(name: str, problems: list[str]) -> ModuleType | None:
    """Import a module if it is installed; any failure (missing, broken) gives None."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
    except Exception as exc:  # a broken install: note it, carry on cpu-only
        problems.append(f"{name}: import failed: {type(exc).__name__}: {exc}")
        return None


def torch_devices(torch: Any, problems: list[str]) -> list[DeviceInfo]:
    """The accelerators torch reports (CUDA or ROCm, MPS, XPU); each probe guarded."""
    devices: list[DeviceInfo] = []
    hip = getattr(getattr(torch, "version", None), "hip", None)
    try:
        if torch.cuda.is_available():
            driver = None if hip else nvidia_driver_version()
            for i in range(torch.cuda.device_count()):
                props = torch.cuda.get_device_properties(i)
                extra = {"multi_processor_count": getattr(props, "multi_processor_count", None)}
                if hip:
                    extra["gcn_arch"] = getattr(props, "gcnArchName", None)
                devices.append(DeviceInfo(
                    device=f"cuda:{i}",
                    kind="rocm" if hip else "cuda",
                    name=str(props.name),
                    vendor="AMD" if hip else "NVIDIA",
                    memory_bytes=int(props.total_memory),
                    compute_capability=(getattr(props, "gcnArchName", None) if hip
                                        else f"{props.major}.{props.minor}"),
                    driver_version=driver,
                    runtime_version=str(hip) if hip else torch.version.cuda,
                    extra=extra,
                ))
    except Exception as exc:
        problems.append(f"cuda: {type(exc).__name__}: {exc}")
    try:
        mps = getattr(getattr(torch, "backends", None), "mps", None)
        if mps is not None and mps.is_available():
            devices.append(DeviceInfo(
                device="mps", kind="mps", name=f"Apple {platform.machine()} GPU", vendor="Apple",
                memory_bytes=_ram_bytes(), runtime_version=platform.mac_ver()[0] or None,
                extra={"unified_memory": True},
            ))
    except Exception as exc:
        problems.append(f"mps: {type(exc).__name__}: {exc}")
    try:
        xpu = getattr(torch, "xpu", None)
        if xpu is not None and xpu.is_available():
            for i in range(xpu.device_count()):
                props = xpu.get_device_properties(i)
                devices.append(DeviceInfo(
                    device=f"xpu:{i}", kind="xpu", name=str(props.name), vendor="Intel",
                    memory_bytes=int(getattr(props, "total_memory", 0)) or None,
                    driver_version=getattr(props, "driver_version", None),
                ))
    except Exception as exc:
        problems.append(f"xpu: {type(exc).__name__}: {exc}")
    return devices


def nvidia_driver_version() -> str | None:
    """The NVIDIA driver version, from pynvml if installed, else /proc/driver/nvidia/version."""
    try:
        import pynvml  # optional

        pynvml.nvmlInit()
        try:
            version = pynvml.nvmlSystemGetDriverVersion()
        finally:
            pynvml.nvmlShutdown()
        return version.decode() if isinstance(version, bytes) else str(version)
    except Exception:
        pass
    try:
        text = Path("/proc/driver/nvidia/version").read_text()
    except OSError:
        return None
    match = re.search(r"Kernel Module\s+(?:for\s+\S+\s+)?([0-9][0-9.]+)", text)
    return match.group(1) if match else None


# -- optional runtimes ------------------------------------------------------------------------
def _probe_runtimes(torch: Any, problems: list[str]) -> dict[str, Any]:
    runtimes: dict[str, Any] = {}
    if torch is not None:
        runtimes["torch"] = {"version": str(torch.__version__),
                             "cuda": getattr(torch.version, "cuda", None),
                             "hip": getattr(torch.version, "hip", None)}
    ort = _import_optional("onnxruntime", problems)
    if ort is not None:
        try:
            runtimes["onnxruntime"] = {"version": ort.__version__,
                                       "providers": list(ort.get_available_providers())}
        except Exception as exc:
            problems.append(f"onnxruntime: {exc}")
    ov = _import_optional("openvino", problems)
    if ov is not None:
        try:
            runtimes["openvino"] = {"version": getattr(ov, "__version__", None),
                                    "devices": list(ov.Core().available_devices)}
        except Exception as exc:
            problems.append(f"openvino: {exc}")
    return runtimes


@functools.lru_cache(maxsize=1)
def detect_hardware() -> HardwareInfo:
    """Detect this machine's hardware; the result is cached for the process (the session)."""
    problems: list[str] = []
    cpu = _probe_cpu(problems)
    cpu_row = DeviceInfo(device="cpu", kind="cpu", name=cpu.model, vendor=cpu.vendor,
                         memory_bytes=cpu.ram_bytes,
                         extra={"physical_cores": cpu.physical_cores,
                                "logical_cpus": cpu.logical_cpus, "usable_cpus": cpu.usable_cpus,
                                "flags": list(cpu.flags), "architecture": cpu.architecture})
    reason = accelerator_evidence()
    torch = _import_optional("torch", problems) if reason else None
    accelerators = torch_devices(torch, problems) if torch is not None else []
    runtimes = _probe_runtimes(torch, problems)
    if reason is None:
        version = _installed_version("torch")
        if version:  # installed, but importing it (~1-3 s) would find no accelerator
            runtimes["torch"] = {"version": version, "probed": False}
    return HardwareInfo(cpu=cpu, devices=(cpu_row, *accelerators),
                        runtimes=runtimes, problems=tuple(problems))


#: Files whose presence means a GPU driver is loaded (CUDA, ROCm, oneAPI/XPU).
_DEVICE_NODES = ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia/version", "/dev/kfd",
                 "/dev/dxg")


def accelerator_evidence() -> str | None:
    """Why importing torch to probe accelerators is worth it, or None.

    Importing torch costs seconds; on a machine with no GPU driver it can find nothing,
    so it is skipped. ``IPFS_ACCEL_PROBE_TORCH=1`` forces the probe, ``=0`` disables it.
    """
    forced = os.environ.get("IPFS_ACCEL_PROBE_TORCH", "").strip().lower()
    if forced in {"0", "false", "no", "off"}:
        return None
    if forced in {"1", "true", "yes", "on"}:
        return "IPFS_ACCEL_PROBE_TORCH"
    if "torch" in sys.modules:
        return "torch already imported"
    if sys.platform == "darwin":
        return "macOS (MPS)"
    for node in _DEVICE_NODES:
        if os.path.exists(node):
            return node
    try:
        if any(name.startswith("renderD") for name in os.listdir("/dev/dri")):
            return "/dev/dri render node (XPU)"
    except OSError:
        pass
    return None


def _installed_version(dist: str) -> str | None:
    """The installed version of the distribution that provides the package ``dist``.

    ``importlib.metadata.version`` reads an index of every distribution on ``sys.path``
    (~8 ms in this project's environment); pip puts ``<name>-<version>.dist-info`` beside
    the package, so look there first.
    """
    import importlib.util
    from importlib import metadata

    try:
        spec = importlib.util.find_spec(dist)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return None
    for info in Path(spec.origin).parent.parent.glob(f"{dist}-*.dist-info"):
        version = info.name[len(dist) + 1:-len(".dist-info")]
        if version and (info / "METADATA").is_file():
            return version
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None
