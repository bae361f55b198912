"""Fixtures for report and dashboard tests: synthetic DBs and a headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_ipfs_accelerate.strict import missing_backend
from pytest_ipfs_accelerate.testing.synthetic import build_db
from tests.report.browser import Browser, chromium_path

#: Screenshots the browser tests keep, for CI to upload as artifacts (git ignores it).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """3 runs x 400 tests (every 50th failing in the last), benchmarks real and simulated,
    metrics, a stored regression. Returns (path, newest run id)."""
    path = tmp_path_factory.mktemp("report") / "small.duckdb"
    return path, build_db(path, tests=400, runs=3, fail_every=50)


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    if chromium_path() is None:
        missing_backend(request.config, "chromium (headless browser tests)",
                        "apt-get install -y chromium")
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()
