"""``ipfs add``'s flags, declared once: Kubo 0.43.1's names, short aliases, types, defaults.

From :data:`ADD_FLAGS` come the argparse arguments of ``ipfs-accel ipfs add`` and
``verify`` (:func:`add_arguments`), the RPC server's reading of ``add`` query arguments
(:func:`from_query`) and the importer's :class:`AddOptions` (:func:`add_options`).

Every flag Kubo's ``add`` has is here, with what it does in this engine: it shapes the
DAG (``dag``), changes the output, is accepted and has nothing to do without a daemon
(``--progress``, ``--fast-provide-*``, ``--fscache``), or is refused with Kubo's own
message (``refusal``). A boolean flag is a switch (``--trickle``), also spelled
``--trickle=true`` / ``--trickle=false`` (and ``-t=false``) as Kubo allows.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping

from pytest_ipfs_accelerate.ipfs.engine.add_options import AddOptions
from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError
from pytest_ipfs_accelerate.ipfs.engine.option_values import go_int, parse_bool, parse_int
from pytest_ipfs_accelerate.ipfs.engine.values import FrozenValue, set_fields

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from typing import Any


def go_uint(text: str) -> int:
    """A Kubo uint option as Go's ``strconv.ParseUint(s, 0, 32)`` reads it (``0644`` is
    octal, ``4755`` decimal)."""
    try:
        return go_int(text.strip(), 32, signed=False)
    except ValueError:
        raise ValueError(f"invalid integer {text!r}") from None


class AddFlag(FrozenValue):
    """One ``ipfs add`` flag."""

    __slots__ = ("name", "help", "kind", "short", "default", "metavar", "dag", "refusal")
    name: str  # Kubo's name: --NAME on the command line, ?NAME= in an RPC query
    help: str
    kind: Any  # bool, int, str, list (repeatable str), or a parser such as go_uint
    short: str  # one-letter alias: -s on the command line, ?s= in a query
    default: Any  # None: not given (the importer applies Kubo's default)
    metavar: str | None
    dag: bool  # shapes the DAG: a field of AddOptions
    #: Kubo's error when the flag is set: this engine cannot do it (no daemon, no MFS).
    refusal: str

    def __init__(self, name: str, help: str, kind: Any = bool, short: str = "",
                 default: Any = False, metavar: str | None = None, dag: bool = False,
                 refusal: str = "") -> None:
        set_fields(self, locals())

    @property
    def dest(self) -> str:
        """The Python name: the argparse dest, the node's keyword, the AddOptions field."""
        return self.name.replace("-", "_")

    def add_argument(self, parser: argparse.ArgumentParser) -> None:
        """This flag's argparse argument(s)."""
        spellings = ([f"-{self.short}"] if self.short else []) + [f"--{self.name}"]
        common: dict[str, Any] = {"dest": self.dest, "default": self.default}
        if self.kind is list:
            parser.add_argument(*spellings, action="append", metavar=self.metavar,
                                help=self.help, **common)
        elif self.kind is not bool:
            parser.add_argument(*spellings, type=self.kind, metavar=self.metavar,
                                help=self.help, **common)
        else:
            parser.add_argument(*spellings, action="store_const", const=True, help=self.help,
                                **common)
            # argparse matches these whole strings, so Kubo's --flag=false parses too.
            for spelling in spellings:
                for text, value in (("true", True), ("false", False)):
                    parser.add_argument(f"{spelling}={text}", action="store_const",
                                        const=value, help=argparse.SUPPRESS, **common)

    def parse(self, raw: str | None) -> Any:
        """The value of this flag from query text (``None``: not given)."""
        if raw is None:
            return self.default
        if self.kind is bool:
            return parse_bool(self.name, raw, bool(self.default))
        if self.kind is int:
            return parse_int(self.name, raw, self.default)
        if self.kind is go_uint:
            try:
                return go_uint(raw)
            except ValueError:
                raise BadRequestError(f'invalid value "{raw}" for option "{self.name}": '
                                      "expected an unsigned integer") from None
        if self.kind is list:
            return [raw]
        return raw


