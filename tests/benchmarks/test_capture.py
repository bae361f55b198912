"""pytest-benchmark results, errors, xdist and custom metrics land in the results DB."""

from __future__ import annotations

import json
import statistics
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import query, run_pytest_in

SUITE = textwrap.dedent("""
    import pytest
    from pytest_ipfs_accelerate.benchmarks import record_metric

    @pytest.fixture
    def on_sim_gpu(request):
        request.node.user_properties.append(("ipfs_accel_device", "cuda:0"))
        request.node.user_properties.append(("ipfs_accel_simulated", True))

    record_metric("collect_count", 1, unit="count")  # outside any test: no nodeid

    @pytest.mark.parametrize("n", [10, 200], ids=["small", "big"])
    @pytest.mark.benchmark(group="sums")
    def test_sum(benchmark, n):
        benchmark.extra_info["n"] = n
        assert benchmark.pedantic(sum, args=(range(n),), rounds=6, iterations=2) == sum(range(n))

    @pytest.mark.benchmark_threshold(0.3)
    def test_raises(benchmark):
        def boom():
            raise RuntimeError("boom in benchmark")
        benchmark(boom)

    def test_fails_after(benchmark, on_sim_gpu, accel_metric):
        benchmark.pedantic(sum, args=([1, 2],), rounds=3)
        accel_metric("tokens_per_s", 812.5, unit="tokens/s", direction="higher")
        assert False, "wrong answer"

    def test_skipped(benchmark):
        pytest.skip("not here")

    def test_bad_metric(accel_metric):
        accel_metric("x", 1.0, direction="sideways")
""")


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench")
    (root / "test_suite.py").write_text(SUITE)
    result = run_pytest_in(root, "--ipfs-accel-db", "r.duckdb", "-q")
    assert result.parseoutcomes() == {"passed": 2, "failed": 3, "skipped": 1}, (
        result.stdout.str())
    assert "2 benchmark(s) captured, 2 errored" in result.stdout.str()
    return root / "r.duckdb"


def test_every_stat_and_the_raw_rounds(captured: Path) -> None:
    rows = query(captured, """
        SELECT name, group_name, params, param_id, extra_info, status, rounds, iterations,
               min_s, max_s, mean_s, median_s, stddev_s, q1_s, q3_s, iqr_s, ops, total_s,
               outliers, started_at IS NOT NULL, device, is_simulated, run_id
        FROM benchmark_results WHERE nodeid LIKE '%test_sum%' ORDER BY name""")
    assert [r[0] for r in rows] == ["test_sum[big]", "test_sum[small]"]
    for (name, group, params, param_id, extra_info, status, rounds, iterations, mn, mx, mean,
         med, sd, q1, q3, iqr, ops, total, outliers, started, device, sim, run_id) in rows:
        n = 200 if "big" in name else 10
        assert (group, status, rounds, iterations) == ("sums", "ok", 6, 2)
        assert json.loads(params) == {"n": n} and param_id in ("big", "small")
        assert json.loads(extra_info) == {"n": n}
        samples = [s for (s,) in query(captured, "SELECT duration_s FROM benchmark_samples "
                                       "WHERE run_id = ? AND name = ? ORDER BY round",
                                       [run_id, name])]
        assert len(samples) == 6
        assert (mn, mx) == (min(samples), max(samples))
        assert med == pytest.approx(statistics.median(samples))
        assert mean == pytest.approx(statistics.mean(samples))
        assert sd == pytest.approx(statistics.stdev(samples))
        assert total == pytest.approx(sum(samples)) and ops == pytest.approx(6 / total)
        assert q1 <= med <= q3 and iqr == pytest.approx(q3 - q1) and ";" in outliers
        assert started and device is None and sim is False


def test_errored_benchmarks_are_kept_with_their_error(captured: Path) -> None:
    rows = dict((r[0], r[1:]) for r in query(captured, """
        SELECT name, status, error, rounds, device, is_simulated,
               json_extract(extra, '$.threshold')::DOUBLE
        FROM benchmark_results WHERE status <> 'ok'"""))
    assert set(rows) == {"test_raises", "test_fails_after"}
    status, error, rounds, _, _, threshold = rows["test_raises"]
    assert status == "error" and error == "call: RuntimeError: boom in benchmark"
    assert rounds is None and threshold == 0.3
    status, error, rounds, device, sim, _ = rows["test_fails_after"]
    assert status == "error" and "wrong answer" in error
    assert rounds == 3 and (device, sim) == ("cuda:0", True)  # numbers kept, marked simulated
    # raw rounds only for ok rows: an errored attempt must not mix into the rank test
    assert query(captured, "SELECT count(*) FROM benchmark_samples WHERE name = "
                 "'test_fails_after'") == [(0,)]


