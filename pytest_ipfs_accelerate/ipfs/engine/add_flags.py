"""``ipfs add``'s flags, declared once: Kubo's names, short aliases, types and defaults.

From :data:`ADD_FLAGS` come the argparse arguments of ``ipfs-accel ipfs add`` and
``verify`` (:func:`add_arguments`), the RPC server's reading of ``add`` query arguments
(:func:`from_query`) and the importer's :class:`AddOptions` (:func:`add_options`).

A boolean flag that is off by default is a switch (``--trickle``), also spelled
``--trickle=true`` / ``--trickle=false`` as Kubo allows; one that is on by default takes
a value (``--pin=false``).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError
from pytest_ipfs_accelerate.ipfs.engine.importer import AddOptions
from pytest_ipfs_accelerate.ipfs.engine.option_values import parse_bool, parse_int


@dataclass(frozen=True)
class AddFlag:
    """One ``ipfs add`` flag."""

    name: str  # Kubo's name: --NAME on the command line, ?NAME= in an RPC query
    help: str
    kind: type = bool  # bool, int or str
    short: str = ""  # one-letter alias: -s on the command line, ?s= in a query
    default: Any = False  # None: not given (the importer applies Kubo's default)
    metavar: str | None = None
    choices: tuple[Any, ...] = ()  # checked by argparse; AddOptions checks every value anyway
    negation: str = ""  # one more command-line spelling of false
    dag: bool = False  # shapes the DAG: a field of AddOptions

    @property
    def dest(self) -> str:
        """The Python name: the argparse dest, the node's keyword, the AddOptions field."""
        return self.name.replace("-", "_")

    def add_argument(self, parser: argparse.ArgumentParser) -> None:
        """This flag's argparse argument(s)."""
        spellings = ([f"-{self.short}"] if self.short else []) + [f"--{self.name}"]
        common: dict[str, Any] = {"dest": self.dest, "default": self.default}
        if self.kind is not bool:
            parser.add_argument(*spellings, type=self.kind, choices=self.choices or None,
                                metavar=self.metavar, help=self.help, **common)
        elif self.default is True:
            parser.add_argument(*spellings, type=_cli_bool, metavar="true|false",
                                help=self.help, **common)
        else:
            parser.add_argument(*spellings, action="store_const", const=True, help=self.help,
                                **common)
            # argparse matches these whole strings, so Kubo's --flag=false parses too.
            others = [(f"--{self.name}=true", True), (f"--{self.name}=false", False)]
            others += [(self.negation, False)] if self.negation else []
            for spelling, value in others:
                parser.add_argument(spelling, action="store_const", const=value,
                                    help=argparse.SUPPRESS, **common)

    def parse(self, raw: str | None) -> Any:
        """The value of this flag from query text (``None``: not given)."""
        if raw is None:
            return self.default
        if self.kind is bool:
            return parse_bool(self.name, raw, bool(self.default))
        if self.kind is int:  # every int add flag is a version or a size: never negative
            return parse_int(self.name, raw, self.default, 0)
        return raw


ADD_FLAGS: tuple[AddFlag, ...] = (
    AddFlag("quieter", "Print only the final (root) CID.", short="Q"),
    AddFlag("quiet", "Print only CIDs, one a line.", short="q"),
    AddFlag("only-hash", "Only compute CIDs; store nothing.", short="n"),
    AddFlag("cid-version", "CID version (default 0; 1 implies --raw-leaves).", int,
            default=None, choices=(0, 1), dag=True),
    AddFlag("raw-leaves", "Raw leaf blocks (default: true iff CIDv1); --raw-leaves=false or "
            "--no-raw-leaves for UnixFS (dag-pb) leaves.", default=None,
            negation="--no-raw-leaves", dag=True),
    AddFlag("chunker", "Chunking algorithm: size-N (default size-262144).", str, short="s",
            default=None, metavar="size-N", dag=True),
    AddFlag("trickle", "Trickle DAG layout.", short="t", dag=True),
    AddFlag("recursive", "Add directories.", short="r"),
    AddFlag("wrap-with-directory", "Wrap the added paths in a directory.", short="w",
            dag=True),
    AddFlag("hidden", "Include files whose names start with a dot.", short="H", dag=True),
    AddFlag("inline", "Inline small blocks into their CIDs (identity hash).", dag=True),
    AddFlag("inline-limit", "Largest block to inline, in bytes (default 32).", int,
            default=None, metavar="N", dag=True),
    AddFlag("hash", "Hash function (default sha2-256; others imply CIDv1).", str,
            default=None, metavar="NAME", dag=True),
    AddFlag("pin", "Pin the added roots (default true; on the command line only with "
            "--repo or --api).", default=True),
)
FLAGS_BY_NAME = {flag.name: flag for flag in ADD_FLAGS}
#: The flags that shape the DAG (the fields of AddOptions).
DAG_FLAGS = tuple(flag for flag in ADD_FLAGS if flag.dag)
#: The keyword options of a node's ``add_bytes``/``add_path``/``add_entries``.
NODE_OPTIONS = frozenset({*(flag.dest for flag in DAG_FLAGS), "only_hash"})


def _cli_bool(text: str) -> bool:
    try:
        return parse_bool("", text, True)
    except BadRequestError:
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}") from None


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


def add_options(values: Mapping[str, Any]) -> AddOptions:
    """AddOptions from flag values by dest; a missing or ``None`` value is not given.

    Raises what AddOptions raises for bad values (AddError, ChunkerError, MultihashError).
    """
    kwargs = {}
    for flag in DAG_FLAGS:
        value = values.get(flag.dest)
        kwargs[flag.dest] = flag.default if value is None else (
            bool(value) if flag.kind is bool else value)
    return AddOptions.from_kubo_args(**kwargs)
