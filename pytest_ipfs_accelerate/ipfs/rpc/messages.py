"""One RPC call as handlers see it: the parsed request, and the response they return."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pytest_ipfs_accelerate.ipfs.engine.errors import BadRequestError
from pytest_ipfs_accelerate.ipfs.engine.option_values import parse_bool, parse_int
from pytest_ipfs_accelerate.ipfs.rpc.body import RequestBody


@dataclass
class RpcRequest:
    """One parsed call: command, positional ``arg``s, options, and the body as a stream
    (handlers read it part by part, so memory stays bounded)."""

    command: str
    args: list[str]
    options: dict[str, str]
    content_type: str
    node: Any
    stream: RequestBody | None = None

    def arg(self, index: int, name: str) -> str:
        """Positional argument ``index``; missing -> Kubo's 400 'argument is required'."""
        if index >= len(self.args):
            raise BadRequestError(f'argument "{name}" is required')
        return self.args[index]

    def opt(self, *names: str, default: str | None = None) -> str | None:
        for name in names:
            if name in self.options:
                return self.options[name]
        return default

    def flag(self, name: str, default: bool = False, *aliases: str) -> bool:
        for key in (name, *aliases):
            if key in self.options:
                return parse_bool(key, self.options[key], default)
        return default

    def int_opt(self, name: str, default: int | None = None, minimum: int | None = None
                ) -> int | None:
        return parse_int(name, self.options.get(name), default, minimum)


@dataclass
class RpcResponse:
    """What a handler answers: one JSON value, an NDJSON stream, or bytes."""

    json: Any = None
    ndjson: Iterable[Any] | None = None
    chunks: Iterable[bytes] | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
