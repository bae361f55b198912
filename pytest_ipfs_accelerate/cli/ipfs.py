"""``ipfs-accel ipfs ...``: add, cat, verify and daemon over the simulated node.

``add`` prints what ``ipfs add`` prints; alone it only computes CIDs. ``--repo DIR`` keeps
blocks in a repo directory (``DIR/blocks``), so a later ``cat --repo DIR`` or
``daemon --repo DIR`` finds them; ``--api ADDR`` talks to a running daemon (Kubo or
``ipfs-accel ipfs daemon``) instead. The add flags are Kubo's, declared once in
:mod:`pytest_ipfs_accelerate.ipfs.engine.add_flags`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable

from pytest_ipfs_accelerate.errors import IpfsAccelError
from pytest_ipfs_accelerate.ipfs.engine import add_flags
from pytest_ipfs_accelerate.ipfs.engine.cid import CID
from pytest_ipfs_accelerate.ipfs.engine.dagpb import display_name
from pytest_ipfs_accelerate.ipfs.engine.importer import (
    AddedEntry,
    AddError,
    AddOptions,
    DagBuilder,
    PutBlock,
    add_paths,
    check_wrapper,
)

TYPE_CHECKING = False  # typing costs the CLI ~3 ms of start-up: annotations only
if TYPE_CHECKING:
    from typing import Any, TextIO

#: The add flags ``verify`` takes: those that shape the DAG, and ``-r`` as ``add`` has it.
VERIFY_FLAGS = tuple(flag.name for flag in add_flags.ADD_FLAGS
                     if flag.dag or flag.name == "recursive")


class IpfsCliError(IpfsAccelError):
    """Bad input to ``ipfs-accel ipfs``."""


def register(subparsers: Any) -> None:
    ipfs = subparsers.add_parser("ipfs", help="IPFS: add, cat, verify, and a simulated "
                                 "Kubo RPC daemon.",
                                 description="IPFS tools over the simulated node.")
    sub = ipfs.add_subparsers(dest="ipfs_command", metavar="SUBCOMMAND")
    sub.required = True

    add = sub.add_parser("add", help="Add files; print `added <cid> <name>` like `ipfs add`.")
    add_arguments(add)
    _where_arguments(add)
    add.set_defaults(func=add_handler)

    cat = sub.add_parser("cat", help="Print a file's bytes (from --repo or --api).")
    cat.add_argument("cid", metavar="CID", help="CID or /ipfs/CID/path to print.")
    cat.add_argument("--offset", type=int, default=0, help="Byte offset to start at.")
    cat.add_argument("--length", type=int, default=None, help="Bytes to print at most.")
    _where_arguments(cat)
    cat.set_defaults(func=cat_handler)

    verify = sub.add_parser("verify", help="Check that PATH has CID (exit 1 if not).")
    verify.add_argument("cid", metavar="CID", help="The expected CID.")
    verify.add_argument("path", metavar="PATH", help="File or directory to check.")
    add_flags.add_arguments(verify, VERIFY_FLAGS)
    verify.set_defaults(func=verify_handler)

    daemon = sub.add_parser("daemon", help="Serve Kubo's RPC API over a simulated node "
                            "until SIGINT/SIGTERM.")
    daemon.add_argument("--api", default="/ip4/127.0.0.1/tcp/5001",
                        help="Listen address (multiaddr); tcp/0 picks a free port. "
                             "Default: /ip4/127.0.0.1/tcp/5001.")
    daemon.add_argument("--repo", default=None, metavar="DIR",
                        help="Keep blocks and pins in DIR (default: in memory).")
    daemon.add_argument("--max-request-mb", type=int, default=1024,
                        help="Largest request body accepted, in MiB (default 1024).")
    daemon.add_argument("--allow-remote", action="store_true",
                        help="Allow a non-loopback listen address (no authentication!).")
    daemon.set_defaults(func=daemon_handler)

    sweep = sub.add_parser("sweep", help="Stop the Kubo daemons, and delete the repos, that "
                           "crashed test sessions left behind.")
    sweep.set_defaults(func=sweep_handler)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``ipfs add``'s arguments: PATH... and every add flag, with Kubo's names."""
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="Files or directories to add (none: read stdin).")
    add_flags.add_arguments(parser)


def _where_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=None, metavar="DIR",
                        help="Repo directory of the simulated node (blocks in DIR/blocks).")
    parser.add_argument("--api", default=None, metavar="ADDR",
                        help="RPC address of a running daemon (/ip4/127.0.0.1/tcp/5001 or URL).")


def _dag_values(args: argparse.Namespace) -> dict[str, Any]:
    """The DAG-shaping add flags as parsed (None: not given)."""
    return {flag.dest: getattr(args, flag.dest) for flag in add_flags.DAG_FLAGS}


def _open_backend(args: argparse.Namespace) -> Any:
    if args.api and args.repo:
        raise IpfsCliError("pass either --repo DIR or --api ADDR, not both")
    if args.api:
        from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend

        return KuboRpcBackend(args.api)
    from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode

    return SimulatedNode(args.repo)