def test_metrics_from_fixture_and_plain_api(captured: Path) -> None:
    rows = query(captured, "SELECT nodeid, name, value, unit, direction, device, is_simulated "
                 "FROM metrics ORDER BY name")
    assert rows == [
        (None, "collect_count", 1.0, "count", "lower", None, False),
        ("test_suite.py::test_fails_after", "tokens_per_s", 812.5, "tokens/s", "higher",
         "cuda:0", True),
    ]
    (longrepr,), = query(captured, "SELECT crash_message FROM test_results "
                         "WHERE nodeid LIKE '%test_bad_metric'")
    assert "direction must be 'lower' or 'higher'" in longrepr


def test_xdist_records_disabled_not_bogus_numbers(pytester: pytest.Pytester,
                                                  run_pytest: Any) -> None:
    (pytester.path / "test_x.py").write_text(textwrap.dedent("""
        def test_b(benchmark, accel_metric):
            benchmark(sum, [1, 2])
            accel_metric("mem", 3.0, unit="MiB")
    """))
    result = run_pytest("--ipfs-accel-db", "x.duckdb", "-n", "2", "-q")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    db = pytester.path / "x.duckdb"
    rows = query(db, "SELECT status, error, rounds, median_s FROM benchmark_results")
    assert len(rows) == 1
    status, error, rounds, median = rows[0]
    assert status == "disabled" and "xdist" in error and rounds is None and median is None
    assert query(db, "SELECT count(*) FROM benchmark_samples") == [(0,)]
    assert query(db, "SELECT name, value FROM metrics") == [("mem", 3.0)]


def test_fail_on_regression_fails_the_session(pytester: pytest.Pytester,
                                              run_pytest: Any) -> None:
    (pytester.path / "test_r.py").write_text(textwrap.dedent("""
        import os, time
        def test_sleep(benchmark):
            benchmark.pedantic(time.sleep, args=(float(os.environ["NAP"]),), rounds=8)
    """))
    (pytester.path / "ipfs_accelerate.toml").write_text('[benchmarks]\nmethod = "classic"\n')
    args = ("--ipfs-accel-db", "r.duckdb", "--ipfs-accel-fail-on-regression", "-q",
            "-p", "no:xdist")
    first = run_pytest(*args, env={"NAP": "0.001"})
    assert first.ret == 0 and "regression check skipped: no baseline" in first.stdout.str()
    slow = run_pytest(*args, env={"NAP": "0.006"})
    assert slow.ret == 1, slow.stdout.str()
    assert "REGRESSION test_r.py::test_sleep time" in slow.stdout.str()
    db = pytester.path / "r.duckdb"
    assert query(db, "SELECT exit_status FROM runs ORDER BY started_at") == [(0,), (1,)]
    assert query(db, "SELECT method, is_regression FROM regressions ORDER BY "
                 "detected_at DESC LIMIT 1") == [("mann-whitney", True)]


def test_fail_on_regression_needs_a_db(pytester: pytest.Pytester,
                                       run_pytest: Any) -> None:
    (pytester.path / "test_a.py").write_text("def test_a():\n    pass\n")
    result = run_pytest("--ipfs-accel-fail-on-regression")
    assert result.ret == 4
    assert "--ipfs-accel-fail-on-regression needs a results DB" in result.stderr.str()


