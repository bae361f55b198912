from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_ipfs_accelerate.testing.synthetic import new_db


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Any]:
    """An empty results DB (current schema), open for writing."""
    con = new_db(tmp_path / "results.duckdb")
    yield con
    con.close()
