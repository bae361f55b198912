"""Fixtures for real Kubo, and ipfshttpclient imported once, up front: pytester's
in-process runs restore sys.modules afterwards, and classes re-imported inside a run
no longer match those imported outside it."""

from __future__ import annotations

import os
import shutil
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import ipfshttpclient  # noqa: F401
    except ImportError:  # the tests that need it skip
        pass


@pytest.fixture(scope="session")
def kubo_bin(request: pytest.FixtureRequest) -> str:
    """The real Kubo binary (``$IPFS_ACCEL_IPFS_BIN`` or ``ipfs`` on PATH).

    Missing: the test skips, or fails in strict mode (CI), where .ci/setup-kubo.sh builds it.
    """
    from pytest_ipfs_accelerate.strict import missing_backend

    path = shutil.which(os.environ.get("IPFS_ACCEL_IPFS_BIN") or "ipfs")
    if path is None:
        missing_backend(request.config, "Kubo (ipfs on PATH)",
                        "bash .ci/setup-kubo.sh builds the pinned release")
    return str(path)


@pytest.fixture
def kubo_run_root(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> object:
    """Spawned daemons' run directories in a directory of this test's own."""
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_rundir import RUN_ROOT_ENV

    root = tmp_path_factory.mktemp("kubo-runs")
    monkeypatch.setenv(RUN_ROOT_ENV, str(root))
    return root
