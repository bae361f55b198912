"""Helpers for tests that run pytest in a subprocess and read the results DB."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb


def query(path: Path | str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one read-only query against a results DB file and return all rows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


class PytestRun:
    """The result of a pytest subprocess run: exit code, output, and the DB path."""

    def __init__(self, proc: subprocess.CompletedProcess[str], db: Path | None) -> None:
        self.ret = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.db = db

    def outcomes(self) -> dict[str, int]:
        """pytest's closing counts, e.g. {'passed': 3, 'failed': 1}."""
        for line in reversed(self.stdout.splitlines()):
            if " in " in line and ("passed" in line or "failed" in line or "error" in line
                                   or "skipped" in line or "no tests ran" in line):
                found = re.findall(r"(\d+) (\w+)", line.split(" in ")[0])
                return {("errors" if k == "error" else "warnings" if k == "warning" else k):
                        int(n) for n, k in found}
        return {}


def run_pytest(cwd: Path, *args: str, env: dict[str, str] | None = None,
               timeout: float = 300) -> PytestRun:
    """Run pytest in a subprocess in ``cwd`` (hypothesis' plugin off, to start fast)."""
    full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    full_env.pop("PYTEST_ADDOPTS", None)
    for name in ("IPFS_ACCEL_DB", "PYTEST_XDIST_WORKER"):
        if env is None or name not in env:
            full_env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
         "-p", "no:randomly", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False)
    db = None
    for i, a in enumerate(args):
        if a == "--ipfs-accel-db":
            db = cwd / args[i + 1]
    return PytestRun(proc, db)
