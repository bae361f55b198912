#!/usr/bin/env python3
"""Generate tests/ipfs_engine/vectors.json from the CID oracles.

Inputs are regenerated from seeds (tests/ipfs_engine/engine_vectors.py), so the JSON holds
only specs and expected CIDs. Every case comes from the JS reference importer configured
like Kubo; cases with Kubo's default DAG options are also checked against Debian's
ipfs_cid, and the script stops if two oracles disagree. Needs .ci/setup-oracles.sh.

usage: python tools/oracles/generate_vectors.py [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "ipfs_engine"))
sys.path.insert(0, str(ROOT))

import engine_oracles as oracles  # noqa: E402
from engine_vectors import VECTORS, case_tree, content, materialize  # noqa: E402

from pytest_ipfs_accelerate.ipfs.engine.cid import CID  # noqa: E402

K = 262144
DEFAULT = {}
V1 = {"cid_version": 1}
V0_RAW = {"raw_leaves": True}
V1_PB = {"cid_version": 1, "raw_leaves": False}


def file_cases() -> list[dict[str, Any]]:
    cases = []

    def add(name: str, size: int, options: dict[str, Any], fill: str = "random") -> None:
        cases.append({"name": name, "seed": len(cases) + 1, "size": size, "fill": fill,
                      "options": options})

    # Default chunker around chunk and fan-out boundaries.
    for size in (0, 1, K - 1, K, K + 1, 3 * K + 7, 174 * K, 174 * K + 1):
        for label, opts in (("v0", DEFAULT), ("v1", V1)):
            add(f"default-{label}-{size}", size, opts)
    for size in (1, K, K + 1, 174 * K + 1):
        add(f"default-v0-raw-{size}", size, V0_RAW)
        add(f"default-v1-pb-{size}", size, V1_PB)
    add("zeros-1MiB-v0", 1 << 20, DEFAULT, "zeros")
    add("zeros-1MiB-v1", 1 << 20, V1, "zeros")
    # Small chunkers: sizes around the chunk and 174-link boundaries, then 3-level trees.
    for chunk in (1024, 256):
        spec = {"chunker": f"size-{chunk}"}
        for leaves in (1, 2, 174, 175):
            for size in (leaves * chunk - 1, leaves * chunk, leaves * chunk + 1):
                add(f"size-{chunk}-v0-{size}", size, spec)
                add(f"size-{chunk}-v1-{size}", size, {**spec, **V1})
        add(f"size-{chunk}-v0-raw-{174 * chunk + 1}", 174 * chunk + 1, {**spec, **V0_RAW})
    big = 174 * 174
    for size in (big * 256, big * 256 + 1):
        add(f"size-256-v0-{size}", size, {"chunker": "size-256"})
    add(f"size-256-v1-{big * 256 + 1}", big * 256 + 1, {"chunker": "size-256", **V1})
    add(f"size-16-v0-{(big + 175) * 16 + 3}", (big + 175) * 16 + 3, {"chunker": "size-16"})
    for chunk, size in ((1, 10), (1000, 5000), (4096, 10 ** 6 + 3), (1048576, 3 * 1048576 + 1)):
        add(f"size-{chunk}-v0-{size}", size, {"chunker": f"size-{chunk}"})
    # Trickle: 174 direct leaves, then 4 sub-trees per depth (repeat 4).
    per_depth = [174]
    for _ in range(3):
        per_depth.append(174 + 4 * sum(per_depth))
    trickle_leaves = [0, 1, 2, 174, 175, 174 * 5, 174 * 5 + 1]
    trickle_leaves += [174 + 4 * per_depth[0] + 4 * per_depth[1] + k for k in (0, 1)]
    trickle_leaves += [174 + 4 * sum(per_depth[:3]) + 1]
    for leaves in trickle_leaves:
        for label, opts in (("v0", DEFAULT), ("v1", V1)):
            size = leaves * 16 - (1 if leaves > 1 else 0)
            add(f"trickle-16-{label}-{size}", size, {"chunker": "size-16", "trickle": True, **opts})
    for size in (0, 12, K + 1):
        add(f"trickle-default-v0-{size}", size, {"trickle": True})
        add(f"trickle-default-v1-{size}", size, {"trickle": True, **V1})
    # Inline: identity CIDs for blocks <= limit.
    for size in (0, 1, 10, 20, 24, 25, 26, 31, 32, 33, 100, 3000):
        add(f"inline-v0-{size}", size, {"inline": True})
        add(f"inline-v1-{size}", size, {"inline": True, **V1})
    for size in (0, 40, 64, 65, 300):
        add(f"inline64-v0-chunk16-{size}", size, {"inline": True, "inline_limit": 64,
                                                 "chunker": "size-16"})
        add(f"inline64-v1-trickle-{size}", size, {"inline": True, "inline_limit": 64,
                                                 "chunker": "size-16", "trickle": True, **V1})
    return cases


BASIC_TREE = {
    "a.txt": 100,
    "b/c.txt": 2000,
    "b/d/e.bin": K + 5,
    "b/d/f": 0,
    "b/.h2/x": 5,
    ".hidden": 10,
    "empty": None,
    "z/link": {"symlink": "../a.txt"},
    "z/sub/deeper/file": 33,
    "Upper.txt": 1,
    "ünïcode.txt": 7,
}


def tree_cases() -> list[dict[str, Any]]:
    cases = []

    def add(name: str, tree: dict[str, Any], paths: list[str], options: dict[str, Any],
            recursive: bool = True) -> None:
        cases.append({"name": name, "seed": 1000 + 100 * len(cases), "tree": tree,
                      "paths": paths, "recursive": recursive, "options": options})

    for label, opts in (("v0", DEFAULT), ("v1", V1), ("v0-raw", V0_RAW), ("trickle", {"trickle": True})):
        add(f"basic-{label}", BASIC_TREE, ["root"], opts)
    add("basic-hidden", BASIC_TREE, ["root"], {"hidden": True})
    add("basic-wrap", BASIC_TREE, ["root"], {"wrap_with_directory": True})
    add("basic-wrap-hidden-v1", BASIC_TREE, ["root"], {"wrap_with_directory": True,
                                                       "hidden": True, **V1})
    add("basic-inline", BASIC_TREE, ["root"], {"inline": True})
    add("file-wrap", {"f.txt": 12}, ["root/f.txt"], {"wrap_with_directory": True})
    add("multi-wrap", {"x/one": 10, "y/two": 20, "y/three/3": 3},
        ["root/y", "root/x"], {"wrap_with_directory": True})
    add("empty-dir", {"e": None}, ["root/e"], DEFAULT)
    # HAMT: 2000 names of 100 bytes: estimate 2000 * (100 + 34) > 262144.
    add("hamt-default-v0", {"$hamt": [2000, 100]}, ["root/d"], DEFAULT)
    add("hamt-default-v1", {"$hamt": [2000, 100]}, ["root/d"], V1)
    add("basic-below-hamt-v0", {"$hamt": [1900, 100]}, ["root/d"], DEFAULT)
    # Threshold boundary with a small threshold: 10 names of 16 bytes + 34 = 500.
    add("hamt-threshold-equal", {"$hamt": [10, 16]}, ["root/d"], {"shard_threshold": 500})
    add("hamt-threshold-below", {"$hamt": [10, 16]}, ["root/d"], {"shard_threshold": 499})
    add("hamt-small-many", {"$hamt": [600, 8]}, ["root/d"], {"shard_threshold": 1000})
    add("hamt-small-many-wrap-v1", {"$hamt": [300, 8]}, ["root/d"],
        {"shard_threshold": 1000, "wrap_with_directory": True, **V1})
    return cases


def murmur_vectors() -> list[dict[str, str]]:
    inputs = ["", "a", "hello", "000001-xxxxxxxxx", "The quick brown fox jumps over the lazy dog",
              "x" * 15, "x" * 16, "x" * 17, "ünïcode", "0123456789abcdefghijklmnopqrstuvwxyz"]
    script = (
        "import { murmur3128 } from '@multiformats/murmur3';"
        "const out = [];"
        "for (const s of JSON.parse(process.argv[1])) {"
        "  const d = await murmur3128.encode(new TextEncoder().encode(s));"
        "  out.push({input: s, x64_128: Buffer.from(d).toString('hex')}); }"
        "console.log(JSON.stringify(out));")
    run = subprocess.run(["node", "--input-type=module", "-e", script, json.dumps(inputs)],
                         capture_output=True, text=True, cwd=oracles.ORACLES_DIR, check=True)
    return json.loads(run.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=VECTORS)
    args = parser.parse_args()
    if not (oracles.js_available() and oracles.ipfs_cid_available()):
        parser.error(f"oracles missing: {oracles.SETUP_HINT}")
    files = file_cases()
    with tempfile.TemporaryDirectory() as tmp:
        for case in files:
            path = Path(tmp) / "input.bin"
            path.write_bytes(content(case["seed"], case["size"], case["fill"]))
            (entry,) = oracles.run_js([path], case["options"])
            case["cid"], case["cumulative_size"] = entry["cid"], entry["size"]
            case["oracles"] = ["ipfs-unixfs-importer"]
            opts = case["options"]
            if opts == DEFAULT:
                # ipfs_cid's "CIDv1" is the same v0 DAG with its root written as CIDv1.
                got = oracles.run_ipfs_cid(path)
                v1 = CID.decode(case["cid"]).to_v1().encode()
                if (got["CIDv0"], got["CIDv1"]) != (case["cid"], v1):
                    raise SystemExit(f"oracles disagree on {case['name']}: ipfs_cid {got}, "
                                     f"JS {case['cid']}")
                case["oracles"].append("ipfs_cid")
            print(f"{case['name']}: {case['cid']}", file=sys.stderr)
    trees = tree_cases()
    for case in trees:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "root"
            root.mkdir()
            materialize(root, case_tree(case), case["seed"])
            entries = oracles.run_js(case["paths"], case["options"], cwd=tmp)
            if "$hamt" in case["tree"]:  # keep the directories only: files are trivial
                case["entry_count"] = len(entries)
                entries = [e for e in entries if e["path"].count("/") == 0 or e["path"] == ""]
            case["entries"] = entries
            case["oracles"] = ["ipfs-unixfs-importer"]
            print(f"{case['name']}: {entries[-1]['cid']} ({len(entries)} entries)",
                  file=sys.stderr)
    lock = json.loads((oracles.ORACLES_DIR / "package-lock.json").read_text())
    versions = {name.split("node_modules/")[-1]: meta.get("version")
                for name, meta in lock.get("packages", {}).items()
                if name.split("node_modules/")[-1] in ("ipfs-unixfs-importer", "@ipld/dag-pb",
                                                       "multiformats", "@multiformats/murmur3")}
    ipfs_cid_version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "ipfs-cid"],
                                      capture_output=True, text=True).stdout.strip()
    doc = {
        "generator": "tools/oracles/generate_vectors.py",
        "oracles": {**versions, "ipfs-cid (Debian)": ipfs_cid_version},
        "inputs": "tests/ipfs_engine/engine_vectors.py: content(seed, size, fill), "
                  "materialize(root, tree, seed)",
        "published_kubo": [
            {"name": "empty-v0", "size": 0, "fill": "zeros", "options": {},
             "cid": "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"},
            {"name": "empty-v1", "size": 0, "fill": "zeros", "options": {"cid_version": 1},
             "cid": "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"},
            {"name": "hello-world", "text": "hello world\n", "options": {},
             "cid": "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"},
            {"name": "zeros-1MiB", "size": 1 << 20, "fill": "zeros", "options": {},
             "cid": "QmVkbauSDEaMP4Tkq6Epm9uW75mWm136n81YH8fGtfwdHU"},
            {"name": "empty-dir", "tree": {}, "options": {},
             "cid": "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"},
        ],
        "files": files,
        "trees": trees,
        "murmur3_x64_128": murmur_vectors(),
    }
    args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}: {len(files)} files, {len(trees)} trees", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
