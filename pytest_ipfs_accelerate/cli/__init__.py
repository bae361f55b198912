"""``ipfs-accel``: one module per command group, each with ``register(subparsers)``.

Bad input exits 2 with one clear line, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pytest_ipfs_accelerate import __version__
from pytest_ipfs_accelerate.errors import IpfsAccelError

#: Command groups, in ``--help`` order: ``pytest_ipfs_accelerate.cli.<name>``.
COMMAND_GROUPS = (
    "results",     # runs, report, query
    "config",      # config show|validate
    "analysis",    # compare, trend, matrix
    "database",    # merge, export
    "dashboard",   # serve
    "ipfs",        # ipfs add|cat|verify|daemon
    "containers",  # containers ls|images|sweep
    "hardware",    # hardware
    "bench",       # bench (from a checkout only)
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ipfs-accel",
        description="Query and report on pytest-ipfs-accelerate results; IPFS, container "
                    "and hardware tools.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_GROUPS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for bad input, never a traceback)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except IpfsAccelError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
