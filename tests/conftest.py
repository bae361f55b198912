"""Shared test fixtures, and helpers to run pytest in a subprocess and read its DB."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# Import native extensions once, up front: pytester's in-process runs restore
# sys.modules afterwards, and re-importing a nanobind/pybind module aborts.
import duckdb
import pytest

# A plain query that returns a TIMESTAMPTZ makes duckdb load its time-zone support now.
duckdb.connect().execute("SELECT now(), uuid()").fetchall()

# Likewise for heavy optional modules that in-process pytester runs would re-import each
# time (hypothesis' pytest plugin imports hypothesis at session end; torch is native), and
# for the clients whose first import inside a pytester test would be undone after it,
# leaving requests half re-imported for the next test ("You can only merge into CookieJar").
for _name in ("hypothesis.internal.observability", "torch", "docker", "ipfshttpclient"):
    try:
        __import__(_name)
    except ImportError:
        pass

#: Every pytest subprocess of the suite: no cache, and no plugins that slow its start-up
#: (hypothesis) or reorder its tests (randomly).
CHILD_PLUGINS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:randomly")
#: Settings of the outer run a child pytest must not inherit (unless a test sets them).
OUTER_ENV = ("PYTEST_ADDOPTS", "IPFS_ACCEL_DB", "PYTEST_XDIST_WORKER")


def query(path: Path | str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one read-only query against a results DB file and return all rows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def query_db() -> Callable[..., list[tuple[Any, ...]]]:
    """:func:`query` as a fixture."""
    return query


@pytest.fixture
def run_pytest(pytester: pytest.Pytester,
               monkeypatch: pytest.MonkeyPatch) -> Callable[..., pytest.RunResult]:
    """``run_pytest(*args, env=None)``: pytester's pytest subprocess in ``pytester.path``
    with :data:`CHILD_PLUGINS` and without :data:`OUTER_ENV`; ``env`` sets variables for
    that run only."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    for name in OUTER_ENV:
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, env: Mapping[str, str] | None = None,
            timeout: float = 300) -> pytest.RunResult:
        with monkeypatch.context() as mp:
            for key, value in (env or {}).items():
                mp.setenv(key, value)
            return pytester.runpytest_subprocess(*CHILD_PLUGINS, *args, timeout=timeout)

    return run


def run_pytest_in(path: Path, *args: str, timeout: float = 300) -> pytest.RunResult:
    """pytest in a subprocess in ``path``, with the plugins and environment clean-up of
    :func:`run_pytest`: for module-scoped fixtures, which the per-test ``pytester``
    cannot serve."""
    env = {k: v for k, v in os.environ.items() if k not in OUTER_ENV}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", *CHILD_PLUGINS, *args], cwd=path,
                          env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    return pytest.RunResult(proc.returncode, proc.stdout.splitlines(),
                            proc.stderr.splitlines(), time.monotonic() - start)
