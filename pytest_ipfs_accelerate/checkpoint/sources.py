"""Where a checkpoint comes from: a safetensors file, a sharded folder, or an IPFS CID.

A CID is fetched through a node or client (anything with ``get(cid, target_dir)`` or
``cat(cid) -> bytes``) and verified before anything is loaded: the fetched bytes are
re-imported with the CID's add options by our own UnixFS engine, and the root CID must
equal the one asked for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.checkpoint.cache import CheckpointCache
from pytest_ipfs_accelerate.checkpoint.errors import (
    CheckpointError,
    CheckpointIndexError,
    CheckpointNotFoundError,
    CidMismatchError,
)

INDEX_NAME = "model.safetensors.index.json"
SINGLE_NAME = "model.safetensors"


@dataclass
class CheckpointSource:
    """A resolved checkpoint: its files, which file holds each tensor, and its metadata."""

    files: list[Path]
    weight_map: dict[str, Path]
    metadata: dict[str, str]
    origin: str  # the path, or ipfs://CID
    cid: str | None = None
    nbytes: int = 0
    index: dict[str, Any] = field(default_factory=dict)


def open_local(path: str | Path) -> CheckpointSource:
    """Resolve a local safetensors file, or a folder with an index (or one model.safetensors)."""
    path = Path(path)
    if not path.exists():
        raise CheckpointNotFoundError(f"checkpoint {path} does not exist: pass a .safetensors "
                                      f"file, a folder with {INDEX_NAME}, or an IPFS CID")
    if path.is_file():
        keys = _keys(path)
        return CheckpointSource([path], dict.fromkeys(keys, path), read_metadata(path), str(path),
                                nbytes=path.stat().st_size)
    index_path = path / INDEX_NAME
    if not index_path.exists():
        if (path / SINGLE_NAME).is_file():
            return open_local(path / SINGLE_NAME)
        raise CheckpointNotFoundError(f"checkpoint folder {path} has neither {INDEX_NAME} nor "
                                      f"{SINGLE_NAME}: is this a sharded safetensors checkpoint?")
    return _open_sharded(path, index_path)


def _open_sharded(folder: Path, index_path: Path) -> CheckpointSource:
    try:
        index = json.loads(index_path.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointIndexError(f"{index_path}: not valid JSON ({exc}); regenerate the index") \
            from None
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict) or not weight_map or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in weight_map.items()):
        raise CheckpointIndexError(f"{index_path}: needs a non-empty 'weight_map' object of "
                                   "tensor name -> shard file name")
    shards: dict[str, Path] = {}
    for shard in dict.fromkeys(weight_map.values()):
        shard_path = (folder / shard).resolve()
        if folder.resolve() not in shard_path.parents:
            raise CheckpointIndexError(f"{index_path}: shard {shard!r} points outside {folder}")
        if not shard_path.is_file():
            needed = [k for k, v in weight_map.items() if v == shard]
            raise CheckpointNotFoundError(
                f"checkpoint {folder}: shard {shard!r} named by {INDEX_NAME} is missing "
                f"({len(needed)} tensors need it, e.g. {needed[0]!r}); fetch the complete checkpoint")
        shards[shard] = shard_path
    mapping = {name: shards[shard] for name, shard in weight_map.items()}
    for shard, shard_path in shards.items():
        present = set(_keys(shard_path))
        absent = [k for k, v in weight_map.items() if v == shard and k not in present]
        if absent:
            raise CheckpointIndexError(f"{index_path}: tensor {absent[0]!r} is mapped to shard "
                                       f"{shard!r}, which does not contain it")
    files = list(shards.values())
    metadata = {**read_metadata(files[0]), **{k: str(v) for k, v in
                                             (index.get("metadata") or {}).items()
                                             if isinstance(v, str)}}
    return CheckpointSource(files, mapping, metadata, str(folder),
                            nbytes=sum(f.stat().st_size for f in files), index=index)


def _keys(path: Path) -> list[str]:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            return list(handle.keys())
    except Exception as exc:  # safetensors raises its own SafetensorError
        raise CheckpointError(f"{path}: not a readable safetensors file ({exc})") from None


def read_metadata(path: str | Path) -> dict[str, str]:
    """The string metadata of one safetensors file (empty if it has none)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        return dict(handle.metadata() or {})


