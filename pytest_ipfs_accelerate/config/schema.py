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
        "backend": Field(str, "auto", "IPFS backend for fixtures.",
                         choices=("auto", "simulated", "kubo")),
    },
    "containers": {
        "backend": Field(str, "auto", "Container backend for fixtures.",
                         choices=("auto", "simulated", "docker")),
    },
    "hardware": {
        "devices": Field((str, list), "auto",
                         "Devices for accel_device: auto, or a list like cpu,cuda."),
        "profiles": Field((list, str), [],
                          "Simulated device profiles, e.g. [\"cuda:H100-80GB x2\", "
                          "\"mps:M2-16GB\"]; in env, separate specs with ';'."),
    },
}
