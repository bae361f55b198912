"""A node wrapper that records every operation (op, backend, CID, bytes, duration).

Fixtures hand tests a :class:`RecordingNode`; each call goes to the backend and, when the
results DB is on, becomes one ``kind="ipfs"`` operation row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pytest_ipfs_accelerate.operations import record_operation, recording

#: Operations that are recorded, and how to find (target CID, bytes) from args/result.
_RECORDED = ("add_bytes", "add_path", "add_entries", "cat", "get", "ls", "stat", "pin_add",
             "pin_rm", "pin_ls", "block_put", "block_get", "block_stat", "block_rm",
             "dag_get", "dag_put", "dag_import", "repo_stat", "gc", "id", "version")


def _target_and_bytes(op: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                      result: Any) -> tuple[str | None, int | None]:
    if op == "add_bytes":
        return getattr(result, "cid", None), len(args[0]) if args else None
    if op in ("add_path", "add_entries"):
        return (result[-1].cid if result else None), None
    if op in ("cat", "block_get"):
        return (str(args[0]) if args else kwargs.get("path") or kwargs.get("cid")), \
            (len(result) if isinstance(result, (bytes, bytearray)) else None)
    if op == "block_put":
        return result, len(args[0]) if args else None
    if op == "dag_put":
        return result, None
    if op == "gc":
        return None, None
    return (str(args[0]) if args else None), None


class RecordingNode:
    """Delegates to ``backend``; records the operations listed in ``_RECORDED``."""

    def __init__(self, backend: Any, config: Any = None, label: str | None = None) -> None:
        self._backend = backend
        self._config = config
        self.label = label or backend.backend_name

    @property
    def backend(self) -> Any:
        """The wrapped backend (a SimulatedNode, or a KuboRpcBackend)."""
        return self._backend

    @property
    def backend_name(self) -> str:
        return str(self._backend.backend_name)

    @property
    def is_simulated(self) -> bool:
        return bool(self._backend.is_simulated)

    @property
    def backend_version(self) -> str | None:
        """The real service's version (Kubo's), or None (simulated)."""
        return getattr(self._backend, "backend_version", None)

    def _version_fact(self) -> str | None:
        return self.backend_version if recording(self._config) else None

    def __repr__(self) -> str:
        return f"<ipfs_node backend={self.label} {self._backend!r}>"

    def connect(self, other: Any) -> None:
        """Connect this node to ``other`` (a node of the same backend), both ways."""
        self._backend.connect(getattr(other, "backend", other))

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._backend, name)
        if name not in _RECORDED or not callable(attr):
            return attr
        return self._wrap(name, attr)

    def _wrap(self, op: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                target = str(args[0]) if args and isinstance(args[0], str) else None
                record_operation(self._config, kind="ipfs", op=op, backend=self.backend_name,
                                 is_simulated=self.is_simulated,
                                 duration_s=time.perf_counter() - start, target=target,
                                 ok=False, error=f"{type(exc).__name__}: {exc}",
                                 extra={"label": self.label},
                                 backend_version=self._version_fact())
                raise
            target, nbytes = _target_and_bytes(op, args, kwargs, result)
            record_operation(self._config, kind="ipfs", op=op, backend=self.backend_name,
                             is_simulated=self.is_simulated,
                             duration_s=time.perf_counter() - start, target=target,
                             nbytes=nbytes, extra={"label": self.label},
                             backend_version=self._version_fact())
            return result
        call.__name__ = op
        call.__doc__ = fn.__doc__
        return call