def _add_local(args: argparse.Namespace,
               put_block: PutBlock | None) -> list[tuple[str, str, bool]]:
    """Import ``args.paths`` (or stdin) with the engine: ``(name, cid)`` in ``ipfs add``
    order. A failure after some entries were added carries their lines (``.entries``),
    which Kubo prints before its error."""
    add_flags.check_refused(vars(args))
    opts = add_flags.add_options(vars(args))
    put = None if args.only_hash else put_block
    if args.paths:
        try:
            entries = add_paths(args.paths, opts, put, recursive=args.recursive)
        except AddError as exc:
            exc.entries = [(e.name, str(e.cid), e.is_dir) for e in getattr(exc, "entries", [])]
            raise
    else:
        entries = _add_stdin(opts, put, args.stdin_name or "")
    if not entries:
        raise AddError("expected a file argument")
    return [(e.name, str(e.cid), e.is_dir) for e in entries]


def _add_stdin(opts: AddOptions, put: PutBlock | None, name: str) -> list[AddedEntry]:
    """``ipfs add`` with no path: the file is stdin, named ``--stdin-name`` (else its CID)."""
    if sys.stdin is None or sys.stdin.isatty():
        raise AddError("argument \"path\" is required: name a file, or pipe data to stdin")
    builder = DagBuilder(opts, put)
    child = builder.file(sys.stdin.buffer)  # type: ignore[arg-type]
    entry = AddedEntry(name or str(child.cid), child.cid, child.tsize)
    if not opts.wrap_with_directory:
        check_wrapper(builder, entry)
        return [entry]
    cid, tsize = builder.directory([(entry.name, child.cid, child.tsize)])
    return [entry, AddedEntry("", cid, tsize, is_dir=True)]


def go_escape(name: str) -> str:
    """Kubo's EscNonPrint: a name as ``strconv.Quote`` writes it, without the quotes (and
    bytes that are not UTF-8 first turned into U+FFFD, as its JSON transport does)."""
    text = display_name(name)
    if "\\" not in text and text.isprintable():
        return text
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
               "\t": "\\t", "\v": "\\v"}


def cid_formatter(args: argparse.Namespace) -> Callable[[str], str]:
    """How ``--cid-base`` and ``--upgrade-cidv0-in-output`` print a CID (Kubo's cidenc)."""
    base = getattr(args, "cid_base", None)
    upgrade = bool(getattr(args, "upgrade_cidv0_in_output", False))
    if base:
        from pytest_ipfs_accelerate.ipfs.engine import multibase

        name = multibase.BASES.get(base, base)
        if name not in multibase.BASES.values():
            raise IpfsCliError(f"unsupported multibase encoding: {base}")
        upgrade = upgrade or name != "base58btc"
    else:
        name = "base32"
    if not base and not upgrade:
        return lambda text: text

    def encode(text: str) -> str:
        cid = CID.decode(text)
        if cid.version == 0 and upgrade:
            cid = cid.to_v1()
        return cid.encode(name) if cid.version == 1 else str(cid)
    return encode


def _print_added(args: argparse.Namespace, entries: list[tuple[str, str, bool]],
                 out: TextIO) -> None:
    """``added <cid> <name>`` lines; only CIDs with -q; only the root's with -Q. Kubo's
    --silent silences files and symlinks only: directory lines still print."""
    if args.silent:
        entries = [e for e in entries if e[2]]
    if not entries:
        return
    fmt = cid_formatter(args)
    if args.quieter:
        out.write(f"{fmt(entries[-1][1])}\n")
    elif args.quiet:
        out.writelines(f"{fmt(cid)}\n" for _, cid, _ in entries)
    else:
        out.writelines(f"added {fmt(cid)} {go_escape(name)}\n" for name, cid, _ in entries)


def add_command(args: argparse.Namespace, put_block: PutBlock | None = None,
                out: TextIO | None = None) -> int:
    """Run ``ipfs add`` over the engine and print its lines. Without ``put_block`` (a repo
    or node to store into) blocks are only hashed, which is what -n asks for."""
    cid_formatter(args)  # a bad --cid-base fails before any work, as in Kubo
    try:
        entries = _add_local(args, put_block)
    except AddError as exc:
        if not args.quieter:  # -Q prints the root only, and there is none
            _print_added(args, getattr(exc, "entries", []), out or sys.stdout)
        raise
    _print_added(args, entries, out or sys.stdout)
    return 0


def add_handler(args: argparse.Namespace) -> int:
    """``ipfs add``: without --repo/--api only hash; with --repo store into the repo (and
    pin); with --api upload to a running daemon."""
    if not args.repo and not args.api:
        return add_command(args)
    cid_formatter(args)
    pin = args.pin and not args.only_hash
    if args.api:
        entries = _add_over_api(args, pin)
    else:
        node = _open_backend(args)
        entries = _add_local(args, node.put_block)
        if pin:  # the -w wrapper, or else every top-level root (a name without "/")
            roots = entries[-1:] if args.wrap_with_directory else [
                e for e in entries if "/" not in e[0]]
            for _, cid, _ in roots:
                node.pins.add(cid, recursive=True)
    _print_added(args, entries, sys.stdout)
    return 0


