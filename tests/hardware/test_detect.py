"""Detection: this machine's /proc/cpuinfo facts, fake torch answers, torch missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from pytest_ipfs_accelerate.hardware import detect
from pytest_ipfs_accelerate.hardware.detect import detect_hardware, parse_cpuinfo, torch_devices

CPUINFO = Path("/proc/cpuinfo")

SAMPLE = """\
processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
physical id\t: 0
core id\t: 0
cpu cores\t: 2
flags\t\t: fpu sse4_2 avx avx2 avx512f amx_tile amx_bf16

processor\t: 1
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
physical id\t: 0
core id\t: 0
flags\t\t: fpu sse4_2 avx avx2 avx512f amx_tile amx_bf16

processor\t: 2
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
physical id\t: 0
core id\t: 1
flags\t\t: fpu sse4_2 avx avx2 avx512f amx_tile amx_bf16
"""


def test_parse_cpuinfo_counts_threads_and_cores() -> None:
    parsed = parse_cpuinfo(SAMPLE)
    assert parsed["model"] == "Intel(R) Xeon(R) Platinum 8480+"
    assert parsed["vendor"] == "GenuineIntel"
    assert parsed["logical"] == 3
    assert parsed["physical"] == 2  # two distinct (physical id, core id) pairs
    assert {"avx2", "avx512f", "amx_tile"} <= parsed["flags"]


@pytest.mark.skipif(not CPUINFO.exists(), reason="needs Linux /proc/cpuinfo")
def test_detect_matches_proc_cpuinfo() -> None:
    text = CPUINFO.read_text()
    info = detect_hardware()
    models = [ln.split(":", 1)[1].strip() for ln in text.splitlines()
              if ln.lower().startswith("model name")]
    if models:
        assert info.cpu.model == models[0]
    flags_lines = [ln for ln in text.splitlines() if ln.startswith(("flags", "Features"))]
    flags = set(flags_lines[0].split(":", 1)[1].split()) if flags_lines else set()
    assert info.cpu.has_avx2 == ("avx2" in flags)
    assert info.cpu.has_avx512 == ("avx512f" in flags)
    assert info.cpu.has_amx == any(f.startswith("amx") for f in flags)
    assert info.cpu.logical_cpus == os.cpu_count()
    assert info.cpu.usable_cpus == len(os.sched_getaffinity(0))
    assert info.cpu.ram_bytes == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cpu_row = info.rows()[0]
    assert cpu_row["device"] == "cpu" and cpu_row["kind"] == "cpu"
    assert cpu_row["is_simulated"] is False


def test_detect_is_cached() -> None:
    assert detect_hardware() is detect_hardware()


def test_rows_have_the_hardware_table_keys() -> None:
    keys = {"device", "kind", "name", "vendor", "memory_bytes", "compute_capability",
            "driver_version", "runtime_version", "is_simulated", "extra"}
    for row in detect_hardware().rows():
        assert set(row) == keys
    json.dumps(detect_hardware().to_dict())  # JSON-ready


def _props(name: str, mem: int, major: int, minor: int, **kw: object) -> SimpleNamespace:
    return SimpleNamespace(name=name, total_memory=mem, major=major, minor=minor,
                           multi_processor_count=132, **kw)


def _fake_torch(cuda_props: list[SimpleNamespace], hip: str | None = None,
                mps: bool = False) -> SimpleNamespace:
    return SimpleNamespace(
        version=SimpleNamespace(cuda=None if hip else "12.4", hip=hip),
        cuda=SimpleNamespace(is_available=lambda: bool(cuda_props),
                             device_count=lambda: len(cuda_props),
                             get_device_properties=lambda i: cuda_props[i]),
        backends=SimpleNamespace(mps=SimpleNamespace(is_available=lambda: mps)),
    )


def test_torch_devices_reads_cuda_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "nvidia_driver_version", lambda: "550.54.15")
    fake = _fake_torch([_props("NVIDIA H100 80GB HBM3", 85 * 10**9, 9, 0),
                        _props("NVIDIA L4", 24 * 10**9, 8, 9)])
    problems: list[str] = []
    devices = torch_devices(fake, problems)
    assert [d.device for d in devices] == ["cuda:0", "cuda:1"]
    assert devices[0].compute_capability == "9.0" and devices[1].compute_capability == "8.9"
    assert devices[0].memory_bytes == 85 * 10**9
    assert devices[0].driver_version == "550.54.15" and devices[0].runtime_version == "12.4"
    assert {d.kind for d in devices} == {"cuda"} and problems == []


def test_torch_devices_reads_rocm_and_mps() -> None:
    fake = _fake_torch([_props("AMD Instinct MI300X", 192 * 2**30, 9, 4,
                               gcnArchName="gfx942:sramecc+:xnack-")], hip="6.2.1", mps=True)
    devices = torch_devices(fake, [])
    assert devices[0].kind == "rocm" and devices[0].vendor == "AMD"
    assert devices[0].runtime_version == "6.2.1"
    assert devices[0].compute_capability.startswith("gfx942")
    assert devices[1].device == "mps" and devices[1].kind == "mps"


def test_a_failing_probe_is_noted_not_raised() -> None:
    def boom() -> bool:
        raise RuntimeError("CUDA driver initialization failed")

    fake = _fake_torch([])
    fake.cuda.is_available = boom
    problems: list[str] = []
    assert torch_devices(fake, problems) == []
    assert problems and "CUDA driver initialization failed" in problems[0]


def test_without_torch_detection_is_cpu_only(tmp_path: Path) -> None:
    script = tmp_path / "no_torch.py"
    script.write_text(textwrap.dedent("""
        import importlib.abc, json, sys

        class BlockTorch(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ImportError("torch is blocked for this test")
                return None

        sys.meta_path.insert(0, BlockTorch())
        from pytest_ipfs_accelerate.hardware import detect_hardware
        info = detect_hardware()
        print(json.dumps({"devices": [d.device for d in info.devices],
                          "torch": "torch" in info.runtimes,
                          "loaded": "torch" in sys.modules}))
    """))
    env = {**os.environ, "IPFS_ACCEL_PROBE_TORCH": "1"}  # probe even without a GPU driver
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=60, check=True, env=env)
    result = json.loads(out.stdout)
    assert result == {"devices": ["cpu"], "torch": False, "loaded": False}


def test_torch_is_not_imported_without_a_gpu_driver(tmp_path: Path) -> None:
    script = ("import json, sys\n"
              "from pytest_ipfs_accelerate.hardware import detect_hardware\n"
              "from pytest_ipfs_accelerate.hardware.detect import accelerator_evidence\n"
              "info = detect_hardware()\n"
              "print(json.dumps({'loaded': 'torch' in sys.modules,\n"
              "                  'evidence': accelerator_evidence(),\n"
              "                  'torch': info.runtimes.get('torch')}))\n")
    env = {k: v for k, v in os.environ.items() if k != "IPFS_ACCEL_PROBE_TORCH"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, check=True, env=env)
    result = json.loads(out.stdout)
    if result["evidence"] is not None:
        pytest.skip(f"this machine has a GPU driver: {result['evidence']}")
    assert result["loaded"] is False
    if result["torch"] is not None:  # installed: reported from its metadata, not probed
        assert result["torch"]["probed"] is False


def test_cli_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from pytest_ipfs_accelerate.cli import hardware as cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["hardware", "--profile", "cuda:A100-40GB x2"])
    assert args.func(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["devices"][0]["device"] == "cpu"
    assert [d["device"] for d in data["simulated"]] == ["cuda:0", "cuda:1"]
    assert all(d["is_simulated"] for d in data["simulated"])


def test_installed_version_reads_the_dist_info_beside_the_package(tmp_path, monkeypatch):
    from pytest_ipfs_accelerate.hardware.detect import _installed_version

    pkg = tmp_path / "fakepkg_ipfs_accel"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    info = tmp_path / "fakepkg_ipfs_accel-1.2.3+cpu.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakepkg_ipfs_accel\n"
                                   "Version: 1.2.3+cpu\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _installed_version("fakepkg_ipfs_accel") == "1.2.3+cpu"
    assert _installed_version("no_such_package_ipfs_accel") is None
