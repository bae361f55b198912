"""``ipfs add`` on the command line: Kubo's flags, Kubo's output.

``add_arguments`` configures an argparse parser; ``add_command`` runs it. Without a
``put_block`` (a repo or node to store into, wired by the node's CLI) blocks are only
hashed, which is what ``-n/--only-hash`` asks for.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from .importer import AddError, AddOptions, PutBlock, add_paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``ipfs add`` flags this engine honours, with Kubo's names and meanings."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or directories to add.")
    parser.add_argument("-Q", "--quieter", action="store_true",
                        help="Print only the final (root) CID.")
    parser.add_argument("-q", "--quiet", action="store_true", help="Print only CIDs, one a line.")
    parser.add_argument("-n", "--only-hash", action="store_true",
                        help="Only compute CIDs; store nothing.")
    parser.add_argument("--cid-version", type=int, default=None, choices=(0, 1),
                        help="CID version (default 0; 1 implies --raw-leaves).")
    # Kubo spells the negation --raw-leaves=false; argparse matches these literal strings.
    parser.add_argument("--raw-leaves", "--raw-leaves=true", dest="raw_leaves",
                        action="store_const", const=True, default=None,
                        help="Raw leaf blocks (default: true iff CIDv1).")
    parser.add_argument("--no-raw-leaves", "--raw-leaves=false", dest="raw_leaves",
                        action="store_const", const=False, help="UnixFS (dag-pb) leaf blocks.")
    parser.add_argument("-s", "--chunker", default=None, metavar="size-N",
                        help="Chunking algorithm: size-N (default size-262144).")
    parser.add_argument("-t", "--trickle", action="store_true", help="Trickle DAG layout.")
    parser.add_argument("-r", "--recursive", action="store_true", help="Add directories.")
    parser.add_argument("-w", "--wrap-with-directory", action="store_true",
                        help="Wrap the added paths in a directory.")
    parser.add_argument("-H", "--hidden", action="store_true",
                        help="Include files whose names start with a dot.")
    parser.add_argument("--inline", action="store_true",
                        help="Inline small blocks into their CIDs (identity hash).")
    parser.add_argument("--inline-limit", type=int, default=None, metavar="N",
                        help="Largest block to inline, in bytes (default 32).")
    parser.add_argument("--hash", default=None, metavar="NAME",
                        help="Hash function (default sha2-256; others imply CIDv1).")


def options_from_args(args: argparse.Namespace) -> AddOptions:
    """AddOptions from parsed ``add_arguments`` flags (raises AddError/ChunkerError)."""
    return AddOptions.from_kubo_args(
        cid_version=args.cid_version, raw_leaves=args.raw_leaves, chunker=args.chunker,
        trickle=args.trickle, inline=args.inline, inline_limit=args.inline_limit,
        hash=args.hash, wrap_with_directory=args.wrap_with_directory, hidden=args.hidden)


def add_command(args: argparse.Namespace, put_block: PutBlock | None = None,
                out: TextIO | None = None) -> int:
    """Run ``ipfs add``; print ``added <cid> <name>`` lines (or CIDs with -q / -Q)."""
    out = out or sys.stdout
    opts = options_from_args(args)
    entries = add_paths(args.paths, opts, None if args.only_hash else put_block,
                        recursive=args.recursive)
    if not entries:
        raise AddError("nothing was added")
    if args.quieter:
        out.write(f"{entries[-1].cid}\n")
    elif args.quiet:
        out.writelines(f"{e.cid}\n" for e in entries)
    else:
        out.writelines(f"added {e.cid} {e.name}\n" for e in entries)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m pytest_ipfs_accelerate.ipfs.add_cli`` (only-hash mode)."""
    from ..errors import IpfsAccelError

    parser = argparse.ArgumentParser(prog="ipfs-accel ipfs add",
                                     description="Compute Kubo-identical CIDs of files.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return add_command(args)
    except IpfsAccelError as exc:
        print(f"ipfs-accel: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