def test_bad_threshold_config_is_a_usage_error(pytester: pytest.Pytester,
                                               run_pytest: Any) -> None:
    (pytester.path / "test_a.py").write_text("def test_a():\n    pass\n")
    (pytester.path / "ipfs_accelerate.toml").write_text(
        '[benchmarks]\nthresholds = { test_a = "fast" }\n')
    result = run_pytest("--ipfs-accel-db", "r.duckdb")
    assert result.ret == 4
    assert "'benchmarks.thresholds.test_a': expected a positive number" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_rerun_attempts_each_get_a_row_and_only_ok_rounds(pytester: pytest.Pytester,
                                                          run_pytest: Any) -> None:
    pytest.importorskip("pytest_rerunfailures")
    (pytester.path / "test_rr.py").write_text(textwrap.dedent("""
        import pytest
        TRIES = []

        @pytest.mark.flaky(reruns=1)
        def test_rerun(benchmark):
            TRIES.append(1)
            benchmark.pedantic(sum, args=([1],), rounds=5)
            assert len(TRIES) > 1, "first try fails"
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-q")
    assert result.ret == 0, result.stdout.str()
    db = pytester.path / "r.duckdb"
    rows = query(db, "SELECT status, error, rounds FROM benchmark_results ORDER BY status")
    assert [(status, rounds) for status, _, rounds in rows] == [("error", 5), ("ok", 5)]
    assert "first try fails" in rows[0][1]
    assert query(db, "SELECT count(*) FROM benchmark_samples") == [(5,)]


def test_an_xfailed_benchmark_keeps_its_timing(pytester: pytest.Pytester,
                                               run_pytest: Any) -> None:
    """pytest-benchmark times an xfailed test's benchmark (and lists it): so do we."""
    (pytester.path / "test_xf.py").write_text(textwrap.dedent("""
        import pytest

        @pytest.mark.xfail(reason="the answer is wrong, the speed is real")
        def test_timed_then_wrong(benchmark):
            benchmark.pedantic(sum, args=([1, 2],), rounds=4)
            assert False

        @pytest.mark.xfail(reason="raises", raises=ZeroDivisionError)
        def test_raises_expectedly(benchmark):
            benchmark(lambda: 1 / 0)
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-q", "-p", "no:xdist")
    assert result.parseoutcomes() == {"xfailed": 2}, result.stdout.str()
    db = pytester.path / "r.duckdb"
    rows = dict((r[0], r[1:]) for r in query(
        db, "SELECT name, status, rounds, error FROM benchmark_results"))
    assert rows["test_timed_then_wrong"][:2] == ("ok", 4)
    assert rows["test_raises_expectedly"][0] == "error"
    assert "ZeroDivisionError" in rows["test_raises_expectedly"][2]
    assert query(db, "SELECT count(*) FROM benchmark_samples") == [(4,)]


def test_a_raising_benchmark_under_xdist_is_an_error_not_disabled(
        pytester: pytest.Pytester, run_pytest: Any) -> None:
    (pytester.path / "test_xr.py").write_text(textwrap.dedent("""
        def test_raises(benchmark):
            benchmark(lambda: 1 / 0)

        def test_fine(benchmark):
            benchmark(sum, [1, 2])
    """))
    result = run_pytest("--ipfs-accel-db", "x.duckdb", "-n", "2", "-q")
    assert result.ret == 1, result.stdout.str()
    rows = dict((r[0], r[1:]) for r in query(
        pytester.path / "x.duckdb",
        "SELECT name, status, error, rounds, json_extract_string(extra, '$.not_timed') "
        "FROM benchmark_results"))
    status, error, rounds, not_timed = rows["test_raises"]
    assert status == "error" and "ZeroDivisionError" in error and rounds is None
    assert "xdist" in not_timed
    assert rows["test_fine"][0] == "disabled"
    assert "1 errored, 1 disabled" in result.stdout.str()


def test_nan_and_infinite_benchmark_values_are_standard_json(
        pytester: pytest.Pytester, run_pytest: Any) -> None:
    (pytester.path / "test_nf.py").write_text(textwrap.dedent("""
        import math, pytest

        @pytest.mark.parametrize("x", [math.nan, math.inf])
        def test_b(benchmark, x):
            benchmark.extra_info["ratio"] = -math.inf
            benchmark.pedantic(sum, args=([1],), rounds=2)
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-q", "-p", "no:xdist")
    assert result.ret == 0, result.stdout.str()
    rows = query(pytester.path / "r.duckdb", "SELECT params, extra_info, json_valid(params), "
                 "json_valid(extra_info) FROM benchmark_results ORDER BY param_id")
    assert [(json.loads(p), json.loads(e), vp, ve) for p, e, vp, ve in rows] == [
        ({"x": "inf"}, {"ratio": "-inf"}, True, True),
        ({"x": "nan"}, {"ratio": "-inf"}, True, True)]


def test_the_writer_never_flushes_while_a_benchmark_times(pytester: pytest.Pytester,
                                                          run_pytest: Any) -> None:
    """Rows come due 50 ms into the benchmark's timing (0.4 s): none is flushed until its
    call phase ends; then they are. Tests without ``benchmark`` are not paused."""
    (pytester.path / "test_p.py").write_text(textwrap.dedent("""
        import time

        def _capture(request):
            return request.config.pluginmanager.get_plugin("ipfs_accel_capture")

        def test_before():  # its row is added at the next test's setup
            pass

        def test_bench(benchmark, request):
            capture = _capture(request)
            flushes = capture.writer.flushes

            def work():  # a row that comes due during the timing
                capture.update_run(tests_collected=capture.run_row["tests_collected"])
                time.sleep(0.02)

            benchmark.pedantic(work, rounds=20, iterations=1)
            assert capture.writer.flushes == flushes, "flushed while timing"
            assert capture.writer.pending  # the run row, due for 0.4 s, still waits

        def test_after(request):
            capture = _capture(request)
            flushes = capture.writer.flushes
            capture.update_run(tests_collected=capture.run_row["tests_collected"])
            deadline = time.monotonic() + 10
            while capture.writer.flushes == flushes:
                assert time.monotonic() < deadline, "never flushed"
                time.sleep(0.01)
    """))
    result = run_pytest("--ipfs-accel-db", "r.duckdb", "-q", "-p", "no:xdist",
                        "--ipfs-accel-flush-seconds", "0.05")
    assert result.ret == 0, result.stdout.str()
