"""The config schema: every section, key, type, default and help line.

Each package owns its section. A key added here is validated, documented
(``docs/config.md`` is generated from this table) and settable by env var
``IPFS_ACCEL_<SECTION>_<KEY>``. Every number has a range (``nan`` and ``inf`` are in
none), and no string may hold a NUL character.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The range of a number whose field declares none.
DEFAULT_LOW, DEFAULT_HIGH = 0, 10**12


@dataclass(frozen=True)
class Field:
    """One config key: its type, default, help line and, optionally, allowed values.

    ``low``/``high`` bound a number (inclusive; ``low_open``: ``low`` itself excluded;
    unset: :data:`DEFAULT_LOW` to :data:`DEFAULT_HIGH`); ``items`` is the type of an
    array's items or a table's values, which the bounds apply to.
    """

    type: type | tuple[type, ...]
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    secret: bool = False
    low: float = DEFAULT_LOW
    high: float = DEFAULT_HIGH
    low_open: bool = False
    items: type | None = None

    @property
    def range_text(self) -> str:
        """The numbers allowed, in words: ``a number >= 1 and <= 65,535``."""
        if self.low == 0 and self.low_open:
            return f"a positive number up to {_num(self.high)}"
        return f"a number {'>' if self.low_open else '>='} {_num(self.low)} and <= " \
               f"{_num(self.high)}"

    @property
    def type_name(self) -> str:
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        names = {bool: "boolean", int: "integer", float: "number", str: "string",
                 list: "array", dict: "table"}
        return " or ".join(names.get(t, t.__name__) for t in types)


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


#: Keys of one ``[endpoints.<name>]`` table.
ENDPOINT_FIELDS: dict[str, Field] = {
    "host": Field(str, "127.0.0.1", "Host of the IPFS RPC API."),
    "port": Field(int, 5001, "Port of the IPFS RPC API.", low=1, high=65535),
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
        "enabled": Field(bool, True, "Cache CID-fetched checkpoints on disk (re-verified on use)."),
        "max_size_mb": Field(int, 1024, "Largest size of the cache, in MiB.", high=1 << 30),
        "path": Field(str, "", "Cache folder; empty means $XDG_CACHE_HOME/pytest-ipfs-accelerate "
                             "(~/.cache/...); relative paths are under rootdir."),
    },
    "endpoints": {
        "default": Field(str, "", "Name of the endpoint table used when none is named."),
    },
    "db": {
        "path": Field(str, "", "Results DB file; setting it switches capture on."),
        "flush_rows": Field(int, 5000, "Flush buffered rows after this many (memory use "
                            "is bounded by about 1.5 KiB x twice this).", low=1,
                            high=10_000_000),
        "flush_seconds": Field(float, 5.0, "Flush buffered rows after this many seconds (also "
                               "how stale a live reader's view and a crash's loss can be); "
                               "0 flushes by row count only.", high=86_400),
        "lock_timeout_s": Field(float, 10.0, "How long a flush waits for another process's "
                                "write lock (exponential backoff with jitter) before keeping "
                                "its rows for the next flush.", high=86_400),
        "connection": Field(str, "per-flush", "per-flush: open the DB only while flushing, so "
                            "other processes can read and write it during a run; hold: keep "
                            "it open (and locked) for the whole run, fastest.",
                            choices=("per-flush", "hold")),
        "longrepr_max_chars": Field(int, 20000, "Cap on stored failure text (longrepr, and "
                                    "skip and xfail reasons); 0 stores none.",
                                    high=100_000_000),
        "capture_output": Field(str, "failed", "Store captured stdout/stderr/log for: "
                                "failed tests, all tests or none.",
                                choices=("failed", "all", "none")),
        "output_max_chars": Field(int, 10000, "Cap on each stored captured stream; 0 stores "
                                  "none.", high=100_000_000),
        "property_max_chars": Field(int, 10000, "Cap on each stored record_property key and "
                                    "value (a value that is not a string: on its JSON text).",
                                    low=1, high=100_000_000),
        "slowest": Field(int, 10, "How many slowest tests the terminal summary lists.",
                         high=100_000),
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
        "start_timeout_s": Field(float, 60.0, "How long to wait for a spawned Kubo daemon.",
                                 low_open=True, high=86_400),
        "rpc_max_request_mb": Field(int, 1024, "Largest request body the simulated RPC server "
                                    "accepts, in MiB (over it: HTTP 413).", low=1,
                                    high=1 << 20),
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
                         "Devices for accel_device: auto, or a list like cpu,cuda.", items=str),
        "profiles": Field((list, str), [],
                          "Simulated device profiles, e.g. [\"cuda:H100-80GB x2\", "
                          "\"mps:M2-16GB\"]; in env, separate specs with ';'.", items=str),
    },
    "benchmarks": {
        "threshold": Field(float, 0.10, "Relative change that counts as a regression "
                           "(0.10 = 10% slower, or 10% less of a higher-is-better metric).",
                           low_open=True, high=1000),
        "thresholds": Field(dict, {}, "Per-benchmark thresholds by nodeid, benchmark name or "
                            "group, e.g. {\"test_add\" = 0.25, \"ipfs\" = 0.2}.", items=float,
                            low_open=True, high=1000),
        "method": Field(str, "noise", "How a change is judged: noise (against the "
                        "benchmark's run-to-run spread over its history, less the run's "
                        "shared machine effect) or classic (a rank test or z-score against "
                        "the baseline run).", choices=("noise", "classic")),
        "min_history": Field(int, 3, "Runs of comparable history before the noise method "
                             "judges a change (fewer: reported, never flagged)."),
        "alpha": Field(float, 0.05, "Significance level of the Mann-Whitney U test "
                       "(classic method).", low_open=True, high=0.5),
        "z_threshold": Field(float, 3.0, "|z| over past runs that counts as significant "
                             "(values without raw samples).", low_open=True, high=1000),
        "window": Field(int, 10, "How many past comparable runs the z-score uses.", low=1,
                        high=100_000),
        "min_step": Field(float, 0.10, "Smallest relative step `ipfs-accel trend` reports "
                          "as a change point.", high=1000),
        "fail_on_regression": Field(bool, False, "Fail the pytest session when the run "
                                    "regressed against its baseline."),
    },
}
