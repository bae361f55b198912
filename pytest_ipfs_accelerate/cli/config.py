"""``ipfs-accel config show | validate``: the effective TOML config."""

from __future__ import annotations

import argparse
import sys

from pytest_ipfs_accelerate.cli.arguments import add_config_file, settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="show or check the effective TOML config")
    p.add_argument("action", choices=("show", "validate"))
    add_config_file(p)
    p.set_defaults(func=cmd_config)


def cmd_config(args: argparse.Namespace) -> int:
    loaded = settings(args.config_file)
    if args.action == "validate":
        loaded.validate()
        print(f"{loaded.source or 'defaults'}: OK")
        return 0
    import tomli_w

    print(f"# effective config (source: {loaded.source or 'defaults only'}; secrets redacted)")
    sys.stdout.write(tomli_w.dumps(loaded.as_dict(redact=True)))
    return 0
