"""``harness.small_suite``'s control: the writer that stores nothing must still let the
plugin do all its other work, so that its figure is the floor it claims to be."""

from __future__ import annotations

import inspect
import subprocess
from pathlib import Path

from harness.small_suite import CONFIGS, SuiteBench
from pytest_ipfs_accelerate.db.writer import BufferedWriter


def test_null_writer_run_does_the_plugins_work_and_stores_nothing(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_a.py").write_text(
        "import pytest, warnings\n"
        "def test_ok(): pass\n"
        "def test_warns(): warnings.warn('w')\n"
        "@pytest.mark.skip\ndef test_skip(): pass\n"
        "@pytest.mark.parametrize('x', [1, 2])\ndef test_p(x): pass\n")
    bench = SuiteBench(tmp_path, 0, suite_dir=suite)
    assert "db_null_writer" in CONFIGS
    cmd, cwd = bench.command("db_null_writer")
    proc = subprocess.run(cmd, cwd=cwd, env=bench.env(), capture_output=True, text=True,
                          check=False, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "4 passed, 1 skipped" in out
    assert "ipfs-accelerate results" in out  # the capture session and its report ran
    assert "report not built: RuntimeError: null writer" in out
    assert "not recorded" not in out  # every row was handed over without a capture error
    assert not list(tmp_path.glob("*.duckdb*"))  # and nothing was stored


def test_null_writer_offers_every_public_method_of_the_real_writer() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "null_writer_under_test",
        Path(__file__).parents[2] / "harness" / "small_suite" / "plugins" / "null_writer.py")
    assert spec is not None and spec.loader is not None
    real = BufferedWriter
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)  # it replaces the writer class: put it back after
        missing = [name for name, _ in inspect.getmembers(real, inspect.isfunction)
                   if not name.startswith("_") and not hasattr(module.NullWriter, name)]
    finally:
        import pytest_ipfs_accelerate.db.writer as writer_module

        writer_module.BufferedWriter = real
    assert not missing, f"NullWriter lacks {missing}: the control would fail or skip work"