# -- IPFS -----------------------------------------------------------------------------------
def parse_cid(text: str) -> Any | None:
    """The CID that ``text`` names (``CID``, ``/ipfs/CID`` or ``ipfs://CID``), or None."""
    from pytest_ipfs_accelerate.ipfs.engine.cid import CID

    text = text.strip()
    for prefix in ("ipfs://", "/ipfs/"):
        text = text.removeprefix(prefix)
    if not text or "/" in text:
        return None
    try:
        return CID.decode(text)
    except Exception:
        return None


def add_options_for(cid: Any, overrides: Mapping[str, Any] | None = None) -> Any:
    """The add options that would produce ``cid`` with Kubo's defaults for its version."""
    from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions

    return AddOptions(**{"cid_version": cid.version, **dict(overrides or {})})


def root_cid_of(path: Path, options: Any) -> Any:
    """Re-import ``path`` (a file or folder) without storing blocks; the root CID."""
    from pytest_ipfs_accelerate.ipfs.engine import importer

    if path.is_dir():
        return importer.add_path(path, options, None, recursive=True)[-1].cid
    with path.open("rb") as stream:
        return importer.add_stream(stream, options, None).cid


def fetch_cid(cid_text: str, source: Any, workdir: Path,
              add_options: Mapping[str, Any] | None = None,
              cache: CheckpointCache | None = None) -> Path:
    """Fetch ``cid_text`` from ``source`` into ``workdir`` and verify it; the local path.

    With a ``cache``, a valid cached copy is used instead of fetching (it is re-verified
    first), and a verified fetch is stored in it.
    """
    cid = parse_cid(cid_text)
    if cid is None:
        raise CheckpointError(f"{cid_text!r} is not a CID")
    options = add_options_for(cid, add_options)
    key = str(cid.to_v1())
    if cache is not None:
        hit = cache.lookup(key, lambda p: root_cid_of(p, options).to_v1() == cid.to_v1())
        if hit is not None:
            return hit
    workdir.mkdir(parents=True, exist_ok=True)
    text = str(cid)
    try:
        if hasattr(source, "get"):
            result = source.get(text, workdir)
            path = Path(result) if isinstance(result, (str, Path)) else workdir / text
        elif hasattr(source, "cat"):
            path = workdir / f"{text}.safetensors"
            path.write_bytes(source.cat(text))
        else:
            raise CheckpointError(f"cannot fetch {text}: {type(source).__name__} has neither "
                                  "get(cid, target_dir) nor cat(cid); pass an IPFS node or client")
    except CheckpointError:
        raise
    except Exception as exc:
        raise CheckpointNotFoundError(f"cannot fetch checkpoint {text} from "
                                      f"{type(source).__name__}: {exc}") from exc
    if not path.exists():
        raise CheckpointNotFoundError(f"fetching {text} wrote nothing at {path}")
    actual = root_cid_of(path, options)
    if actual.to_v1() != cid.to_v1():
        raise CidMismatchError(
            f"checkpoint bytes fetched for {text} hash to {actual}, not {text}: the node "
            "returned other or corrupted data; nothing was loaded. Re-publish the checkpoint "
            "or pass the add options it was published with (add_options=...)")
    return cache.store(key, path) if cache is not None else path


def resolve_checkpoint(checkpoint: str | Path, *, node: Any = None, client: Any = None,
                       workdir: str | Path | None = None,
                       add_options: Mapping[str, Any] | None = None,
                       cache: CheckpointCache | None = None) -> CheckpointSource:
    """Resolve a path or CID to a :class:`CheckpointSource` (a CID is fetched and verified)."""
    if isinstance(checkpoint, Path) or Path(str(checkpoint)).exists():
        return open_local(checkpoint)
    cid = parse_cid(str(checkpoint))
    if cid is None:
        return open_local(checkpoint)  # raises "does not exist"
    source = node if node is not None else client
    if source is None:
        raise CheckpointError(f"checkpoint {checkpoint} is a CID: pass node= or client= to "
                              "fetch it")
    if workdir is None:
        import tempfile

        workdir = tempfile.mkdtemp(prefix="ipfs-accel-ckpt-")
    local = fetch_cid(str(checkpoint), source, Path(workdir), add_options, cache)
    resolved = open_local(local)
    resolved.cid = str(cid)
    resolved.origin = f"ipfs://{cid}"
    return resolved
