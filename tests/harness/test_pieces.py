"""The harness's pure pieces: suite discovery, sizes, importtime parsing, batching, display."""

from __future__ import annotations

import io
import statistics
from pathlib import Path

import pytest

from harness.child_timing import ChildFailedError, python_cmd, run_timed
from harness.imports.importtime import new_modules, parse_importtime
from harness.loading.loaders import batches
from harness.progress import Progress, SuiteOutcome, pytest_percent, summary_table
from harness.sizes import bench_size
from harness.suites import UnknownSuiteError, discover, select
from pytest_ipfs_accelerate.errors import IpfsAccelError

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       277 |        277 |   _io
import time:      3119 |     211978 | pytest_ipfs_accelerate.plugin
import time:       836 |        836 |   pytest_ipfs_accelerate.operations
some other stderr line
"""


def test_parse_importtime_keeps_self_times_per_module() -> None:
    mods = parse_importtime(IMPORTTIME)
    assert mods == {"_io": 277, "pytest_ipfs_accelerate.plugin": 3119,
                    "pytest_ipfs_accelerate.operations": 836}
    assert new_modules(mods, {"_io": 1}) == {"pytest_ipfs_accelerate.plugin": 3119,
                                             "pytest_ipfs_accelerate.operations": 836}


def test_bench_size_full_quick_and_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IPFS_ACCEL_BENCH_QUICK", raising=False)
    monkeypatch.delenv("IPFS_ACCEL_BENCH_WIDGETS", raising=False)
    assert bench_size("widgets", 100, 3) == 100
    monkeypatch.setenv("IPFS_ACCEL_BENCH_QUICK", "1")
    assert bench_size("widgets", 100, 3) == 3
    monkeypatch.setenv("IPFS_ACCEL_BENCH_WIDGETS", "7")
    assert bench_size("widgets", 100, 3) == 7
    monkeypatch.setenv("IPFS_ACCEL_BENCH_WIDGETS", "many")
    with pytest.raises(ValueError, match="IPFS_ACCEL_BENCH_WIDGETS='many'"):
        bench_size("widgets", 100, 3)


@pytest.mark.parametrize(("n_items", "n"), [(10, 3), (2, 4), (8, 2), (1, 1)])
def test_batches_split_evenly_and_keep_order(n_items: int, n: int) -> None:
    items = list(range(n_items))
    out = batches(items, n)
    assert [x for b in out for x in b] == items
    assert all(out) and len(out) == min(n, n_items)
    assert max(map(len, out)) - min(map(len, out)) <= 1


def test_discover_orders_known_suites_first_and_select_rejects_unknown(tmp_path: Path) -> None:
    for name in ("zeta", "plugin_overhead", "imports", "_skip", "empty"):
        (tmp_path / name).mkdir()
        if name != "empty":
            (tmp_path / name / "test_x.py").write_text(f'"""{name} suite.\n\nMore."""\n')
    suites = discover(tmp_path)
    assert [s.name for s in suites] == ["imports", "plugin_overhead", "zeta"]
    assert suites[0].description == "imports suite."
    assert [s.name for s in select(suites, ["zeta", "imports"])] == ["imports", "zeta"]
    with pytest.raises(UnknownSuiteError, match="unknown suite 'nope'") as exc:
        select(suites, ["nope"])
    assert isinstance(exc.value, IpfsAccelError)


def test_quick_settings_apply_only_under_quick(tmp_path: Path) -> None:
    (tmp_path / "ipfs_engine").mkdir()
    (tmp_path / "ipfs_engine" / "test_x.py").write_text("")
    suite = discover(tmp_path)[0]
    assert suite.env(quick=False) == {} and suite.pytest_args(quick=False) == []
    assert suite.env(quick=True)["IPFS_ACCEL_BENCH_QUICK"] == "1"
    assert "IPFS_ACCEL_BENCH_MIB" in suite.env(quick=True)
    assert "--benchmark-min-rounds=1" in suite.pytest_args(quick=True)


def test_pytest_percent_reads_the_last_progress_mark(tmp_path: Path) -> None:
    log = tmp_path / "suite.log"
    assert pytest_percent(log) is None
    log.write_bytes(b"....     [ 40%]\n......   [100%]\n")
    assert pytest_percent(log) == 100


def test_summary_table_and_progress_lines() -> None:
    outcomes = [SuiteOutcome("imports", "passed", 1.25, {"passed": 13}, "4c74961c-aaaa", 13,
                             []),
                SuiteOutcome("containers", "failed", 9.0, {"passed": 2, "failed": 1,
                                                           "skipped": 3}, None, None,
                             ["Docker Engine not available"])]
    table = summary_table(outcomes).splitlines()
    assert table[0].split() == ["suite", "result", "passed", "failed", "error", "skipped",
                                "benchmarks", "time", "run"]
    assert table[2].split() == ["imports", "passed", "13", "0", "0", "0", "13", "1.2s",
                                "4c74961c"]
    assert table[3].split() == ["containers", "failed", "2", "1", "0", "3", "-", "9.0s", "-"]
    assert table[4] == "  containers: skipped: Docker Engine not available"
    out = io.StringIO()
    progress = Progress(2, out, live=False)
    progress.started(2, "containers")
    progress.tick(2, "containers", 1.0, 50)  # silent when not live
    progress.finished(2, outcomes[1])
    assert out.getvalue().splitlines() == [
        "[2/2] containers       running",
        "[2/2] containers       failed   2 passed, 1 failed, 3 skipped  9.0s"]


def test_run_timed_measures_the_child_and_rejects_a_bad_exit() -> None:
    timing = run_timed(python_cmd("-c", "print(sum(range(10)))"))
    assert timing.stdout.strip() == "45"
    assert timing.wall_s > 0 and timing.cpu_s > 0
    with pytest.raises(ChildFailedError, match="exited 3"):
        run_timed(python_cmd("-c", "raise SystemExit(3)"))


def test_bootstrap_median_interval_brackets_the_median_and_is_seeded() -> None:
    from harness.plugin_overhead import bootstrap_median_interval

    values = [1.02, 0.97, 1.10, 1.04, 1.31, 0.99, 1.05, 1.01, 1.08]
    low, high = bootstrap_median_interval(values)
    assert min(values) <= low <= statistics.median(values) <= high <= max(values)
    assert (low, high) == bootstrap_median_interval(values)  # same samples, same interval
    assert bootstrap_median_interval([1.0] * 5) == (1.0, 1.0)


def test_instruction_counts_extrapolate_fixed_plus_per_test() -> None:
    from harness.plugin_overhead.instructions import Counts

    c = Counts(one=1_500, many=2_499 + 1_500, many_tests=1000)  # 2.5 per test after the first
    assert c.per_test == pytest.approx(2.5015, rel=1e-3)
    assert c.at(1) == 1_500 and c.at(1000) == pytest.approx(3_999)