def _add_over_api(args: argparse.Namespace, pin: bool) -> list[tuple[str, str, bool]]:
    from pathlib import Path  # here, not at the top: ~3 ms of a local add's start-up

    from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import upload_parts

    backend = _open_backend(args)
    parts = []
    for raw in args.paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise IpfsCliError(f"cannot add {raw!r}: no such file or directory")
        if path.is_dir() and not args.recursive:
            raise IpfsCliError(f"{raw!r} is a directory: use -r to add it recursively")
        parts += list(upload_parts(path, path.resolve().name, args.hidden))
    # The walk's own flags chose the parts above; the rest travels as query arguments.
    walk = {"hidden", "ignore", "ignore_rules_path", "dereference_args", "dereference_symlinks"}
    options = {k: v for k, v in _dag_values(args).items()
               if k not in walk and v not in (None, False)}
    if args.only_hash:
        options["only_hash"] = True
    return [(a.name, a.cid, False) for a in backend.add_parts(parts, pin, options)]


def cat_handler(args: argparse.Namespace) -> int:
    """Write a file's bytes to stdout."""
    if not args.repo and not args.api:
        raise IpfsCliError("nothing to read from: pass --repo DIR (a simulated node's repo) "
                           "or --api ADDR (a running daemon)")
    if args.repo and not os.path.isdir(args.repo):
        raise IpfsCliError(f"repo directory {args.repo!r} does not exist; add content "
                           f"with `ipfs-accel ipfs add --repo {args.repo} FILE` first")
    backend = _open_backend(args)
    out = sys.stdout.buffer
    if hasattr(backend, "cat_iter"):
        for chunk in backend.cat_iter(args.cid, args.offset, args.length):
            out.write(chunk)
    else:
        out.write(backend.cat(args.cid, args.offset, args.length))
    out.flush()
    return 0


def verify_handler(args: argparse.Namespace) -> int:
    """Recompute PATH's CID with the CID's version (and any add flags); compare."""
    from pytest_ipfs_accelerate.ipfs.engine.exporter import parse_cid

    expected = parse_cid(args.cid)
    if not os.path.exists(args.path):
        raise IpfsCliError(f"cannot verify {args.path!r}: no such file or directory")
    options = {k: v for k, v in _dag_values(args).items() if v is not None}
    options.setdefault("cid_version", expected.version)
    entries = add_paths([args.path], add_flags.add_options(options), None, recursive=True)
    actual = str(entries[-1].cid)
    if actual == str(expected):
        print(f"ok {actual} {args.path}")
        return 0
    print(f"MISMATCH {args.path}: expected {expected}, got {actual} (add options: "
          f"{options})", file=sys.stderr)
    return 1


def daemon_handler(args: argparse.Namespace) -> int:
    """Serve the RPC API until SIGINT/SIGTERM; prints Kubo's readiness lines."""
    from pathlib import Path

    from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import MULTIADDR_RE
    from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

    match = MULTIADDR_RE.match(args.api)
    if not match or match.group(1) not in ("ip4", "ip6"):
        raise IpfsCliError(f"--api {args.api!r} is not a listen multiaddr like "
                           f"/ip4/127.0.0.1/tcp/5001")
    node = SimulatedNode(args.repo)
    try:
        server = KuboRpcServer(node, match.group(2), int(match.group(3)),
                               max_request_bytes=args.max_request_mb * 1024 * 1024,
                               allow_remote=args.allow_remote)
    except OSError as exc:
        raise IpfsCliError(f"cannot listen on {args.api}: {exc.strerror or exc}; pick another "
                           f"port (tcp/0 for a free one)") from None
    api_file = Path(args.repo) / "api" if args.repo else None
    if api_file is not None:
        api_file.write_text(server.multiaddr)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    server.start()
    print(f"Kubo version: simulated {node.version()['Version']} (pytest-ipfs-accelerate)")
    print(f"Repo: {args.repo or 'in memory'}")
    print(f"RPC API server listening on {server.multiaddr}")
    print("Daemon is ready", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        print("Received interrupt signal, shutting down...", flush=True)
        server.stop()
        if api_file is not None:
            api_file.unlink(missing_ok=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def sweep_handler(args: argparse.Namespace) -> int:
    """What the next Kubo session would sweep: run directories whose owner has died."""
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_rundir import run_root, sweep

    result = sweep()
    for path in result.removed:
        print(f"removed {path}")
    for error in result.errors:
        print(f"could not sweep: {error}", file=sys.stderr)
    print(f"{len(result.removed)} run director{'y' if len(result.removed) == 1 else 'ies'} "
          f"removed, {len(result.stopped)} daemon(s) stopped under {run_root()}")
    return 1 if result.errors else 0
