"""Operation records: what fixtures did (add a file, start a container, load weights).

Fixtures call :func:`record_operation`; when the results DB is off it does nothing.
A fixture module never talks SQL: it hands a record to the session's writer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

#: Where the operation buffer lives on ``config.stash`` (set by the plugin when capture is on).
CAPTURE_KEY: pytest.StashKey[Any] = pytest.StashKey()


def recording(config: pytest.Config | None) -> bool:
    """True when :func:`record_operation` stores rows (the results DB is on): facts that
    cost a request (a daemon's version) are worth asking for only then."""
    return config is not None and config.stash.get(CAPTURE_KEY, None) is not None


def record_operation(
    config: pytest.Config | None,
    *,
    kind: str,
    op: str,
    backend: str,
    is_simulated: bool,
    duration_s: float,
    target: str | None = None,
    nbytes: int | None = None,
    ok: bool = True,
    error: str | None = None,
    extra: Mapping[str, Any] | None = None,
    backend_version: str | None = None,
) -> None:
    """Record one backend operation into the results DB, if the DB is on.

    ``kind`` is the backend (``ipfs``, ``container``, ``hardware``, ``checkpoint``),
    ``op`` the operation (``add``, ``run``, ``dispatch``...), ``target`` what it acted
    on (a CID, an image, a device), ``backend_version`` the real service's version
    (Kubo's, the Docker Engine's). The row is linked to the run and to the test that is
    running, if any; the run records which backends (and versions) its operations used.
    """
    if config is None:
        return
    buffer = config.stash.get(CAPTURE_KEY, None)
    if buffer is None:
        return
    buffer.add_operation(
        kind=kind,
        op=op,
        backend=backend,
        is_simulated=is_simulated,
        duration_s=duration_s,
        target=target,
        nbytes=nbytes,
        ok=ok,
        error=error,
        extra=dict(extra) if extra else None,
        backend_version=backend_version,
    )


@contextmanager
def timed_operation(
    config: pytest.Config | None,
    *,
    kind: str,
    op: str,
    backend: str,
    is_simulated: bool,
    target: str | None = None,
    nbytes: int | None = None,
    extra: Mapping[str, Any] | None = None,
    backend_version: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Time a block and record it; an exception is recorded as ``ok=False`` and re-raised.

    The yielded dict may be updated inside the block (``nbytes``, ``target``, ``extra``).
    """
    info: dict[str, Any] = {"target": target, "nbytes": nbytes, "extra": dict(extra or {})}
    start = time.perf_counter()
    try:
        yield info
    except BaseException as exc:
        record_operation(
            config, kind=kind, op=op, backend=backend, is_simulated=is_simulated,
            duration_s=time.perf_counter() - start, target=info["target"],
            nbytes=info["nbytes"], ok=False, error=f"{type(exc).__name__}: {exc}",
            extra=info["extra"], backend_version=backend_version,
        )
        raise
    record_operation(
        config, kind=kind, op=op, backend=backend, is_simulated=is_simulated,
        duration_s=time.perf_counter() - start, target=info["target"],
        nbytes=info["nbytes"], extra=info["extra"], backend_version=backend_version,
    )
