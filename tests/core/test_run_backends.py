"""Backends are facts of the run: each operation row names its backend and version, and the
run names every backend its operations used."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_ipfs_accelerate.capture.session import CaptureSession, CaptureSettings
from tests.conftest import query


def _run_a_container(pytester: pytest.Pytester, run_pytest: Any, backend: str) -> tuple[Any, Path]:
    """One test that runs a container on ``backend``, with the DB on: (result, DB path)."""
    pytester.makepyfile(test_c=textwrap.dedent("""
        def test_c(container):
            container("pytest-ipfs-accel/busybox:test", command=["sleep", "1"])
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "--ipfs-accel-containers", backend)
    assert result.ret == 0, result.stdout.str()
    return result, pytester.path / "r.duckdb"


def test_the_run_names_the_backends_its_operations_used(pytester: pytest.Pytester,
                                                        run_pytest: Any) -> None:
    result, db = _run_a_container(pytester, run_pytest, "simulated")
    assert query(db, "SELECT container_backend, container_backend_version, ipfs_backend "
                     "FROM runs") == [("simulated", None, None)]
    assert {r for r in query(db, "SELECT backend, backend_version FROM operations")} == {
        ("simulated", None)}
    out = result.stdout.str()
    assert "containers backend: simulated (in-process)" in out  # the header
    assert "backends: containers simulated (simulated)" in out  # the summary


def test_several_backends_and_versions_are_joined():
    session = CaptureSession(SimpleNamespace(), CaptureSettings(db_path=None),  # type: ignore[arg-type]
                             tags={}, ops=None, annotator=None)  # type: ignore[arg-type]
    rows: list[tuple] = []
    session.writer = SimpleNamespace(add=lambda name, row: rows.append(row),
                                     put=lambda *a, **k: None)
    op = {"kind": "ipfs", "op": "add", "is_simulated": False, "duration_s": 0.1,
          "started_at": 1.0}
    session._write_ops([{**op, "backend": "simulated", "is_simulated": True},
                        {**op, "backend": "kubo", "backend_version": "0.43.1"},
                        {**op, "backend": "kubo", "backend_version": "0.43.1"}])
    assert (session.run_row["ipfs_backend"], session.run_row["ipfs_backend_version"]) == (
        "kubo, simulated", "kubo 0.43.1")
    assert len(rows) == 3 and rows[1][-1] == "0.43.1"  # operations.backend_version


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI")
def test_docker_operations_carry_the_engine_version(pytester: pytest.Pytester,
                                                    run_pytest: Any, request: Any) -> None:
    from pytest_ipfs_accelerate.strict import missing_backend

    # The docker CLI as the oracle: importing the SDK here, under pytester (which restores
    # sys.modules after the test), left requests half re-imported for later tests.
    asked = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"],
                           capture_output=True, text=True, timeout=60, check=False)
    engine = asked.stdout.strip()
    if asked.returncode != 0 or not engine:
        missing_backend(request.config, "Docker Engine", asked.stderr.strip())
    _, db = _run_a_container(pytester, run_pytest, "docker")
    assert query(db, "SELECT container_backend, container_backend_version FROM runs") == [
        ("docker", engine)]
    assert query(db, "SELECT DISTINCT backend_version FROM operations") == [(engine,)]