_NOCOPY = ("either the filestore or the urlstore must be enabled to use nocopy, see: "
           "https://github.com/ipfs/kubo/blob/master/docs/experimental-features.md"
           "#ipfs-filestore")

ADD_FLAGS: tuple[AddFlag, ...] = (
    AddFlag("recursive", "Add directory paths recursively.", short="r"),
    AddFlag("dereference-args", "Symlinks supplied in arguments are dereferenced.", dag=True),
    AddFlag("stdin-name", "Assign a name if the file source is stdin.", str, default=None,
            metavar="NAME"),
    AddFlag("hidden", "Include files that are hidden. Only takes effect on recursive add.",
            short="H", dag=True),
    AddFlag("ignore", "A rule (.gitignore-stype) defining which file(s) should be ignored "
            "(variadic, experimental).", list, default=None, metavar="RULE", dag=True),
    AddFlag("ignore-rules-path", "A path to a file with .gitignore-style ignore rules "
            "(experimental).", str, default=None, metavar="PATH", dag=True),
    AddFlag("empty-dirs", "Include empty directories in the import (default true).",
            short="E", default=None, dag=True),
    AddFlag("dereference-symlinks", "Symlinks in arguments and directories are resolved to "
            "their target content.", dag=True),
    AddFlag("quiet", "Write minimal output.", short="q"),
    AddFlag("quieter", "Write only final hash.", short="Q"),
    AddFlag("silent", "Write no output."),
    AddFlag("progress", "Stream progress data (accepted; nothing to report here).",
            short="p"),
    AddFlag("only-hash", "Only chunk and hash - do not write to disk.", short="n"),
    AddFlag("wrap-with-directory", "Wrap files with a directory object.", short="w",
            dag=True),
    AddFlag("pin", "Pin locally to protect added files from garbage collection (default "
            "true; on the command line only with --repo or --api).", default=True),
    AddFlag("pin-name", "Name to use for the pin.", str, default=None, metavar="NAME"),
    AddFlag("to-files", "Add reference to Files API (MFS) at the provided path (refused: "
            "no MFS here).", str, default=None, metavar="PATH",
            refusal="to-files (MFS) is not supported by this node"),
    AddFlag("cid-version", "CID version (0 or 1); CIDv1 implies --raw-leaves.", int,
            default=None, dag=True),
    AddFlag("hash", "Hash function to use; implies CIDv1 if not sha2-256.", str,
            default=None, metavar="NAME", dag=True),
    AddFlag("raw-leaves", "Use raw blocks for leaf nodes (default: true iff CIDv1).",
            default=None, dag=True),
    AddFlag("chunker", "Chunking algorithm, size-[bytes], rabin-[min]-[avg]-[max] or "
            "buzhash (default size-262144).", str, short="s", default=None,
            metavar="CHUNKER", dag=True),
    AddFlag("trickle", "Use trickle-dag format for dag generation.", short="t", dag=True),
    AddFlag("max-file-links", "Maximum number of links in UnixFS file nodes (default 174).",
            int, default=None, metavar="N", dag=True),
    AddFlag("max-directory-links", "Maximum links of a basic directory before it becomes a "
            "HAMT (default: no limit).", int, default=None, metavar="N", dag=True),
    AddFlag("max-hamt-fanout", "Width of HAMT shards (power of 2, 8 to 1024; default 256).",
            int, default=None, metavar="N", dag=True),
    AddFlag("inline", "Inline small blocks into CIDs.", dag=True),
    AddFlag("inline-limit", "Maximum block size to inline (maximum 128; default 32).", int,
            default=None, metavar="N", dag=True),
    AddFlag("nocopy", "Add the file using filestore (refused: no filestore here).",
            refusal=_NOCOPY),
    AddFlag("fscache", "Check the filestore for pre-existing blocks (no filestore: no-op)."),
    AddFlag("preserve-mode", "Apply existing POSIX permissions to created UnixFS entries.",
            dag=True),
    AddFlag("preserve-mtime", "Apply existing POSIX modification time to created UnixFS "
            "entries.", dag=True),
    AddFlag("mode", "Custom POSIX file mode to store in created UnixFS entries (0644 is "
            "octal).", go_uint, default=None, metavar="MODE", dag=True),
    AddFlag("mtime", "Custom POSIX modification time to store in created UnixFS entries "
            "(seconds since the epoch).", int, default=None, metavar="SECONDS", dag=True),
    AddFlag("mtime-nsecs", "Custom POSIX modification time (nanoseconds part).", go_uint,
            default=None, metavar="NANOS", dag=True),
    AddFlag("fast-provide-root", "Provide the root CID at once (no routing here: no-op)."),
    AddFlag("fast-provide-dag", "Provide the whole DAG at once (no routing here: no-op)."),
    AddFlag("fast-provide-wait", "Wait for the immediate provide (no routing here: no-op)."),
    # Kubo's global options that change what add prints.
    AddFlag("cid-base", "Multibase encoding of the CIDs printed (CIDv0 stays base58btc "
            "unless --upgrade-cidv0-in-output).", str, default=None, metavar="BASE"),
    AddFlag("upgrade-cidv0-in-output", "Print CIDv0 as CIDv1."),
)
FLAGS_BY_NAME = {flag.name: flag for flag in ADD_FLAGS}
#: The flags that shape the DAG (the fields of AddOptions).
DAG_FLAGS = tuple(flag for flag in ADD_FLAGS if flag.dag)
#: The keyword options of a node's ``add_bytes``/``add_path``/``add_entries``.
#: AddOptions fields that only Kubo's config sets: Import.UnixFSHAMTDirectorySizeEstimation,
#: Import.UnixFSHAMTDirectorySizeThreshold and Import.UnixFSPBNodeFieldOrder.
CONFIG_OPTIONS = ("hamt_size_estimation", "shard_threshold", "pb_field_order")
NODE_OPTIONS = frozenset({*(flag.dest for flag in DAG_FLAGS), *CONFIG_OPTIONS, "only_hash"})


