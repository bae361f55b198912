"""The config schema: every section, key, type, default and help line.

Each room owns its section. A key added here is validated, documented
(``docs/config.md`` is generated from this table) and settable by env var
``IPFS_ACCEL_<SECTION>_<KEY>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """One config key: its type, default, help line and, optionally, allowed values."""

    type: type | tuple[type, ...]
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    secret: bool = False

    @property
    def type_name(self) -> str:
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        names = {bool: "boolean", int: "integer", float: "number", str: "string",
                 list: "array", dict: "table"}
        return " or ".join(names.get(t, t.__name__) for t in types)


#: Keys of one ``[endpoints.<name>]`` table.
ENDPOINT_FIELDS: dict[str, Field] = {
    "host": Field(str, "127.0.0.1", "Host of the IPFS RPC API."),
    "port": Field(int, 5001, "Port of the IPFS RPC API."),
    "gateway": Field(str, "", "HTTP gateway URL, if any."),
    "api_key": Field(str, "", "API key sent to the endpoint; redacted wherever shown or stored.",
                     secret=True),
}

SCHEMA: dict[str, dict[str, Field]] = {
    "general": {
        "debug": Field(bool, False, "Print debug information about the plugin's own work."),
        "log_level": Field(str, "WARNING", "Log level of the plugin's logger.",
                           choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    },
    "cache": {
        "enabled": Field(bool, True, "Cache fetched content (checkpoints, blocks) on disk."),
        "max_size_mb": Field(int, 1024, "Largest size of the cache, in MiB."),
        "path": Field(str, "", "Cache folder; empty means .ipfs-accel-cache under rootdir."),
    },
    "endpoints": {
        "default": Field(str, "", "Name of the endpoint table used when none is named."),
    },
    "db": {
        "path": Field(str, "", "Results DB file; setting it switches capture on."),
        "flush_rows": Field(int, 1000, "Flush buffered rows after this many."),
        "flush_seconds": Field(float, 2.0, "Flush buffered rows after this many seconds."),
        "lock_timeout_s": Field(float, 10.0, "How long to wait for another process's write lock."),
        "longrepr_max_chars": Field(int, 20000, "Cap on stored failure text (longrepr)."),
        "capture_output": Field(str, "failed", "Store captured stdout/stderr/log for: "
                                "failed tests, all tests or none.",
                                choices=("failed", "all", "none")),
        "output_max_chars": Field(int, 10000, "Cap on each stored captured stream."),
        "slowest": Field(int, 10, "How many slowest tests the terminal summary lists."),
        "report": Field(str, "", "Report file written at session end (.md, .html or .json)."),
    },
    "ipfs": {
        # No `choices`: a daemon address is a valid value too (checked by the ipfs plugin).
        "backend": Field(str, "auto", "IPFS backend for fixtures: auto (kubo when `ipfs` is "
                         "on PATH or an API address is set, else simulated), simulated, "
                         "simulated-rpc (the simulated node through its Kubo RPC server), "
                         "kubo, all (every node test once per backend), or the address of a "
                         "running daemon (/ip4/127.0.0.1/tcp/5001 or http://...)."),
        "api": Field(str, "", "RPC address of a running Kubo daemon (/ip4/127.0.0.1/tcp/5001 "
                     "or http://127.0.0.1:5001); set, the kubo backend connects to it "
                     "instead of spawning one."),
        "bin": Field(str, "ipfs", "Kubo binary the kubo backend spawns."),
        "start_timeout_s": Field(float, 60.0, "How long to wait for a spawned Kubo daemon."),
        "rpc_max_request_mb": Field(int, 1024, "Largest request body the simulated RPC server "
                                    "accepts, in MiB (over it: HTTP 413)."),
    },
    "containers": {
        "backend": Field(str, "auto", "Container backend for fixtures.",
                         choices=("auto", "simulated", "docker")),
        "catalogue": Field(str, "", "Image catalogue (TOML) for the image marketplace."),
        "sweep": Field(bool, True, "At startup, remove containers, networks and volumes "
                       "left by sessions whose process is gone."),
    },
    "hardware": {
        "devices": Field((str, list), "auto",
                         "Devices for accel_device: auto, or a list like cpu,cuda."),
        "profiles": Field((list, str), [],
                          "Simulated device profiles, e.g. [\"cuda:H100-80GB x2\", "
                          "\"mps:M2-16GB\"]; in env, separate specs with ';'."),
    },
}
