"""``ipfs-accel``: subcommands, thin over the rooms. Bad input exits 2 with one clear line."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pytest_ipfs_accelerate import __version__
from pytest_ipfs_accelerate.errors import IpfsAccelError

#: Rooms that add their own subcommands through ``register(subparsers)``.
ROOM_CLIS = (
    "pytest_ipfs_accelerate.analysis_cli",
    "pytest_ipfs_accelerate.dbtools_cli",
    "pytest_ipfs_accelerate.report.serve_cli",
    "pytest_ipfs_accelerate.ipfs.cli",
    "pytest_ipfs_accelerate.containers.cli",
    "pytest_ipfs_accelerate.hardware.cli",
    "pytest_ipfs_accelerate.bench_cli",
)


def build_parser() -> argparse.ArgumentParser:
    from pytest_ipfs_accelerate import dbcli

    parser = argparse.ArgumentParser(
        prog="ipfs-accel",
        description="Query and report on pytest-ipfs-accelerate results; IPFS, container "
                    "and hardware tools.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    dbcli.register(sub)
    for name in ROOM_CLIS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