def add_arguments(parser: argparse.ArgumentParser, names: Iterable[str] | None = None) -> None:
    """Add the flags ``names`` (Kubo names; default: every flag) to ``parser``."""
    for flag in ADD_FLAGS if names is None else [FLAGS_BY_NAME[n] for n in names]:
        flag.add_argument(parser)


def from_query(query: Mapping[str, str]) -> dict[str, Any]:
    """Every flag's value, by dest, from RPC query arguments (long or short names)."""
    values = {}
    for flag in ADD_FLAGS:
        given = next((n for n in (flag.name, flag.short) if n and n in query), None)
        values[flag.dest] = flag.parse(None if given is None else query[given])
    return values


def check_refused(values: Mapping[str, Any]) -> None:
    """Kubo's errors for flag combinations, and for flags this engine cannot honour."""
    if values.get("only_hash") and values.get("to_files") is not None:
        raise BadRequestError("only-hash and to-files options are not compatible")
    pin = values.get("pin", True) and not values.get("only_hash")
    if values.get("pin_name") is not None and not pin:
        raise BadRequestError("pin-name option requires pin to be set")
    if values.get("wrap_with_directory") and values.get("to_files") is not None:
        raise BadRequestError("wrap-with-directory and to-files options are not compatible")
    for flag in ADD_FLAGS:
        value = values.get(flag.dest)
        if flag.refusal and value not in (None, False):
            raise BadRequestError(flag.refusal)


def add_options(values: Mapping[str, Any]) -> AddOptions:
    """AddOptions from flag values by dest; a missing or ``None`` value is not given.

    Raises what AddOptions raises for bad values (AddError, ChunkerError, MultihashError).
    """
    kwargs: dict[str, Any] = {}
    for flag in DAG_FLAGS:
        value = values.get(flag.dest)
        if value is None:
            continue
        if flag.kind is list:
            value = tuple(value)
        elif flag.kind is bool:
            value = bool(value)
        kwargs[flag.dest] = value
    for name in CONFIG_OPTIONS:
        if values.get(name) is not None:
            kwargs[name] = values[name]
    return AddOptions.from_kubo_args(**kwargs)
