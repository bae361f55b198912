"""The pytest side end to end (pytester): accel_device ids, profiles, the hardware marker."""

from __future__ import annotations

import pytest

DEVICE_TEST = """
import pytest

def test_dev(accel_device, request):
    props = dict(request.node.user_properties)
    assert props["ipfs_accel_device"] == accel_device.label
    assert props["ipfs_accel_simulated"] is accel_device.is_simulated
    if accel_device.is_simulated:
        assert accel_device.torch_device == "cpu"
    print("DEVICE", accel_device.test_id, accel_device.name, accel_device.memory_bytes)
"""


@pytest.fixture(autouse=True)
def _not_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "IPFS_ACCEL_STRICT", "IPFS_ACCEL_HARDWARE", "IPFS_ACCEL_HW_PROFILES",
                 "IPFS_ACCEL_HARDWARE_DEVICES", "IPFS_ACCEL_HARDWARE_PROFILES"):
        monkeypatch.delenv(name, raising=False)


def test_ids_show_real_and_simulated_devices(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(DEVICE_TEST)
    result = pytester.runpytest("--ipfs-accel-hardware=cpu", "--ipfs-accel-hw-profile",
                                "cuda:H100-80GB x2", "--ipfs-accel-hw-profile=mps:M2-16GB",
                                "-v", "-s")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([
        "*test_dev[[]cpu[]] DEVICE cpu *",
        "*test_dev[[]sim-cuda:0-H100-80GB[]] DEVICE *",
        "*test_dev[[]sim-cuda:1-H100-80GB[]] DEVICE sim-cuda:1-H100-80GB NVIDIA H100 80GB HBM3 "
        "85899345920",
        "*test_dev[[]sim-mps-M2-16GB[]] DEVICE sim-mps-M2-16GB Apple M2 17179869184",
    ])


def test_profiles_from_env_and_config(pytester: pytest.Pytester,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(DEVICE_TEST)
    monkeypatch.setenv("IPFS_ACCEL_HW_PROFILES", "cuda:T4-16GB; cuda:L4-24GB")
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*sim-cuda:1-L4-24GB*PASSED*"])


def test_devices_and_profiles_from_config_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(DEVICE_TEST)
    pytester.makefile(".toml", ipfs_accelerate="""
        [hardware]
        devices = ["cpu"]
        profiles = ["cuda:custom-24GB", "xpu:Max1550-128GB"]
    """)
    result = pytester.runpytest("-v", "-s")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_dev[[]sim-cuda:0-custom-24GB[]] DEVICE * 25769803776",
                                 "*sim-xpu:0-Max1550-128GB*"])


def test_command_line_beats_config_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(DEVICE_TEST)
    pytester.makefile(".toml", ipfs_accelerate='[hardware]\ndevices = "cpu,cuda"\n')
    result = pytester.runpytest("-v", "--ipfs-accel-hardware=cpu")
    result.assert_outcomes(passed=1)


def test_unknown_device_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(DEVICE_TEST)
    result = pytester.runpytest("--ipfs-accel-hardware=cpu,tpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown device 'tpu'*"])


def test_bad_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(DEVICE_TEST)
    result = pytester.runpytest("--ipfs-accel-hw-profile=cuda:H100")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown device 'H100'*known:*"])


MARKED = """
import pytest

@pytest.mark.hardware("cuda", min_memory_gb=40)
def test_needs_big_gpu(accel_device):
    assert accel_device.memory_bytes >= 40 * 2**30

@pytest.mark.hardware("xpu")
def test_needs_xpu_no_fixture():
    pass
"""


def test_marker_skips_with_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MARKED)
    result = pytester.runpytest("--ipfs-accel-hardware=cpu", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*device cuda is not available*",
                                 "*a xpu device is not available*"])


def test_marker_fails_in_strict_mode(pytester: pytest.Pytester,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(MARKED)
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest("--ipfs-accel-hardware=cpu")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) == 0
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == 2
    result.stdout.fnmatch_lines(["*strict mode*"])


def test_marker_filters_devices_and_checks_memory(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MARKED)
    result = pytester.runpytest("--ipfs-accel-hardware=cpu", "-v", "-rs",
                                "--ipfs-accel-hw-profile=cuda:T4-16GB",
                                "--ipfs-accel-hw-profile=cuda:A100-80GB")
    result.stdout.fnmatch_lines([
        "*test_needs_big_gpu[[]sim-cuda:0-T4-16GB[]] SKIPPED*",
        "*test_needs_big_gpu[[]sim-cuda:1-A100-80GB[]] PASSED*",
    ])
    assert "test_needs_big_gpu[cpu]" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*Tesla T4 has 16.0 GiB*"])


def test_hardware_hook_rows(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        def pytest_sessionfinish(session):
            rows = session.config.hook.pytest_ipfs_accel_hardware(config=session.config)
            print("ROWS", [(r["device"], r["kind"], r["is_simulated"]) for r in rows])
    """)
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("-s", "--ipfs-accel-hw-profile=rocm:MI300X-192GB")
    result.stdout.fnmatch_lines(["*ROWS [[]('cpu', 'cpu', False)*('cuda:0', 'rocm', True)[]]*"])


def test_accel_timer_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
        def test_t(accel_timer, accel_device):
            with accel_timer as t:
                sum(range(1000))
            assert t.elapsed_s > 0 and accel_timer.device is accel_device
    """)
    pytester.runpytest("--ipfs-accel-hardware=cpu").assert_outcomes(passed=1)


def test_accel_device_without_torch_is_cpu_only(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import importlib.abc, sys

        class BlockTorch(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "torch" or name.startswith("torch."):
                    raise ImportError("torch is blocked for this test")

        sys.modules.pop("torch", None)
        sys.meta_path.insert(0, BlockTorch())
    """)
    pytester.makepyfile("""
        import sys

        def test_dev(accel_device):
            assert accel_device.label == "cpu"
            assert "torch" not in sys.modules
    """)
    result = pytester.runpytest_subprocess("--ipfs-accel-hardware=auto", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_dev[[]cpu[]] PASSED*"])
