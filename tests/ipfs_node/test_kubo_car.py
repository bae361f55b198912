"""``dag export`` of the simulated node and of real Kubo: byte-identical CAR files.

The same content is added to both (the simulated node in process, Kubo through its RPC
API) and exported; the CARs must be equal byte for byte: header, block order and blocks.
"""

from __future__ import annotations

import os
import random

import pytest

from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
from pytest_ipfs_accelerate.ipfs.rpc.kubo_daemon import KuboDaemon


@pytest.fixture(scope="module")
def kubo(kubo_bin: str):
    with KuboDaemon(kubo_bin) as daemon:
        yield daemon.backend()


def _tree(root, rng: random.Random) -> None:
    for rel, size in [("a", 10), ("b/c", 300_000), ("b/d/e", 0), ("big", 700_000),
                      ("same-1", 5), ("same-2", 5)]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size) if not rel.startswith("same") else b"dupe!")
    (root / "empty").mkdir()
    os.symlink("a", root / "ln")


@pytest.mark.parametrize("options", [{}, {"cid_version": 1}, {"raw_leaves": True},
                                     {"trickle": True, "chunker": "size-1000"},
                                     {"inline": True}, {"chunker": "size-64", "max_file_links": 3}],
                         ids=["default", "v1", "raw", "trickle", "inline", "deep"])
def test_dag_export_is_byte_identical(kubo, tmp_path, options) -> None:
    _tree(tmp_path / "t", random.Random(5))
    sim = SimulatedNode()
    ours = sim.add_path(tmp_path / "t", **options)[-1].cid
    theirs = kubo.add_path(tmp_path / "t", **options)[-1].cid
    assert ours == theirs
    car_ours = b"".join(sim.dag_export(ours))
    car_kubo = b"".join(kubo.dag_export(theirs))
    assert len(car_ours) == len(car_kubo) and car_ours == car_kubo


def test_hamt_directory_car_is_byte_identical(kubo, tmp_path) -> None:
    root = tmp_path / "h"
    root.mkdir()
    for i in range(2100):  # past the 256 KiB estimate: a HAMT
        (root / f"{i:05d}-{'x' * 120}").write_bytes(str(i).encode())
    sim = SimulatedNode()
    cid = sim.add_path(root)[-1].cid
    assert kubo.add_path(root)[-1].cid == cid
    assert b"".join(sim.dag_export(cid)) == b"".join(kubo.dag_export(cid))
