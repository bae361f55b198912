"""``ipfs-accel serve DB [--port N] [--host 127.0.0.1]``: the live dashboard."""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_ipfs_accelerate.cli.arguments import add_db


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="live dashboard of a results DB on 127.0.0.1")
    add_db(p, "results DuckDB file (may be written by a running pytest)")
    p.add_argument("--port", type=_port, default=8765, help="port (0: any free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="loopback address to listen on (only 127.0.0.1 or ::1 are allowed)")
    p.set_defaults(func=cmd_serve)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return port


def cmd_serve(args: argparse.Namespace) -> int:
    from pytest_ipfs_accelerate.report.dashboard import serve

    serve(Path(args.db), args.host, args.port, announce=lambda line: print(line, flush=True))
    return 0
