"""The simulated IPFS node: an in-process Kubo look-alike over a verified blockstore.

It produces Kubo's CIDs (through the CID/UnixFS engine), pins like Kubo, garbage-collects
unpinned blocks, fetches missing blocks from connected peers (bitswap-like, in-process)
and injects seeded faults. It knows nothing about pytest or HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine import dag_codecs, ed25519, exporter, ipns, multihash
from pytest_ipfs_accelerate.ipfs.engine.car import CarError, car_chunks, read_car, walk_dag
from pytest_ipfs_accelerate.ipfs.engine.cid import CID, CODECS_BY_NAME, RAW, cid_for_block
from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError, IpfsNodeError
from pytest_ipfs_accelerate.ipfs.engine.kubo_release import (
    KUBO_VERSION,
    REPO_VERSION,
    default_config,
)
from pytest_ipfs_accelerate.ipfs.node import add
from pytest_ipfs_accelerate.ipfs.node.backend import Added
from pytest_ipfs_accelerate.ipfs.node.blockstore import FlatfsBlockstore, MemoryBlockstore, verify
from pytest_ipfs_accelerate.ipfs.node.config_keys import guard, set_key
from pytest_ipfs_accelerate.ipfs.node.errors import BlockNotFoundError, NodeOfflineError, PinError
from pytest_ipfs_accelerate.ipfs.node.faults import FaultConfig, FaultInjector
from pytest_ipfs_accelerate.ipfs.node.import_config import at_start
from pytest_ipfs_accelerate.ipfs.node.keystore import Keystore
from pytest_ipfs_accelerate.ipfs.node.kubo_profiles import PROFILES, changes_layout, transformed
from pytest_ipfs_accelerate.ipfs.node.mfs import EMPTY_DIR, Mfs
from pytest_ipfs_accelerate.ipfs.node.pins import PinSet

_counter = itertools.count()


def identity_seed(seed: bytes) -> bytes:
    """The node's Ed25519 private seed, derived from its repo's identity bytes."""
    return hashlib.sha256(b"simulated-peer:" + seed).digest()


def peer_id_for(seed: bytes) -> tuple[str, str]:
    """The Ed25519 peer ID (``12D3KooW...``) and base64 protobuf public key of ``seed``."""
    public = ed25519.public_key(identity_seed(seed))
    pubkey_pb = ipns.public_key_protobuf(public)
    return ipns.peer_id(public), base64.b64encode(pubkey_pb).decode("ascii")


class SimulatedNode:
    """An in-process IPFS node. ``repo`` keeps blocks on disk (``<repo>/blocks``)."""

    backend_name = "simulated"
    is_simulated = True

    def __init__(self, repo: str | os.PathLike[str] | None = None, *,
                 faults: FaultConfig | None = None, name: str | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 profiles: Sequence[str] = (),
                 repo_config: Mapping[str, Any] | None = None) -> None:
        self.name = name or f"sim{next(_counter)}"
        #: Kubo profiles applied over the test profile, as ``ipfs init --profile test,...``.
        self.profiles = tuple(profiles)
        #: Dotted keys set in the repo's config before the node starts, as ``ipfs config
        #: --json KEY VALUE`` between ``ipfs init`` and ``ipfs daemon``.
        self.repo_config = dict(repo_config or {})
        self._initial = self._initial_config()  # what `ipfs init --profile` would write
        #: Options the config set when the node was made (Kubo reads these at start).
        self.import_at_start = at_start(self._initial)
        self.repo = Path(repo) if repo is not None else None
        if self.repo is not None:
            self.repo.mkdir(parents=True, exist_ok=True)
            self.blockstore: Any = FlatfsBlockstore(self.repo / "blocks")
            identity = self._repo_identity()
        else:
            self.blockstore = MemoryBlockstore()
            identity = os.urandom(16)
        self.peer_id, self.public_key = peer_id_for(identity)
        self.keys = Keystore(identity_seed(identity), self.repo)
        self.mfs = Mfs(self.get_block, self.put_block, self._mfs_file, self.repo,
                       options=self.import_at_start)
        self.pins = PinSet(self._child_cids,
                           self.repo / "pins.json" if self.repo is not None else None)
        self.faults = FaultInjector(faults, sleep=sleep)
        self.peers: list[SimulatedNode] = []
        self.api_addr: str | None = None
        self.fetched_from_peers = 0
        self._config: dict[str, Any] | None = None
        #: After a whole new document was set (``config replace``, ``config profile
        #: apply``): that document, as Kubo's daemon keeps it in memory while its file
        #: (:attr:`config`) got it merged over the old one. None: the two are the same.
        self.config_in_memory: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @property
    def config(self) -> dict[str, Any]:
        """The node's configuration document, shaped as Kubo's (``kubo_release``'s defaults)
        with this node's identity, API address and storage; ``config`` changes it in
        memory (a repo does not keep it)."""
        if self._config is None:
            config, self._initial = self._initial, {}
            config["Identity"] = {"PeerID": self.peer_id}
            if self.api_addr:
                config["Addresses"]["API"] = self.api_addr
            config["Datastore"]["Spec"] = {"type": "simulated",
                                           "path": str(self.repo) if self.repo else ""}
            self._config = config
        return self._config

    def _initial_config(self) -> dict[str, Any]:
        """Kubo's test-profile document with this node's profiles applied, then its
        ``repo_config`` keys set; an unknown profile, one that changes the datastore (the
        node's store is fixed), or a key ``ipfs config`` would refuse, refused."""
        config = default_config()
        for name in self.profiles:
            if name not in PROFILES:
                raise IpfsNodeError(f"{name!r} is not one of Kubo's profiles: "
                                    f"{', '.join(sorted(PROFILES))}")
            new = transformed(name, config)
            if changes_layout(config, new):
                raise IpfsNodeError(f"profile {name!r} gives the repo another datastore; the "
                                    "simulated node's store is fixed (use a real Kubo for it)")
            config = new
        for key, value in self.repo_config.items():
            guard(key)
            if key.split(".")[0] in ("Identity", "Datastore"):
                raise IpfsNodeError(f"repo_config {key!r}: the simulated node's identity and "
                                    "store are its own; set other keys")
            set_key(config, key, value)
        return config

    def __repr__(self) -> str:
        where = str(self.repo) if self.repo else "memory"
        return f"<SimulatedNode {self.name} {self.peer_id[:16]}… {where}>"

    def _repo_identity(self) -> bytes:
        assert self.repo is not None
        path = self.repo / "identity"
        if not path.exists():
            path.write_bytes(os.urandom(16))
        return path.read_bytes()

    # -- peers and blocks ------------------------------------------------------------

    def connect(self, other: SimulatedNode) -> None:
        """Connect two nodes both ways, so each can fetch the other's blocks."""
        if not isinstance(other, SimulatedNode):
            raise BadRequestError(f"cannot connect {self!r} to {other!r}: nodes connect only "
                                  "to nodes of the same backend")
        if other is self:
            return
        if other not in self.peers:
            self.peers.append(other)
        if self not in other.peers:
            other.peers.append(self)

    def disconnect(self, other: SimulatedNode) -> None:
        if other in self.peers:
            self.peers.remove(other)
        if self in other.peers:
            other.peers.remove(self)

    def configure_faults(self, config: FaultConfig) -> None:
        """Replace this node's fault configuration (reseeds)."""
        self.faults.configure(config)

    def has_local(self, cid: CID) -> bool:
        return self.blockstore.has(cid)

    def get_block(self, cid: CID) -> bytes:
        """A verified block: local, else fetched from a peer (and kept, like bitswap)."""
        if self.blockstore.has(cid):
            return self.blockstore.get(cid)
        if not self.peers:
            raise BlockNotFoundError(str(cid), "not in the local blockstore, no peers connected")
        if self.faults.config.offline:
            raise NodeOfflineError(
                f"block {cid} is not local and node {self.name} is offline; set offline=False "
                f"in its FaultConfig or add the content locally")
        for peer in self.peers:
            if peer.faults.config.offline or not peer.blockstore.has(cid):
                continue
            data = peer.blockstore.get(cid)
            self.faults.before("fetch", len(data))
            self.blockstore.put(cid, data)
            self.fetched_from_peers += 1
            return data
        raise BlockNotFoundError(str(cid), f"not local and none of {len(self.peers)} peer(s) "
                                           f"has it")

    def put_block(self, cid: CID, data: bytes) -> None:
        self.blockstore.put(cid, data)

    def _mfs_file(self, data: bytes, **options: Any) -> str:
        """A file written through MFS: a trickle DAG, as Kubo's MFS writes new files."""
        return self._import([("", data)], pin=False, trickle=True, **options)[-1].cid

    def _child_cids(self, cid_text: str) -> list[str]:
        cid = CID.decode(cid_text)
        if cid.codec == RAW or cid.is_identity:
            return []
        return [str(c) for c in dag_codecs.links_of(cid, self.get_block(cid))]

    def _resolve(self, path: str) -> CID:
        if path.startswith("/ipns/"):
            path = self.keys.resolve(path)
        return exporter.resolve(self.get_block, path)

    # -- add ---------------------------------------------------------------------

    def add_bytes(self, data: bytes, *, name: str = "", pin: bool = True,
                  **options: Any) -> Added:
        """Add one file's bytes; returns the root entry (the wrapper with
        ``wrap_with_directory``). Options are ``ipfs add``'s, with underscores."""
        self.faults.before("add", len(data))
        return self._import([(name, data)], pin=pin, **options)[-1]

    def add_entries(self, entries: Iterable[tuple[str, Any]], *, pin: bool = True,
                    **options: Any) -> list[Added]:
        """Add files and directories given as (relative path, data) pairs, where data is
        bytes, a readable stream (imported as it is read, in bounded memory), ``None`` for a
        directory, or a :class:`~pytest_ipfs_accelerate.ipfs.node.add.Symlink`.

        ``entries`` is consumed lazily, in order. Returns every entry in Kubo's order
        (files, then directories, root last).
        """
        self.faults.before("add", 0)
        return self._import(entries, pin=pin, **options)

    def add_path(self, path: str | os.PathLike[str], *, recursive: bool = True,
                 hidden: bool = False, pin: bool = True, **options: Any) -> list[Added]:
        """Add a file or (with ``recursive``) a directory from disk, as ``ipfs add [-r]``."""
        self.faults.before("add", 0)
        added, roots = add.add_path(self, Path(path), recursive=recursive, hidden=hidden,
                                    **options)
        return self._pinned(added, roots, pin and not options.get("only_hash"))

    def _import(self, items: Iterable[tuple[str, Any]], *, pin: bool,
                **options: Any) -> list[Added]:
        added, roots = add.add_entries(self, items, **options)
        return self._pinned(added, roots, pin and not options.get("only_hash"))

    def _pinned(self, added: list[Added], roots: list[str], pin: bool) -> list[Added]:
        if pin:  # the add stored every block of these DAGs just now
            for root in roots:
                self.pins.add(root, recursive=True, stored=True)
        return added

    # -- read ----------------------------------------------------------------------

    def cat(self, path: str, offset: int = 0, length: int | None = None) -> bytes:
        """A file's bytes (``offset``/``length`` as ``ipfs cat``)."""
        return b"".join(self.cat_iter(path, offset, length))

    def cat_iter(self, path: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        self.faults.before("cat")
        cid = self._resolve(path)
        for chunk in exporter.iter_file(self.get_block, cid, offset, length):
            self.faults.transfer("cat", len(chunk))
            yield chunk

    def get(self, path: str, target: str | os.PathLike[str], name: str | None = None) -> Path:
        """Write the file or directory at ``path`` into ``target`` (never outside it)."""
        self.faults.before("get")
        cid = self._resolve(path)
        return exporter.export_to_dir(self.get_block, cid, target, name)

    def tar(self, path: str) -> Iterator[bytes]:
        """``ipfs get --archive``: a tar stream of ``path``."""
        self.faults.before("get")
        cid = self._resolve(path)
        name = path.rstrip("/").split("/")[-1] if "/" in path.strip("/") else str(cid)
        return exporter.tar_stream(self.get_block, cid, name)

    def ls(self, path: str) -> list[dict[str, Any]]:
        """Links of a directory (or a file's chunks): Name, Hash, Size, Type (Kubo's ls)."""
        self.faults.before("ls")
        cid = self._resolve(path)
        info = exporter.stat(self.get_block, cid)
        if info.type == "directory":
            links = [(e.name, e.cid)
                     for e in exporter.dir_entries(self.get_block, cid, by_name=True)]
        else:
            links = [(link.name, link.cid) for link in exporter.file_links(self.get_block, cid)]
        out = []
        for name, child in links:
            child_info = exporter.stat(self.get_block, child)
            kind = {"directory": 1, "symlink": 4}.get(child_info.type, 2)
            out.append({"Name": name, "Hash": str(child),
                        "Size": child_info.size if kind == 2 else 0,
                        "Type": kind, "Target": ""})
        return out

    def stat(self, path: str) -> dict[str, Any]:
        """``ipfs files stat /ipfs/...``: Hash, Size, CumulativeSize, Blocks, Type."""
        self.faults.before("stat")
        cid = self._resolve(path)
        info = exporter.stat(self.get_block, cid)
        return {"Hash": str(cid), "Size": info.size, "CumulativeSize": info.cumulative_size,
                "Blocks": info.blocks, "Type": info.type, "Local": self.blockstore.has(cid)}

    # -- pins ------------------------------------------------------------------------

    def pin_add(self, path: str, recursive: bool = True) -> list[str]:
        self.faults.before("pin_add")
        cid = str(self._resolve(path))
        self.pins.add(cid, recursive=recursive)
        return [cid]

    def pin_rm(self, path: str, recursive: bool = True) -> list[str]:
        self.faults.before("pin_rm")
        cid = str(self._resolve(path))
        self.pins.remove(cid, recursive=recursive)
        return [cid]

    def pin_ls(self, type_: str = "all", paths: Iterable[str] = ()) -> dict[str, str]:
        """``{cid: "recursive"|"direct"|"indirect"}``; with ``paths``, only those (error if
        one is not pinned), an indirect one as Kubo names it: ``"indirect through ROOT"``."""
        self.faults.before("pin_ls")
        wanted = list(paths)
        if not wanted:
            return self.pins.listing(type_)
        out: dict[str, str] = {}
        for path in wanted:
            cid = str(self._resolve(path))
            kind = self.pins.type_of(cid)
            if kind is None or (type_ != "all" and kind != type_):
                raise PinError(f"path '{path}' is not pinned")
            out[cid] = kind if kind != "indirect" else \
                f"indirect through {self.pins.indirect_root(cid)}"
        return out

    # -- blocks ------------------------------------------------------------------------

    def block_put(self, data: bytes, codec: str = "raw", mhtype: str = "sha2-256",
                  version: int = 1, pin: bool = False) -> str:
        """Store one block; returns its CID (CIDv1 unless ``version=0`` and dag-pb)."""
        self.faults.before("block_put", len(data))
        code = CODECS_BY_NAME.get(codec)
        if code is None:
            raise BadRequestError(f"unknown cid-codec {codec!r}; use raw, dag-pb, dag-json...")
        try:
            cid = cid_for_block(data, code, version, mhtype)
        except ValueError as exc:
            raise BadRequestError(f"block put: {exc}") from None
        self.blockstore.put(cid, data)
        if pin:
            self.pins.add(str(cid), recursive=True)
        return str(cid)

    def block_get(self, cid: str) -> bytes:
        self.faults.before("block_get")
        data = self.get_block(exporter.parse_cid(cid))
        self.faults.transfer("block_get", len(data))
        return data

    def block_stat(self, cid: str) -> dict[str, Any]:
        self.faults.before("block_stat")
        parsed = exporter.parse_cid(cid)
        return {"Key": str(parsed), "Size": len(self.get_block(parsed))}

    def block_rm(self, cid: str, force: bool = False) -> None:
        """Remove a block; pinned blocks (any pin type) are refused, as in Kubo."""
        self.faults.before("block_rm")
        parsed = exporter.parse_cid(cid)
        kind = self.pins.type_of(str(parsed))
        if kind is not None:
            raise PinError(f"cannot remove {parsed}: pinned: {kind}")
        if not self.blockstore.delete(parsed) and not force:
            raise BlockNotFoundError(str(parsed), "cannot remove a block that is not stored")

    # -- dag -------------------------------------------------------------------------

    def dag_get(self, path: str) -> Any:
        """The node at ``path`` in dag-json form (Kubo's ``dag get`` output)."""
        self.faults.before("dag_get")
        cid = self._resolve(path)
        return dag_codecs.to_json_value(cid, self.get_block(cid))

    def dag_put(self, value: Any, store_codec: str = "dag-cbor", input_codec: str = "dag-json",
                pin: bool = False, hash: str = "sha2-256") -> str:
        """Store a dag-json value as ``store_codec`` (dag-pb, dag-json, raw); returns a CIDv1
        whose multihash is ``hash``'s (a multicodec name, as Kubo's ``dag put --hash``)."""
        self.faults.before("dag_put")
        if hash not in multihash.HASHES:
            raise BadRequestError(f'unknown multicodec: "{hash}"')
        data, code = dag_codecs.encode_for_store(value, store_codec, input_codec)
        cid = cid_for_block(data, code, 1, hash)
        self.blockstore.put(cid, data)
        if pin:
            self.pins.add(str(cid), recursive=True)
        return str(cid)

    def dag_export(self, path: str) -> Iterator[bytes]:
        """``ipfs dag export``: the DAG under ``path`` as a CARv1 stream."""
        self.faults.before("dag_export")
        root = self._resolve(path)
        self.get_block(root)  # a missing root fails before the stream starts, as in Kubo

        def blocks() -> Iterator[tuple[CID, bytes]]:
            for cid, data in walk_dag(root, self.get_block):
                self.faults.transfer("dag_export", len(data))
                yield cid, data

        yield from car_chunks([root], blocks())

    def dag_import(self, stream: Any, pin_roots: bool = True) -> list[str]:
        """``ipfs dag import``: store a CARv1's blocks (each verified); pin its roots."""
        self.faults.before("dag_import")
        try:
            roots, sections = read_car(stream)
            for cid, data in sections:
                self.blockstore.put(cid, verify(cid, data, "CAR import"))
        except CarError as exc:
            raise BadRequestError(f"dag import: {exc}") from None
        if pin_roots:
            for root in roots:
                self.pins.add(str(root), recursive=True)
        return [str(root) for root in roots]

    # -- repo ----------------------------------------------------------------------------

    def repo_stat(self) -> dict[str, Any]:
        mhs = list(self.blockstore.multihashes())
        return {"RepoSize": sum(self.blockstore.size_of(mh) for mh in mhs),
                "StorageMax": 10_000_000_000, "NumObjects": len(mhs),
                "RepoPath": str(self.repo) if self.repo else f"memory:{self.name}",
                "Version": f"fs-repo@{REPO_VERSION}"}

    def gc(self) -> list[str]:
        """Remove every block not reachable from a pin; returns the removed CIDs (raw v1)."""
        self.faults.before("gc")
        keep: set[bytes] = set()
        mfs_root = [self.mfs.root] if self.mfs.root != EMPTY_DIR else []  # a GC root
        for cid_text in self.pins.walk([*self.pins.roots(), *mfs_root]):
            keep.add(CID.decode(cid_text).multihash)
        removed = []
        for mh in list(self.blockstore.multihashes()):
            if mh not in keep and self.blockstore.delete_multihash(mh):
                removed.append(str(CID(1, RAW, mh)))
        return removed

    @property
    def online(self) -> bool:
        """Whether it has peers to talk to; without, it answers as ``ipfs daemon --offline``."""
        return bool(self.peers) and not self.faults.config.offline

    def id(self) -> dict[str, Any]:
        online = self.online
        addrs = [f"/ip4/127.0.0.1/tcp/4001/p2p/{self.peer_id}"] if online else None
        protocols = ["/ipfs/bitswap/1.2.0", "/ipfs/id/1.0.0"] if online else None
        return {"ID": self.peer_id, "PublicKey": self.public_key, "Addresses": addrs,
                "AgentVersion": f"kubo/{KUBO_VERSION}/simulated", "Protocols": protocols}

    def version(self) -> dict[str, Any]:
        return {"Version": KUBO_VERSION, "Commit": "simulated", "Repo": REPO_VERSION,
                "System": "simulated/pytest-ipfs-accelerate", "Golang": "none (simulated)"}

    def swarm_peers(self) -> list[dict[str, Any]]:
        return [{"Addr": "/ip4/127.0.0.1/tcp/4001", "Peer": p.peer_id, "Latency": "",
                 "Muxer": "", "Direction": 0, "Streams": None} for p in self.peers]

    def close(self) -> None:
        """Drop peer links (blocks on disk stay in the repo)."""
        for peer in list(self.peers):
            self.disconnect(peer)
