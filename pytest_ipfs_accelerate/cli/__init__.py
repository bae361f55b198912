"""``ipfs-accel``: one module per command group, each with ``register(subparsers)``.

Bad input exits 2 with one clear line, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from pytest_ipfs_accelerate import __version__
from pytest_ipfs_accelerate.errors import IpfsAccelError

#: Command groups, in ``--help`` order (``pytest_ipfs_accelerate.cli.<group>``), and the
#: commands each registers: a command line loads only its own group (start-up matters
#: for ``ipfs-accel ipfs add``, timed against hashlib).
COMMAND_GROUPS: dict[str, tuple[str, ...]] = {
    "results": ("runs", "report", "query"),
    "config": ("config",),
    "analysis": ("compare", "trend", "matrix"),
    "database": ("export", "merge"),
    "interchange": ("import",),
    "dashboard": ("serve",),
    "ipfs": ("ipfs",),
    "containers": ("containers",),
    "hardware": ("hardware",),
    "bench": ("bench",),
}


def help_width() -> int:
    """The width argparse gives help (``shutil.get_terminal_size`` less 2), found without
    importing ``shutil``: argparse makes a formatter on every ``add_argument``, and that
    import was ~2 ms of ``ipfs-accel ipfs add``'s start-up."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


class Parser(argparse.ArgumentParser):
    """argparse's parser, with :func:`help_width` (its subparsers are of this class too)."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        return self.formatter_class(prog=self.prog, width=help_width())


def build_parser(groups: Sequence[str] = tuple(COMMAND_GROUPS)) -> argparse.ArgumentParser:
    parser = Parser(
        prog="ipfs-accel",
        description="Query and report on pytest-ipfs-accelerate results; IPFS, container "
                    "and hardware tools.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in groups:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def group_of(argv: Sequence[str]) -> tuple[str, ...]:
    """The groups a command line needs: its command's own, else all (help, errors)."""
    first = argv[0] if argv else None
    for group, commands in COMMAND_GROUPS.items():
        if first in commands:
            return (group,)
    return tuple(COMMAND_GROUPS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for bad input, never a traceback)."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(group_of(words))
    args = parser.parse_args(words)
    try:
        return int(args.func(args) or 0)
    except IpfsAccelError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # DuckDB finding a damaged block only as a query reads it
        from pytest_ipfs_accelerate.db.connect import damage_message, is_damage_error

        if not is_damage_error(exc):
            raise
        where = getattr(args, "db", None) or "the results DB"
        print(f"{parser.prog}: error: {damage_message(where, exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
