"""Every RPC command the server answers: importing the command modules registers them."""

from __future__ import annotations

from pytest_ipfs_accelerate.ipfs.rpc import (  # noqa: F401  (importing registers them)
    config_commands,
    config_profiles,
    files_commands,
    handlers,
    info_commands,
    name_commands,
)
from pytest_ipfs_accelerate.ipfs.rpc.commands import COMMANDS

__all__ = ["COMMANDS"]
