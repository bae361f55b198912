"""tox.ini, read by tox's own config loader: envlist, factors, env vars, one DB per env."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TOX_INI = Path(__file__).resolve().parents[2] / "tox.ini"
PYTHONS = ("py310", "py311", "py312", "py313")
HARDWARE = ("cpu", "cuda", "rocm", "mps")


@pytest.fixture(scope="module")
def state() -> Any:
    pytest.importorskip("tox")
    from tox.run import setup_state

    return setup_state(["-c", str(TOX_INI), "l"])


def test_envlist_is_python_by_hardware_plus_report(state: Any) -> None:
    names = list(state.envs.iter(only_active=False))
    expected = {*PYTHONS, *(f"{p}-{h}" for p in PYTHONS for h in HARDWARE), "report"}
    assert set(names) == expected


@pytest.mark.parametrize("hardware", HARDWARE)
def test_hardware_factor_sets_device_torch_and_db(state: Any, hardware: str) -> None:
    conf = state.envs[f"py311-{hardware}"].conf
    assert conf["set_env"].load("IPFS_ACCEL_HARDWARE") == hardware
    assert "torch" in conf["extras"]
    assert [str(d) for d in conf["deps"].lines()] == ["torch==2.13.0"]
    passed = set(conf["pass_env"])
    assert {"CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES"} <= passed
    (command,) = conf["commands"]
    assert command.args[-1].endswith(f"results/py311-{hardware}.duckdb")
    if hardware == "cpu":
        assert conf["set_env"].load("PIP_EXTRA_INDEX_URL").endswith("/whl/cpu")


def test_plain_envs_have_no_torch(state: Any) -> None:
    conf = state.envs["py312"].conf
    assert "torch" not in conf["extras"]
    assert "IPFS_ACCEL_HARDWARE" not in conf["set_env"]


def test_report_merges_after_every_test_env(state: Any) -> None:
    conf = state.envs["report"].conf
    depends = set(conf["depends"])
    assert {"py311-cpu", "py313-mps", "py310"} <= depends
    commands = [" ".join(c.args) for c in conf["commands"]]
    assert "ipfs-accel merge" in commands[0] and "results/py*.duckdb" in commands[0]
