"""The ``ipfs add`` options that shape a DAG, validated as Kubo validates them.

Each field is a Kubo flag (``--raw-leaves`` is ``raw_leaves``); ``None`` means "not
given", so Kubo's defaults and implications apply (:meth:`AddOptions.effective_*`). Bad
values raise :class:`AddError` (or the chunker's and multihash's errors) with Kubo's
own message.
"""

from __future__ import annotations

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine import hamt, multihash
from pytest_ipfs_accelerate.ipfs.engine.chunker import ChunkerSpec, parse_chunker
from pytest_ipfs_accelerate.ipfs.engine.values import FrozenValue, set_fields

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from typing import Any

DEFAULT_MAX_LINKS = 174


class AddError(IpfsAccelError, ValueError):
    """A path or an option cannot be added (a directory without -r, a bad value...)."""


class AddOptions(FrozenValue):
    """The ``ipfs add`` options that shape the DAG, with Kubo's defaults."""

    __slots__ = ("cid_version", "raw_leaves", "chunker", "trickle", "inline", "inline_limit",
                 "hash", "wrap_with_directory", "hidden", "shard_threshold", "max_file_links",
                 "max_directory_links", "max_hamt_fanout", "empty_dirs", "mode", "mtime",
                 "mtime_nsecs", "preserve_mode", "preserve_mtime", "dereference_symlinks",
                 "dereference_args", "ignore", "ignore_rules_path", "hamt_size_estimation",
                 "pb_field_order")
    cid_version: int | None  # None: 0, or 1 when the hash is not sha2-256
    raw_leaves: bool | None  # None: Kubo's default, True iff CIDv1
    chunker: str
    trickle: bool
    inline: bool
    inline_limit: int
    hash: str
    wrap_with_directory: bool
    hidden: bool
    #: boxo HAMTShardingSize / Kubo Import.UnixFSHAMTDirectorySizeThreshold; 0 disables.
    shard_threshold: int
    max_file_links: int
    #: Links of a basic directory before it becomes a HAMT (0: no limit).
    max_directory_links: int
    max_hamt_fanout: int
    empty_dirs: bool
    mode: int  # --mode: permission bits stored in every entry (0: none)
    mtime: int  # --mtime: seconds since the epoch stored in every entry (0: none)
    mtime_nsecs: int
    preserve_mode: bool
    preserve_mtime: bool
    dereference_symlinks: bool
    dereference_args: bool
    ignore: tuple[str, ...]
    ignore_rules_path: str | None
    #: Kubo Import.UnixFSHAMTDirectorySizeEstimation: links, block or disabled (no flag).
    hamt_size_estimation: str
    #: Kubo Import.UnixFSPBNodeFieldOrder: links-first (dag-pb's) or data-first (IPIP-550).
    pb_field_order: str

    def __init__(self, cid_version: int | None = None, raw_leaves: bool | None = None,
                 chunker: str = "size-262144", trickle: bool = False, inline: bool = False,
                 inline_limit: int = 32, hash: str = "sha2-256",
                 wrap_with_directory: bool = False, hidden: bool = False,
                 shard_threshold: int = hamt.DEFAULT_THRESHOLD,
                 max_file_links: int = DEFAULT_MAX_LINKS, max_directory_links: int = 0,
                 max_hamt_fanout: int = hamt.DEFAULT_FANOUT, empty_dirs: bool = True,
                 mode: int = 0, mtime: int = 0, mtime_nsecs: int = 0,
                 preserve_mode: bool = False, preserve_mtime: bool = False,
                 dereference_symlinks: bool = False, dereference_args: bool = False,
                 ignore: tuple[str, ...] = (), ignore_rules_path: str | None = None,
                 hamt_size_estimation: str = hamt.SIZE_ESTIMATIONS[0],
                 pb_field_order: str = hamt.FIELD_ORDERS[0]) -> None:
        set_fields(self, locals())
        self._check()

    def _check(self) -> None:
        if self.inline and self.inline_limit > multihash.MAX_IDENTITY_DIGEST:
            raise AddError(f"inline-limit {self.inline_limit} exceeds maximum allowed size "
                           f"of {multihash.MAX_IDENTITY_DIGEST} bytes")
        if self.has_metadata and self.raw_leaves:
            raise AddError("raw-leaves can't be used with UnixFS metadata like mode or "
                           "modification time")
        if not self.mtime and self.mtime_nsecs:
            raise AddError('option "mtime-nsecs" requires "mtime" to be provided as well')
        if multihash.check_name(self.hash) != "sha2-256" and self.cid_version == 0:
            raise AddError("CIDv0 only supports sha2-256")
        if self.cid_version is not None and self.cid_version > 1:
            raise AddError(f"unknown CID version: {self.cid_version}")
        parse_chunker(self.chunker)
        if self.hamt_size_estimation not in hamt.SIZE_ESTIMATIONS:
            raise AddError("Import.UnixFSHAMTDirectorySizeEstimation must be \"links\", "
                           f"\"block\", or \"disabled\", got \"{self.hamt_size_estimation}\"")
        if self.pb_field_order not in hamt.FIELD_ORDERS:
            raise AddError("Import.UnixFSPBNodeFieldOrder must be \"links-first\" or "
                           f"\"data-first\", got \"{self.pb_field_order}\"")
        width = self.max_hamt_fanout
        if width != hamt.DEFAULT_FANOUT and not (hamt.valid_fanout(width) and width <= 1024):
            raise AddError(f"HAMT fanout must be a power of 2, between 8 and 1024 (got {width})")

    @property
    def hash_name(self) -> str:
        """The canonical hash name (``SHA2-256`` -> ``sha2-256``, ``sha3`` -> ``sha3-512``)."""
        return multihash.check_name(self.hash)

    @property
    def effective_cid_version(self) -> int:
        """Kubo switches to CIDv1 when the hash is not sha2-256."""
        if self.cid_version is not None and self.cid_version >= 0:  # Kubo: -1 is unset
            return self.cid_version
        return 1 if self.hash_name != "sha2-256" else 0

    @property
    def data_first(self) -> bool:
        """dag-pb nodes written Data first (IPIP-550)."""
        return self.pb_field_order == "data-first"

    @property
    def has_metadata(self) -> bool:
        """Whether entries carry a mode or a modification time (UnixFS 1.5)."""
        return bool(self.mode or self.mtime or self.preserve_mode or self.preserve_mtime)

    @property
    def effective_raw_leaves(self) -> bool:
        """Raw leaves unless set: only with CIDv1, and never with metadata, as Kubo does."""
        if self.raw_leaves is not None:
            return self.raw_leaves
        return self.effective_cid_version == 1 and not self.has_metadata

    @property
    def effective_max_links(self) -> int:
        """Links per file node (Kubo: a value below 1 means the default, 174)."""
        return self.max_file_links if self.max_file_links > 0 else DEFAULT_MAX_LINKS

    @property
    def chunker_spec(self) -> ChunkerSpec:
        return parse_chunker(self.chunker)

    @property
    def fanout(self) -> int:
        """The width of HAMT shards (boxo: --max-hamt-fanout when valid, else 256)."""
        width = self.max_hamt_fanout
        return width if hamt.valid_fanout(width) else hamt.DEFAULT_FANOUT

    @classmethod
    def from_kubo_args(cls, **values: Any) -> AddOptions:
        """Options from ``ipfs add`` flag values by Python name; ``None`` means not given."""
        return cls(**{k: v for k, v in values.items() if v is not None})
