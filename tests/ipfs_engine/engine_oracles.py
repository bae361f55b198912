"""Run the independent CID oracles: the JS reference importer and Debian's ipfs_cid."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

ORACLES_DIR = Path(__file__).resolve().parents[2] / "tools" / "oracles"
JS_SCRIPT = ORACLES_DIR / "unixfs-import.mjs"
SETUP_HINT = "run .ci/setup-oracles.sh (apt-get install ipfs-cid; npm ci in tools/oracles)"


def js_available() -> bool:
    return shutil.which("node") is not None and (
        ORACLES_DIR / "node_modules" / "ipfs-unixfs-importer").is_dir()


def ipfs_cid_available() -> bool:
    return shutil.which("ipfs_cid") is not None


def js_args(options: dict[str, Any]) -> list[str]:
    """Oracle command-line arguments for AddOptions keyword arguments."""
    cid_version = options.get("cid_version", 0)
    args = ["--cid-version", str(cid_version)]
    raw = options.get("raw_leaves")
    if raw is not None:
        args += ["--raw-leaves", "true" if raw else "false"]
    chunker = options.get("chunker", "size-262144")
    args += ["--chunk-size", chunker.split("-", 1)[1]]
    if options.get("trickle"):
        args += ["--layout", "trickle"]
    if options.get("inline"):
        args += ["--inline-limit", str(options.get("inline_limit", 32))]
    if options.get("wrap_with_directory"):
        args.append("--wrap")
    if options.get("hidden"):
        args.append("--hidden")
    if "shard_threshold" in options:
        args += ["--shard-threshold", str(options["shard_threshold"])]
    return args


def run_js(paths: list[str | Path], options: dict[str, Any],
           cwd: str | Path | None = None) -> list[dict[str, Any]]:
    """Entries ``{"path", "cid", "size"}`` from the JS importer."""
    cmd = ["node", str(JS_SCRIPT), *js_args(options), *map(str, paths)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def run_ipfs_cid(path: str | Path) -> dict[str, str]:
    """``{"CIDv0", "CIDv1"}`` from Debian's ipfs_cid (default chunker, dag-pb leaves)."""
    out = subprocess.run(["ipfs_cid", str(path)], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"ipfs_cid {path} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)
