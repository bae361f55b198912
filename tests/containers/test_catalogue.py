"""The image marketplace: catalogue parsing, its errors, filters and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_ipfs_accelerate.cli import main
from pytest_ipfs_accelerate.containers.backend import CatalogueError
from pytest_ipfs_accelerate.containers.catalogue import (
    detected_hardware,
    engine_images,
    filter_images,
    load_catalogue,
    parse_filters,
)
from pytest_ipfs_accelerate.containers.simulated import SimulatedBackend

CATALOGUE = """\
# images we test against
[[image]]
name = "pytest-ipfs-accel/busybox"
tags = ["test"]
labels = { purpose = "tests" }
size = 1982417
hardware = ["cpu"]

[[image]]
name = "example/torch-cuda"
tags = ["2.13", "latest"]
labels = { purpose = "inference", framework = "torch" }
size = "7.5GB"
hardware = ["cuda"]

[[image]]
name = "example/torch-rocm"
tags = ["2.13"]
size = "6 GiB"
hardware = ["rocm", "cpu"]
"""


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    path = tmp_path / "images.toml"
    path.write_text(CATALOGUE)
    return path


def test_catalogue_loads_every_field(catalogue: Path) -> None:
    busybox, cuda, rocm = load_catalogue(catalogue)
    assert busybox.refs() == ["pytest-ipfs-accel/busybox:test"]
    assert cuda.labels == {"purpose": "inference", "framework": "torch"}
    assert cuda.size == 7_500_000_000 and rocm.size == 6 * 2**30
    assert cuda.hardware == ("cuda",) and rocm.hardware == ("rocm", "cpu")
    assert {e.source for e in (busybox, cuda, rocm)} == {"catalogue"}


@pytest.mark.parametrize(("filters", "names"), [
    (["name=example/*"], ["example/torch-cuda", "example/torch-rocm"]),
    (["name=*busybox:test"], ["pytest-ipfs-accel/busybox"]),
    (["tag=latest"], ["example/torch-cuda"]),
    (["label=framework"], ["example/torch-cuda"]),
    (["label=purpose=tests"], ["pytest-ipfs-accel/busybox"]),
    (["hardware=rocm"], ["example/torch-rocm"]),
    (["runs-on=detected"], ["pytest-ipfs-accel/busybox", "example/torch-rocm"]),
    (["runs-on=cuda", "name=example/*"], ["example/torch-cuda", "example/torch-rocm"]),
])
def test_filters(catalogue: Path, filters: list[str], names: list[str]) -> None:
    entries = load_catalogue(catalogue)
    got = filter_images(entries, parse_filters(filters), hardware={"cpu"})
    assert [e.name for e in got] == names


def test_detected_hardware_always_has_cpu() -> None:
    assert "cpu" in detected_hardware()


@pytest.mark.parametrize(("text", "message"), [
    ("[[image]]\nname = \n", r"images\.toml: not valid TOML: .*line 2"),
    ("[[image]]\nname = \"a\"\n\n[[image]]\nname = \"b\"\nhardware = [\"tpu\"]\n",
     r"images\.toml:4: image #2 \(b\): key 'hardware'"),
    ("[[image]]\nname = \"a\"\ncolour = \"red\"\n", r"images\.toml:1: image #1: unknown key.*colour"),
    ("[[image]]\ntags = [\"x\"]\n", r"images\.toml:1: image #1: key 'name' is required"),
    ("[[image]]\nname = \"a\"\nsize = \"big\"\n", r"key 'size': 'big' is not a size"),
    ("[[image]]\nname = \"a\"\nlabels = { n = 1 }\n", r"key 'labels' must be a table of strings"),
    ("[images]\nname = \"a\"\n", r"unknown top-level key"),
])
def test_malformed_catalogue_names_file_line_and_key(tmp_path: Path, text: str,
                                                      message: str) -> None:
    path = tmp_path / "images.toml"
    path.write_text(text)
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(path)


def test_engine_images_carry_hardware_label() -> None:
    entries = engine_images(SimulatedBackend(state_file=False))
    assert [(e.name, e.tags, e.source, e.hardware) for e in entries] == [
        ("pytest-ipfs-accel/busybox", ("test",), "local", ("cpu",))]


def test_cli_images_filters_and_errors(catalogue: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["containers", "images", "--no-engine", "--catalogue", str(catalogue),
                 "--filter", "hardware=cuda", "--format", "json"]) == 0
    assert [e["name"] for e in json.loads(capsys.readouterr().out)] == ["example/torch-cuda"]
    assert main(["containers", "images", "--backend", "simulated", "--catalogue",
                 str(catalogue), "--filter", "source=local"]) == 0
    out = capsys.readouterr().out
    assert "pytest-ipfs-accel/busybox" in out and "local" in out and "example/" not in out
    assert main(["containers", "images", "--no-engine", "--filter", "colour=red"]) == 2
    assert "bad image filter 'colour=red'" in capsys.readouterr().err
    bad = catalogue.with_name("bad.toml")
    bad.write_text("[[image]]\nname = 3\n")
    assert main(["containers", "images", "--no-engine", "--catalogue", str(bad)]) == 2
    assert "bad.toml:1: image #1: key 'name'" in capsys.readouterr().err
