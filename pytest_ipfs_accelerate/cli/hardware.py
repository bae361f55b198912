"""``ipfs-accel hardware``: print the detected hardware (and any simulated profiles) as JSON."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``hardware`` subcommand."""
    parser = subparsers.add_parser(
        "hardware", help="print the detected hardware as JSON",
        description="Detect CPU, CUDA/ROCm, MPS, XPU and optional runtimes; print JSON.")
    parser.add_argument("--profile", action="append", default=[], metavar="SPEC",
                        help="also list a simulated profile, e.g. 'cuda:H100-80GB x2' "
                             "(repeatable)")
    parser.add_argument("--indent", type=int, default=2, help="JSON indent (default 2)")
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    """Print the hardware JSON; a bad profile raises ProfileError."""
    from pytest_ipfs_accelerate.hardware.detect import detect_hardware
    from pytest_ipfs_accelerate.hardware.profiles import simulated_devices

    data: dict[str, Any] = detect_hardware().to_dict()
    simulated = simulated_devices(args.profile)
    if simulated:
        data["simulated"] = [asdict(d) | {"device": d.label} for d in simulated]
    print(json.dumps(data, indent=args.indent or None, sort_keys=False, default=str))
    return 0
