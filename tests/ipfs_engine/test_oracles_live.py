"""Live fidelity checks: the engine against the oracles on fresh random inputs.

Skips where the oracles are not installed; fails in CI (strict mode), where
.ci/setup-oracles.sh installs them. The seed is in every failure message.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions, add_bytes, add_paths
from pytest_ipfs_accelerate.strict import missing_backend
from tests.ipfs_engine import engine_oracles as oracles
from tests.ipfs_engine.engine_vectors import materialize

SEED = random.randrange(1 << 32)
OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"cid_version": 1},
    {"raw_leaves": True},
    {"cid_version": 1, "raw_leaves": False},
    {"trickle": True},
    {"trickle": True, "cid_version": 1},
    {"trickle": True, "raw_leaves": True},
    {"inline": True},
    {"inline": True, "inline_limit": 100, "cid_version": 1},
]


@pytest.fixture
def js(request: pytest.FixtureRequest) -> None:
    if not oracles.js_available():
        missing_backend(request.config, "the JS UnixFS importer oracle", oracles.SETUP_HINT)


@pytest.fixture
def ipfs_cid(request: pytest.FixtureRequest) -> None:
    if not oracles.ipfs_cid_available():
        missing_backend(request.config, "Debian's ipfs_cid oracle", oracles.SETUP_HINT)


def _random_files(rng: random.Random, root: Path, chunk: int) -> list[Path]:
    sizes = [0, 1, chunk - 1, chunk, chunk + 1, 174 * chunk, 174 * chunk + 1,
             rng.randrange(1, 200 * chunk), rng.randrange(1, 40)]
    paths = []
    for i, size in enumerate(sizes):
        path = root / f"f{i:02d}-{size}"
        path.write_bytes(rng.randbytes(size))
        paths.append(path)
    return paths


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
def test_files_match_js_importer(js: None, options: dict[str, Any], tmp_path: Path) -> None:
    rng = random.Random(SEED)
    chunk = rng.choice([16, 100, 256, 1000])
    opts = {**options, "chunker": f"size-{chunk}"}
    paths = _random_files(rng, tmp_path, chunk)
    want = oracles.run_js(paths, opts)
    for path, expected in zip(paths, want, strict=True):
        got = add_bytes(path.read_bytes(), AddOptions(**opts), None)
        assert (str(got.cid), got.size) == (expected["cid"], expected["size"]), \
            f"seed={SEED} file={path.name} options={opts}"


def test_default_chunker_matches_ipfs_cid_and_js(js: None, ipfs_cid: None, tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    k = 262144
    for size in (0, rng.randrange(1, k), k + rng.randrange(1, k), rng.randrange(2 * k, 8 * k)):
        path = tmp_path / f"f{size}"
        path.write_bytes(rng.randbytes(size))
        got = add_bytes(path.read_bytes(), AddOptions(), None)
        want = oracles.run_ipfs_cid(path)
        assert str(got.cid) == want["CIDv0"], f"seed={SEED + 1} size={size}"
        assert str(got.cid.to_v1()) == want["CIDv1"]
    (entry,) = oracles.run_js([path], {})
    assert entry["cid"] == str(got.cid)


def _random_tree(rng: random.Random) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    names = ["a", "b", "B", ".h", "ü", "long-" + "n" * 40, "x.txt", ".git", "z"]
    for _ in range(rng.randrange(5, 25)):
        depth = rng.randrange(1, 4)
        rel = "/".join(rng.choice(names) + str(rng.randrange(3)) for _ in range(depth))
        if any(rel.startswith(k + "/") or k.startswith(rel + "/") or k == rel for k in tree):
            continue
        tree[rel] = rng.choice([0, 1, 100, 2000, None])
    return tree


@pytest.mark.parametrize("options", [{}, {"cid_version": 1}, {"hidden": True},
                                     {"wrap_with_directory": True, "trickle": True},
                                     {"shard_threshold": 200, "hidden": True}],
                         ids=["default", "v1", "hidden", "wrap-trickle", "hamt"])
def test_directories_match_js_importer(js: None, options: dict[str, Any], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(SEED + 2)
    root = tmp_path / "root"
    root.mkdir()
    tree = _random_tree(rng)
    if "shard_threshold" in options:
        # JS misjudges shards holding sub-directories (it sizes them before they are
        # flushed), so HAMTs are compared on flat directories of files only.
        tree = {f"n{i}-" + "x" * rng.randrange(30): rng.randrange(50) for i in range(60)}
    materialize(root, tree, SEED % 1000)
    monkeypatch.chdir(tmp_path)
    opts = {**options, "chunker": "size-256"}
    want = oracles.run_js(["root"], opts)
    got = add_paths(["root"], AddOptions(**opts), None, recursive=True)
    by_path = {e.name: (str(e.cid), e.size) for e in got}
    for entry in want:
        assert by_path.get(entry["path"]) == (entry["cid"], entry["size"]), \
            f"seed={SEED + 2} path={entry['path']} tree={tree} options={opts}"
    assert (str(got[-1].cid), got[-1].name) == (want[-1]["cid"], want[-1]["path"])
