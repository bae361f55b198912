"""Shared test fixtures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Import native extensions once, up front: pytester's in-process runs restore
# sys.modules afterwards, and re-importing a nanobind/pybind module aborts.
import duckdb
import pytest

# A plain query that returns a TIMESTAMPTZ makes duckdb load its time-zone support now.
duckdb.connect().execute("SELECT now(), uuid()").fetchall()

# Likewise for heavy optional modules that in-process pytester runs would re-import each
# time (hypothesis' pytest plugin imports hypothesis at session end; torch is native).
for _name in ("hypothesis.internal.observability", "torch"):
    try:
        __import__(_name)
    except ImportError:
        pass


@pytest.fixture
def query_db() -> Callable[..., list[tuple[Any, ...]]]:
    """:func:`query` as a fixture."""
    from tests.support import query

    return query
